// Package notifier is the delivery stage: it brings alerts to people
// through the sinks of the configuration (package notify knows how). Each
// sink is a durable consumer of its own on ALERTS, filtered to the rules
// that name it, so that a sink that is down delays no other and a restart
// resumes each where it stopped. Each alert is delivered at most once per
// sink as far as the notifier can tell (a receipt in mw_notified); a sink's
// hourly cap and digests are kept in mw_notify, so they survive a restart.
package notifier

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/netguard"
	"github.com/mediawatch/mediawatch/notify"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Stage is this worker's name: the DLQ token and the prefix of its
// consumers' names.
const Stage = "notifier"

// HeaderSink names, on a dead letter of the notifier, the sink that could
// not take it.
const HeaderSink = "Mediawatch-Sink"

// Spec is the stage's input: the alerts. The consumers are one per sink
// (SinkSpec), made by the stage itself.
func Spec() pipeline.ConsumerSpec {
	return pipeline.ConsumerSpec{Stage: Stage, Stream: pipeline.StreamAlerts, Subject: pipeline.All(pipeline.SubjectAlerts)}
}

// SinkSpec is the durable consumer of a sink: notifier-<sink>, filtered to
// alerts.<rule> of the rules that name it, starting with the alerts stored
// once it is made.
func SinkSpec(sink string, rules []string) pipeline.ConsumerSpec {
	subjects := make([]string, len(rules))
	for i, r := range rules {
		subjects[i] = pipeline.Subject(pipeline.SubjectAlerts, r)
	}
	return pipeline.ConsumerSpec{Stage: Stage, Durable: pipeline.OwnConsumer(Stage, sink), Stream: pipeline.StreamAlerts, Subjects: subjects, DeliverNew: true}
}

// Sink is one sink as the stage runs it.
type Sink struct {
	ID        string
	Rules     []string // the rules that name it
	SecretEnv string   // the variable holding its secret
	Options   notify.Options
	Volume    notify.Volume
	MaxDelay  time.Duration // the longest wait before a retry
}

// Config is the notifier's part of the configuration.
type Config struct {
	Sinks []Sink
	// Getenv reads the sinks' secrets (nil: os.Getenv).
	Getenv func(string) string
	// RootCAs and Allow, when set, go to every sink (notify.Options): a
	// private CA, the addresses a test's own servers listen on.
	RootCAs *x509.CertPool
	Allow   func(netip.AddrPort) bool
	// Now is the clock of the hourly caps and the digests (nil: time.Now).
	Now func() time.Time
}

// ConfigFrom picks the stage's part of the configuration.
func ConfigFrom(c *config.Config) Config {
	var out Config
	for _, s := range c.Sinks {
		sk := Sink{
			ID: s.ID, SecretEnv: s.SecretEnv, MaxDelay: time.Duration(s.MaxDelay),
			Options: notify.Options{
				Sink: s.ID, Type: s.Type, URL: s.URL, Headers: s.Headers, From: s.From, To: s.To,
				AllowPrivate: s.AllowPrivate, Timeout: time.Duration(s.Timeout), UserAgent: c.Poller.UserAgent,
			},
			Volume: notify.Volume{Digest: s.Mode == config.ModeDigest, Every: time.Duration(s.Every), MaxPerHour: s.MaxPerHour},
		}
		for _, r := range c.Rules {
			if slices.Contains(r.Notify, s.ID) {
				sk.Rules = append(sk.Rules, r.ID)
			}
		}
		out.Sinks = append(out.Sinks, sk)
	}
	return out
}

// sinkConf is a sink ready to deliver.
type sinkConf struct {
	Sink
	sender notify.Sender
}

func (s *sinkConf) volumeControl() bool { return s.Volume.Digest || s.Volume.MaxPerHour > 0 }

// backoff is the sink's retry policy: from a second (or max_delay, if
// shorter) up to max_delay.
func (s *sinkConf) backoff() pipeline.Backoff {
	return pipeline.Backoff{Initial: min(time.Second, s.MaxDelay), Max: s.MaxDelay}
}

// build makes every sink's sender, reading its secret; every problem is
// reported, naming the sink and the variable (never its value).
func build(cfg Config) (map[string]*sinkConf, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	out := map[string]*sinkConf{}
	var errs []error
	for _, s := range cfg.Sinks {
		o := s.Options
		o.RootCAs, o.Allow = cfg.RootCAs, cfg.Allow
		if s.SecretEnv != "" {
			v := getenv(s.SecretEnv)
			if v == "" {
				errs = append(errs, fmt.Errorf("sink %s: environment variable %s (secret_env) is not set", s.ID, s.SecretEnv))
				continue
			}
			if o.Type == notify.Slack {
				o.URL = v
			} else {
				o.Secret = v
			}
		}
		if o.Type != notify.Email && !o.AllowPrivate && o.Allow == nil {
			// A host written as a private address is refused before any
			// request; the dialling check catches names.
			if err := netguard.CheckURL(o.URL); err != nil {
				// Not err itself: it quotes the URL, which may be the secret.
				errs = append(errs, fmt.Errorf("sink %s: the url's host is a loopback or private address (allow_private: true lets a sink reach one): %w", s.ID, netguard.ErrPrivateAddress))
				continue
			}
		}
		sender, err := notify.New(o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if s.MaxDelay <= 0 {
			s.MaxDelay = config.DefaultSinkMaxDelay
		}
		out[s.ID] = &sinkConf{Sink: s, sender: sender}
	}
	return out, errors.Join(errs...)
}

// Worker is the notifier stage.
type Worker struct {
	js      jetstream.JetStream
	metrics *pipeline.Metrics
	log     *zap.Logger
	base    *zap.Logger        // New's, for the runners (they add the worker's name)
	state   jetstream.KeyValue // mw_notify
	turns   sync.Map           // by sink: a channel of one, the turn to update its state
	now     func() time.Time

	mu      sync.Mutex
	ctx     context.Context // Run's, once it runs
	sinks   map[string]*sinkRun
	pending map[string]*sinkConf // the configuration Run starts with
	wg      sync.WaitGroup
}

// sinkRun is a running sink: its configuration (swapped on reload) and
// how to stop it.
type sinkRun struct {
	cur    atomic.Pointer[sinkConf]
	cancel context.CancelFunc
	done   chan struct{}
}

// New reads the sinks' secrets, makes or updates each sink's consumer,
// and removes the consumers of sinks that are gone.
func New(ctx context.Context, cfg Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	sinks, err := build(cfg)
	if err != nil {
		return nil, fmt.Errorf("start notifier: %w", err)
	}
	w := &Worker{js: deps.JS, metrics: deps.Metrics, log: log.With(zap.String("worker", Stage)), base: log, now: cfg.Now, sinks: map[string]*sinkRun{}, pending: sinks}
	if w.now == nil {
		w.now = time.Now
	}
	if w.state, err = deps.JS.KeyValue(ctx, pipeline.BucketNotify); err != nil {
		return nil, fmt.Errorf("start notifier: open %s: %w", pipeline.BucketNotify, err)
	}
	if err := w.syncConsumers(ctx, sinks); err != nil {
		return nil, fmt.Errorf("start notifier: %w", err)
	}
	return w, nil
}

// syncConsumers makes or updates the consumer of every sink that some rule
// names, and deletes the other notifier consumers. The runners of the
// sinks whose consumers it deletes must have stopped: a runner makes its
// consumer again when it finds it gone.
func (w *Worker) syncConsumers(ctx context.Context, sinks map[string]*sinkConf) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	want := map[string]bool{}
	var errs []error
	for _, s := range sinks {
		if len(s.Rules) == 0 {
			w.log.Warn("no rule names this sink: it gets nothing", zap.String("sink", s.ID))
			continue
		}
		spec := SinkSpec(s.ID, s.Rules)
		want[spec.Name()] = true
		if err := pipeline.EnsureConsumer(cctx, w.js, spec.Stream, pipeline.ConsumerConfig(spec, 0)); err != nil {
			errs = append(errs, fmt.Errorf("consumer of sink %s: %w", s.ID, err))
		}
	}
	existing, err := pipeline.StageConsumers(cctx, w.js, Spec())
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, c := range existing {
		if want[c.Name()] {
			continue
		}
		if err := w.js.DeleteConsumer(cctx, c.Stream, c.Name()); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			errs = append(errs, fmt.Errorf("delete consumer %s of a sink that is gone: %w", c.Name(), err))
			continue
		}
		w.log.Info("consumer of a sink that is gone deleted", zap.String("consumer", c.Name()))
	}
	return errors.Join(errs...)
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.mu.Lock()
	w.ctx = ctx
	for _, s := range w.pending {
		w.start(s)
	}
	w.pending = nil
	w.mu.Unlock()
	<-ctx.Done()
	w.wg.Wait()
	return nil
}

// start runs a sink (w.mu held): its runner and, with volume control, its
// digests.
func (w *Worker) start(s *sinkConf) {
	ctx, cancel := context.WithCancel(w.ctx)
	sr := &sinkRun{cancel: cancel, done: make(chan struct{})}
	sr.cur.Store(s)
	w.sinks[s.ID] = sr
	var inner sync.WaitGroup
	// A sink no rule names gets no alerts (it has no consumer), but still
	// sends the digest it was gathering before a reload took its rules.
	if len(s.Rules) > 0 {
		// The runner names the worker itself.
		r := pipeline.NewRunner(w.js, SinkSpec(s.ID, s.Rules), w.handle(sr), w.base.With(zap.String("sink", s.ID)), pipeline.RunnerOptions{
			Metrics:          w.metrics,
			Backoff:          func(attempt uint64) time.Duration { return sr.cur.Load().backoff().Delay(attempt) }, // max_delay as reloaded
			DeadLetterHeader: map[string]string{HeaderSink: s.ID},
		})
		inner.Go(func() { _ = r.Run(ctx) })
	}
	inner.Go(func() { w.digests(ctx, sr, w.log.With(zap.String("sink", s.ID))) })
	w.wg.Go(func() { inner.Wait(); close(sr.done) })
}

// Reload swaps in the sinks of cfg: a sink's new settings apply from the
// next alert on, its consumer's filter follows its rules, a new sink
// starts, a sink that is gone stops and its consumer is deleted. When a
// secret is missing the running sinks stay as they were; when the server
// fails to take a consumer's change the sinks run as cfg says all the same
// (a runner makes a missing consumer itself) and the error says which.
func (w *Worker) Reload(cfg Config) error {
	sinks, err := build(cfg)
	if err != nil {
		return fmt.Errorf("reload sinks: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx == nil { // Run has not started: it starts with these
		w.pending = sinks
		if err := w.syncConsumers(context.Background(), sinks); err != nil {
			return fmt.Errorf("reload sinks: %w", err)
		}
		return nil
	}
	// A sink that is gone, or whose rules change, stops before its
	// consumer is deleted or filtered anew: its runner would make the
	// deleted consumer again (with the filter it started with).
	var stopping []*sinkRun
	for id, sr := range w.sinks {
		if s, ok := sinks[id]; ok && slices.Equal(s.Rules, sr.cur.Load().Rules) {
			continue
		}
		sr.cancel()
		stopping = append(stopping, sr)
		delete(w.sinks, id)
	}
	for _, sr := range stopping {
		<-sr.done
	}
	serr := w.syncConsumers(w.ctx, sinks)
	for id, s := range sinks {
		if sr, ok := w.sinks[id]; ok {
			sr.cur.Store(s)
		} else {
			w.start(s)
		}
	}
	if serr != nil {
		return fmt.Errorf("reload sinks: %w", serr)
	}
	w.log.Info("sinks swapped", zap.Int("sinks", len(sinks)))
	return nil
}

// decodeAlert reads an alert message; what no retry can fix is permanent.
func decodeAlert(m pipeline.Message) (*pipeline.Alert, error) {
	var a pipeline.Alert
	if err := json.Unmarshal(m.Data, &a); err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode alert: %w", err))
	}
	switch {
	case a.Schema > pipeline.AlertSchema:
		return nil, pipeline.Permanent(fmt.Errorf("decode alert: schema %d is newer than this worker knows (%d)", a.Schema, pipeline.AlertSchema))
	case !pipeline.ValidArticleID(a.ID):
		return nil, pipeline.Permanent(fmt.Errorf("decode alert: id %s is not 32 lower-case hex digits", pipeline.Quote(a.ID)))
	case !pipeline.ValidID(a.Rule):
		return nil, pipeline.Permanent(fmt.Errorf("decode alert %s: rule %s: must be %s", a.ID, pipeline.Quote(a.Rule), pipeline.IDRule))
	case m.Subject != pipeline.Subject(pipeline.SubjectAlerts, a.Rule):
		return nil, pipeline.Permanent(fmt.Errorf("decode alert %s: rule %s came on %s", a.ID, a.Rule, pipeline.Quote(m.Subject)))
	}
	return &a, nil
}

// Bounds of what the notifier reads of an alert's matches. Whoever may
// publish on alerts.<rule> writes the alert; the alerter explains a firing
// with a few matches per term, each surface the words that matched and each
// snippet a window of rules.SnippetRadius runes either side of them, far
// below these and notify.MaxSnippet. An alert beyond them is delivered cut,
// not refused, and rendering it stays cheap.
const (
	maxMatches = 100     // matches read, the first ones
	maxSurface = 1 << 10 // bytes of a surface
)

// item is an alert as a person reads it, its text bounded (notify.Item.Clip).
func item(a *pipeline.Alert) notify.Item {
	it := notify.Item{Alert: a.ID, Rule: a.Rule, Title: a.Article.Title, URL: a.Article.URL, Feed: a.Article.Feed, Lang: a.Article.Lang, Created: a.Created}
	for _, m := range a.Matches[:min(len(a.Matches), maxMatches)] {
		if it.Snippet == "" && m.Snippet != "" {
			it.Snippet = m.Snippet
		}
		if m.Surface != "" && m.Field != "feed" && m.Field != "lang" {
			for part := range strings.SplitSeq(notify.Cut(m.Surface, maxSurface), " … ") {
				if len(it.Bold) < notify.MaxBold && !slices.Contains(it.Bold, part) {
					it.Bold = append(it.Bold, part)
				}
			}
		}
	}
	return it.Clip()
}

// AlertDeliveryID is the delivery id of an alert to a sink, the same on
// every retry: the webhook-id, the e-mail's Message-ID.
func AlertDeliveryID(sink, alert string) string { return "alert:" + sink + ":" + alert }

// receiptKey is the key of an alert's receipt in mw_notified.
func receiptKey(sink, alert string) string { return sink + "." + alert }

// handle is a sink's logic: an alert is delivered (or, with volume
// control, counted against the hour or folded into the digest); the output
// is the receipt that it was. Which alerts come is the consumer's filter
// alone, the one every replica shares: a handler that checked the rule
// against its own configuration, older or newer than the filter during a
// reload, would acknowledge unsent the alerts of a rule it does not know
// yet.
func (w *Worker) handle(sr *sinkRun) pipeline.Handler {
	return func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
		s := sr.cur.Load()
		a, err := decodeAlert(m)
		if err != nil {
			return pipeline.Result{}, err
		}
		key := receiptKey(s.ID, a.ID)
		receipts, err := w.js.KeyValue(ctx, pipeline.BucketNotified)
		if err != nil {
			return pipeline.Result{}, fmt.Errorf("open %s: %w", pipeline.BucketNotified, err)
		}
		if _, err := receipts.Get(ctx, key); err == nil {
			return pipeline.Result{}, nil // delivered already (a redelivery)
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return pipeline.Result{}, fmt.Errorf("read receipt of alert %s: %w", a.ID, err)
		}
		it := item(a)
		now := w.now()
		if s.volumeControl() {
			admitted, folded := false, false
			err := w.update(ctx, s.ID, func(st *notify.State) bool {
				admitted, folded = false, false
				if st.Seen(a.ID) {
					return false // folded already (a redelivery)
				}
				if admitted = st.Admit(s.Volume, a.ID, now); !admitted {
					st.Fold(s.Volume, it, now)
					folded = true
				}
				return true
			})
			if err != nil {
				return pipeline.Result{}, err
			}
			if folded {
				w.metrics.Counter(fmt.Sprintf("mediawatch_notifier_folded_total{sink=%q}", s.ID)).Add(1)
			}
			if !admitted {
				return pipeline.Result{}, nil // in the next digest
			}
		}
		msg := notify.Message{ID: AlertDeliveryID(s.ID, a.ID), Items: []notify.Item{it}, Body: m.Data, Time: now}
		if err := s.sender.Send(ctx, msg); err != nil {
			return pipeline.Result{}, retryable(err, s.MaxDelay)
		}
		return pipeline.Outputs(pipeline.Output{
			Subject: "$KV." + pipeline.BucketNotified + "." + key, // a put into the bucket
			MsgID:   "notified:" + key,
			Data:    []byte(now.UTC().Format(time.RFC3339)),
		}), nil
	}
}

// retryable maps a failed delivery onto the runner's verbs: permanent
// failures go to the DLQ at once, a receiver's Retry-After is honoured up
// to maxDelay.
func retryable(err error, maxDelay time.Duration) error {
	var e *notify.Error
	switch {
	case errors.As(err, &e) && e.Permanent:
		return pipeline.Permanent(err)
	case errors.As(err, &e) && e.RetryAfter > 0:
		return pipeline.RetryIn(err, min(e.RetryAfter, maxDelay))
	}
	return err
}

// update applies f to a sink's state in mw_notify, with optimistic
// concurrency: replicas that update together each retry on the latest
// state. Within the process the updates of a sink take turns, so that a
// burst of alerts does not spend its attempts (and then go to the DLQ) on
// conflicts with itself. f returns whether it changed anything.
func (w *Worker) update(ctx context.Context, sink string, f func(*notify.State) bool) error {
	turn, _ := w.turns.LoadOrStore(sink, make(chan struct{}, 1))
	select {
	case turn.(chan struct{}) <- struct{}{}:
		defer func() { <-turn.(chan struct{}) }()
	case <-ctx.Done():
		return fmt.Errorf("update state of sink %s: %w", sink, ctx.Err())
	}
	for range 20 {
		var st notify.State
		var rev uint64
		e, err := w.state.Get(ctx, sink)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("read state of sink %s: %w", sink, err)
		default:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &st); err != nil {
				w.log.Error("state of sink unreadable; starting afresh", zap.String("sink", sink), zap.Error(err))
				st = notify.State{}
			}
		}
		if !f(&st) {
			return nil
		}
		data := pipeline.Encode(st)
		if rev == 0 {
			_, err = w.state.Create(ctx, sink, data)
		} else {
			_, err = w.state.Update(ctx, sink, data, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("write state of sink %s: %w", sink, err)
		}
	}
	return fmt.Errorf("write state of sink %s: too many concurrent updates", sink)
}

// digests sends a sink's digests when they are due, until ctx ends. A
// sink without volume control (any more: a reload took it off) still sends
// the digest it was gathering.
func (w *Worker) digests(ctx context.Context, sr *sinkRun, log *zap.Logger) {
	for {
		s := sr.cur.Load()
		tick := time.Second // a digest goes at most a second late
		if s.Volume.Digest {
			tick = min(max(s.Volume.Every/10, 100*time.Millisecond), tick)
		}
		if !pipeline.Sleep(ctx, tick) {
			return
		}
		if err := w.sendDigest(ctx, s, log); err != nil && ctx.Err() == nil {
			log.Warn("digest step failed; will try again", zap.Error(err))
		}
	}
}

// sendDigest claims the sink's digest when it is due (or its next attempt
// has come), sends it, and records the outcome: cleared when delivered,
// tried again with backoff when the failure may pass, dead-lettered when it
// cannot or after MaxDeliver attempts.
func (w *Worker) sendDigest(ctx context.Context, s *sinkConf, log *zap.Logger) error {
	now := w.now()
	var out *notify.Outgoing
	err := w.update(ctx, s.ID, func(st *notify.State) bool {
		out = nil
		if st.Sending == nil {
			if _, ok := st.Take(s.Volume, s.ID, now); !ok {
				return !st.Due.IsZero() && now.After(st.Due) // a digest held back by the cap moved its due time
			}
		}
		if now.Before(st.Sending.Next) {
			return false
		}
		st.Sending.Attempts++
		st.Sending.Next = now.Add(2*s.Options.Timeout + 10*time.Second) // claimed: no other replica tries it meanwhile
		cp := *st.Sending
		out = &cp
		return true
	})
	if err != nil || out == nil {
		return err
	}
	serr := s.sender.Send(ctx, out.Message)
	if serr == nil {
		w.metrics.Counter(fmt.Sprintf("mediawatch_notifier_digests_total{sink=%q}", s.ID)).Add(1)
		log.Info("digest sent", zap.String("digest", out.Message.ID), zap.Int("alerts", out.Message.Total()))
		return w.finish(ctx, s.ID, out.Message.ID, nil)
	}
	var e *notify.Error
	permanent := errors.As(serr, &e) && e.Permanent
	if permanent || out.Attempts >= pipeline.MaxDeliver {
		log.Error("digest failed for good; dead-lettering", zap.String("digest", out.Message.ID), zap.Int("attempts", out.Attempts), zap.Error(serr))
		if err := w.deadLetter(ctx, s.ID, out.Message, serr); err != nil {
			return err // the claim expires and the digest is tried again
		}
		return w.finish(ctx, s.ID, out.Message.ID, nil)
	}
	next := s.backoff().Delay(uint64(out.Attempts))
	if errors.As(serr, &e) && e.RetryAfter > 0 {
		next = min(e.RetryAfter, s.MaxDelay)
	}
	log.Warn("digest failed; will retry", zap.String("digest", out.Message.ID), zap.Duration("retry_in", next), zap.Error(serr))
	at := now.Add(next)
	return w.finish(ctx, s.ID, out.Message.ID, &at)
}

// finish records a digest attempt: done (retry nil) or to be tried again at
// *retry.
func (w *Worker) finish(ctx context.Context, sink, id string, retry *time.Time) error {
	ctx = context.WithoutCancel(ctx)
	return w.update(ctx, sink, func(st *notify.State) bool {
		if st.Sending == nil || st.Sending.Message.ID != id {
			return false
		}
		if retry == nil {
			st.Sending = nil
		} else {
			st.Sending.Next = *retry
		}
		return true
	})
}

// deadLetter stores a digest that cannot be delivered in dlq.notifier, with
// the reason.
func (w *Worker) deadLetter(ctx context.Context, sink string, m notify.Message, cause error) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode digest %s: %w", m.ID, err)
	}
	dm := pipeline.DeadLetterMsg(Stage, "notify.digest."+sink, data, nil, cause, "dlq:"+Stage+":"+m.ID)
	dm.Header.Set(HeaderSink, sink)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := w.js.PublishMsg(pctx, dm); err != nil {
		return fmt.Errorf("dead-letter digest %s: %w", m.ID, err)
	}
	w.metrics.Counter(fmt.Sprintf("mediawatch_notifier_digests_dead_lettered_total{sink=%q}", sink)).Add(1)
	return nil
}
