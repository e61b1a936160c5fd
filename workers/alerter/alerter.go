// Package alerter is the alerting stage: it evaluates the alert rules
// (package rules) on every tagged article and publishes one alert per
// (rule, story) on alerts.<rule>, or per (rule, article) for the rules that
// say per: article. Spike rules alert when more distinct stories than usual
// mention an entity. Backtest runs the query rules over the tagged articles
// JetStream has stored, publishing nothing.
package alerter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/rules"
	"github.com/mediawatch/mediawatch/story"
)

// Stage is this worker's name.
const Stage = "alerter"

// Spec is the stage's input: every tagged article.
func Spec() pipeline.ConsumerSpec {
	return pipeline.ConsumerSpec{Stage: Stage, Stream: pipeline.StreamTagged, Subject: pipeline.All(pipeline.SubjectTagged)}
}

// Config is the alerter's part of the configuration.
type Config struct {
	Rules []rules.Rule // the query rules
	// PerArticle lists the query rules that alert every copy of a story
	// (per: article); the others alert once per story.
	PerArticle []string
	Spikes     []story.Spike // the spike rules
}

// ConfigFrom picks the stage's part of the configuration.
func ConfigFrom(c *config.Config) Config {
	out := Config{Rules: make([]rules.Rule, 0, len(c.Rules))}
	for _, r := range c.Rules {
		if r.Spike != nil {
			out.Spikes = append(out.Spikes, story.Spike{Rule: r.ID, Entity: r.Spike.Entity, Factor: r.Spike.Factor, Window: time.Duration(r.Spike.Window), Min: r.Spike.Min})
			continue
		}
		out.Rules = append(out.Rules, rules.Rule{ID: r.ID, Query: r.Query})
		if r.Per == config.PerArticle {
			out.PerArticle = append(out.PerArticle, r.ID)
		}
	}
	return out
}

// Engine is the compiled rules, evaluated on pipeline articles. It is
// immutable and safe for concurrent use.
type Engine struct {
	rules      *rules.Engine
	perArticle map[string]bool
	spikes     []story.Spike
}

// NewEngine compiles query rules that alert once per story; an error names
// the rule and the column.
func NewEngine(rs []rules.Rule) (*Engine, error) { return Compile(Config{Rules: rs}) }

// Compile compiles the rules of a configuration; an error names the rule
// and the column.
func Compile(cfg Config) (*Engine, error) {
	e, err := rules.Compile(cfg.Rules)
	if err != nil {
		return nil, err
	}
	per := map[string]bool{}
	for _, id := range cfg.PerArticle {
		per[id] = true
	}
	return &Engine{rules: e, perArticle: per, spikes: cfg.Spikes}, nil
}

// PerArticle reports whether rule alerts every copy of a story.
func (e *Engine) PerArticle(rule string) bool { return e.perArticle[rule] }

// Evaluate returns an alert for every rule the article fires, created now.
// It does not modify the article.
func (e *Engine) Evaluate(a *pipeline.Article, now time.Time) []pipeline.Alert {
	doc := &rules.Doc{Feed: a.Feed, Lang: a.Lang, Entities: make([]rules.Mention, len(a.Entities))}
	for _, f := range pipeline.TextFields() {
		doc.Fields = append(doc.Fields, match.Field{Name: f, Text: a.Field(f)})
	}
	var ids []string
	seen := map[string]bool{}
	for i, ent := range a.Entities {
		doc.Entities[i] = rules.Mention{ID: ent.ID, Kind: ent.Kind, Surface: ent.Surface, Field: ent.Field, Start: ent.Start, End: ent.End}
		if !seen[ent.ID] {
			seen[ent.ID] = true
			ids = append(ids, ent.ID)
		}
	}
	firings := e.rules.Evaluate(doc)
	if len(firings) == 0 {
		return nil
	}
	art := *a
	art.Content = ""
	alerts := make([]pipeline.Alert, len(firings))
	for i, f := range firings {
		matches := make([]pipeline.Match, len(f.Matches))
		for j, m := range f.Matches {
			matches[j] = pipeline.Match(m)
		}
		alerts[i] = pipeline.Alert{
			Schema:   pipeline.AlertSchema,
			ID:       pipeline.AlertID(f.Rule, a.ID),
			Rule:     f.Rule,
			Query:    f.Query,
			Created:  now.UTC(),
			Article:  art,
			Entities: append([]string{}, ids...),
			Matches:  matches,
			Story:    storyOf(a),
		}
	}
	return alerts
}

// storyOf is a copy of the article's story, or nil.
func storyOf(a *pipeline.Article) *pipeline.Story {
	if a.Story == nil {
		return nil
	}
	s := *a.Story
	return &s
}

// Claims remember which article of a story alerted a rule.
type Claims interface {
	// Claim makes owner the holder of key unless another owner holds it,
	// and reports whether owner holds it and has not settled it: a
	// redelivery of an attempt whose outputs may not be stored claims
	// again, an article read again once they are stored (a consumer made
	// anew, reading the stream from its start) does not.
	// The revision is the claim's, for Settle.
	Claim(ctx context.Context, key, owner string) (held bool, revision uint64, err error)
	// Settle records that owner's outputs for key, claimed at revision,
	// are stored.
	Settle(ctx context.Context, key, owner string, revision uint64) error
}

// heldClaim is a claim a handler holds, to settle once its outputs are
// stored.
type heldClaim struct {
	key string
	rev uint64
}

// settled marks a claim whose outputs are stored.
const settled = " settled"

// ClaimKey is the key of the claim of a rule on a story: <rule>.<story id>.
func ClaimKey(rule, story string) string { return rule + "." + story }

// KVClaims are claims in a JetStream key-value bucket (mw_alerted): every
// alerter replica sees the same ones, and they outlive restarts.
type KVClaims struct{ KV jetstream.KeyValue }

// Claim implements Claims. A second claim by the same owner holds until
// it is settled: a redelivered article alerts again, with the same Msg-Id,
// so the stream keeps one alert.
func (c KVClaims) Claim(ctx context.Context, key, owner string) (bool, uint64, error) {
	rev, err := c.KV.Create(ctx, key, []byte(owner))
	if err == nil {
		return true, rev, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return false, 0, fmt.Errorf("claim %s: %w", key, err)
	}
	e, err := c.KV.Get(ctx, key)
	if err != nil {
		return false, 0, fmt.Errorf("read claim %s: %w", key, err)
	}
	return string(e.Value()) == owner, e.Revision(), nil
}

// Settle implements Claims: owner's claim becomes "<owner> settled", which
// Claim no longer takes for owner's. It writes at the claim's revision, so
// it needs no read (which a replica behind its leader could answer with
// "not found"); a claim changed since (settled by a replica that handled
// the same redelivery) is left as it is.
func (c KVClaims) Settle(ctx context.Context, key, owner string, rev uint64) error {
	if _, err := c.KV.Update(ctx, key, []byte(owner+settled), rev); err != nil &&
		!errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("settle claim %s: %w", key, err)
	}
	return nil
}

// Handle is the stage's logic: one output per rule the article fires, with
// Nats-Msg-Id alert:<rule>:<article id>. With claims, a rule fires once
// per story (the first article of the story that matches it claims the
// story) unless it is per: article; without, once per article. The engine
// is read on every message, so a reload applies from the next message on.
//
// With spikes, the spike rules count the stories that mention their
// entity and alert on alerts.<rule> (Msg-Id alert:<rule>:spike-<slot>) when
// the counts exceed the baseline.
func Handle(engine *atomic.Pointer[Engine], now func() time.Time, claims Claims, spikes ...SpikeState) pipeline.Handler {
	var state SpikeState
	if len(spikes) > 0 {
		state = spikes[0]
	}
	return handle(engine, now, nil, claims, state)
}

// handle is Handle that, once the alerts are stored, counts them by rule
// in metrics and observes their fetch-to-alert latency.
func handle(engine *atomic.Pointer[Engine], now func() time.Time, metrics *pipeline.Metrics, claims Claims, state SpikeState) pipeline.Handler {
	return func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
		a, err := pipeline.DecodeArticle(m.Data)
		if err != nil {
			return pipeline.Result{}, err
		}
		e := engine.Load()
		t := now()
		alerts := e.Evaluate(a, t)
		at := m.Stored
		if at.IsZero() || at.After(t) {
			at = t
		}
		outs, held, err := e.spikeAlerts(ctx, a, at, t, claims, state)
		if err != nil {
			return pipeline.Result{}, err
		}
		for _, al := range alerts {
			if claims != nil && a.Story != nil && !e.PerArticle(al.Rule) {
				key := ClaimKey(al.Rule, a.Story.ID)
				ok, rev, err := claims.Claim(ctx, key, a.ID)
				if err != nil {
					return pipeline.Result{}, err
				}
				if !ok {
					continue // the story alerted this rule already
				}
				held = append(held, heldClaim{key, rev})
			}
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectAlerts, al.Rule),
				MsgID:   pipeline.AlertMsgID(al.Rule, a.ID),
				Data:    pipeline.Encode(al),
			})
		}
		res := pipeline.Outputs(outs...)
		if (metrics != nil && len(outs) > 0) || len(held) > 0 {
			res.After = func(ctx context.Context) error {
				// The alerts are stored: the claims are settled, so that
				// this article read again does not alert again once the
				// stream's duplicate window has passed.
				for _, h := range held {
					if err := claims.Settle(ctx, h.key, a.ID, h.rev); err != nil {
						return err
					}
				}
				if metrics != nil {
					t := now()
					for _, o := range outs { // the alerts sent: spikes, and a story's first match
						metrics.Alerted(strings.TrimPrefix(o.Subject, pipeline.SubjectAlerts+"."), a.Fetched, t)
					}
				}
				return nil
			}
		}
		return res, nil
	}
}

// Backtest evaluates e on the tagged articles stored in stream TAGGED since
// since (only feed's, when feed is not empty) and calls yield with every
// alert they would have given and the time its article was stored; it
// publishes nothing. It returns how many stored articles it read.
//
// It reads through an ephemeral consumer of its own, deleted when it
// returns (and by the server after a minute of inactivity, should the
// process die first), so that no consumer outlives it.
func Backtest(ctx context.Context, js jetstream.JetStream, e *Engine, since time.Time, feed string, yield func(al pipeline.Alert, stored time.Time)) (int, error) {
	subject := pipeline.All(pipeline.SubjectTagged)
	if feed != "" {
		subject = pipeline.Subject(pipeline.SubjectTagged, feed)
	}
	stream, err := js.Stream(ctx, pipeline.StreamTagged)
	if err != nil {
		return 0, fmt.Errorf("read stored articles: %w", err)
	}
	cons, err := stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		Description:       "mediawatch rules test",
		FilterSubject:     subject,
		DeliverPolicy:     jetstream.DeliverByStartTimePolicy,
		OptStartTime:      &since,
		AckPolicy:         jetstream.AckNonePolicy,
		InactiveThreshold: time.Minute,
		MemoryStorage:     true,
	})
	if err != nil {
		return 0, fmt.Errorf("read stored articles: %w", err)
	}
	name := cons.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = stream.DeleteConsumer(dctx, name)
	}()
	pending := cons.CachedInfo().NumPending
	seen := 0
	for uint64(seen) < pending {
		batch, err := cons.Fetch(min(int(pending)-seen, 512), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return seen, fmt.Errorf("read stored articles: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			seen++
			meta, err := m.Metadata()
			if err != nil {
				continue
			}
			if a, err := pipeline.DecodeArticle(m.Data()); err == nil {
				for _, al := range e.Evaluate(a, meta.Timestamp) {
					yield(al, meta.Timestamp)
				}
			}
			if meta.NumPending == 0 {
				return seen, nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return seen, fmt.Errorf("read stored articles: %w", err)
		}
		if got == 0 {
			return seen, nil // the rest went (the stream's limits) while we read
		}
	}
	return seen, nil
}

// Worker is the alerter stage.
type Worker struct {
	engine atomic.Pointer[Engine]
	runner *pipeline.Runner
	log    *zap.Logger
}

// New compiles the rules and binds the stage's consumer.
func New(ctx context.Context, cfg Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	e, err := Compile(cfg)
	if err != nil {
		return nil, fmt.Errorf("start alerter: %w", err)
	}
	kv, err := deps.JS.KeyValue(ctx, pipeline.BucketAlerted)
	if err != nil {
		return nil, fmt.Errorf("start alerter: open bucket %s: %w", pipeline.BucketAlerted, err)
	}
	w := &Worker{log: log.With(zap.String("worker", Stage))}
	w.engine.Store(e)
	w.runner = pipeline.NewRunner(deps.JS, Spec(), handle(&w.engine, time.Now, deps.Metrics, KVClaims{KV: kv}, JSSpikes{JS: deps.JS, KV: kv}), log, pipeline.RunnerOptions{Metrics: deps.Metrics})
	return w, nil
}

// Reload compiles the rules of cfg and swaps them in atomically; on an
// error the old rules stay.
func (w *Worker) Reload(cfg Config) error {
	e, err := Compile(cfg)
	if err != nil {
		return fmt.Errorf("reload rules: %w", err)
	}
	w.engine.Store(e)
	w.log.Info("rules swapped", zap.Int("rules", len(cfg.Rules)))
	return nil
}

// Run consumes until ctx ends.
func (w *Worker) Run(ctx context.Context) error { return w.runner.Run(ctx) }
