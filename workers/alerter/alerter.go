// Package alerter is the alerting stage: it evaluates the alert rules
// (package rules) on every tagged article and publishes one alert per
// (rule, article) on alerts.<rule>. Backtest runs the same rules over the
// tagged articles JetStream has stored, publishing nothing.
package alerter

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/rules"
)

// Stage is this worker's name.
const Stage = "alerter"

// Spec is the stage's input: every tagged article.
func Spec() pipeline.ConsumerSpec {
	return pipeline.ConsumerSpec{Stage: Stage, Stream: pipeline.StreamTagged, Subject: pipeline.All(pipeline.SubjectTagged)}
}

// Config is the alerter's part of the configuration.
type Config struct {
	Rules []rules.Rule
}

// ConfigFrom picks the stage's part of the configuration.
func ConfigFrom(c *config.Config) Config {
	out := Config{Rules: make([]rules.Rule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = rules.Rule{ID: r.ID, Query: r.Query}
	}
	return out
}

// Engine is the compiled rules, evaluated on pipeline articles. It is
// immutable and safe for concurrent use.
type Engine struct {
	rules *rules.Engine
}

// NewEngine compiles rules; an error names the rule and the column.
func NewEngine(rs []rules.Rule) (*Engine, error) {
	e, err := rules.Compile(rs)
	if err != nil {
		return nil, err
	}
	return &Engine{rules: e}, nil
}

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
		}
	}
	return alerts
}

// Handle is the stage's logic: one output per rule the article fires, with
// Nats-Msg-Id alert:<rule>:<article id>. The engine is read on every
// message, so a reload applies from the next message on.
func Handle(engine *atomic.Pointer[Engine], now func() time.Time) pipeline.Handler {
	return handle(engine, now, nil)
}

// handle is Handle that, once the alerts are stored, counts them by rule
// in metrics and observes their fetch-to-alert latency.
func handle(engine *atomic.Pointer[Engine], now func() time.Time, metrics *pipeline.Metrics) pipeline.Handler {
	return func(_ context.Context, m pipeline.Message) (pipeline.Result, error) {
		a, err := pipeline.DecodeArticle(m.Data)
		if err != nil {
			return pipeline.Result{}, err
		}
		alerts := engine.Load().Evaluate(a, now())
		outs := make([]pipeline.Output, 0, len(alerts))
		for _, al := range alerts {
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectAlerts, al.Rule),
				MsgID:   pipeline.AlertMsgID(al.Rule, a.ID),
				Data:    pipeline.Encode(al),
			})
		}
		res := pipeline.Outputs(outs...)
		if metrics != nil && len(alerts) > 0 {
			res.After = func(context.Context) error {
				t := now()
				for _, al := range alerts {
					metrics.Alerted(al.Rule, a.Fetched, t)
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
func New(_ context.Context, cfg Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	e, err := NewEngine(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("start alerter: %w", err)
	}
	w := &Worker{log: log.With(zap.String("worker", Stage))}
	w.engine.Store(e)
	w.runner = pipeline.NewRunner(deps.JS, Spec(), handle(&w.engine, time.Now, deps.Metrics), log, pipeline.RunnerOptions{Metrics: deps.Metrics})
	return w, nil
}

// Reload compiles the rules of cfg and swaps them in atomically; on an
// error the old rules stay.
func (w *Worker) Reload(cfg Config) error {
	e, err := NewEngine(cfg.Rules)
	if err != nil {
		return fmt.Errorf("reload rules: %w", err)
	}
	w.engine.Store(e)
	w.log.Info("rules swapped", zap.Int("rules", len(cfg.Rules)))
	return nil
}

// Run consumes until ctx ends.
func (w *Worker) Run(ctx context.Context) error { return w.runner.Run(ctx) }
