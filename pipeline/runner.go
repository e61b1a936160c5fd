package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Message is a stage's input as its handler sees it: no NATS types.
type Message struct {
	Subject   string
	Data      []byte
	Delivered uint64 // 1 on the first attempt
	StreamSeq uint64
}

// Output is one message a handler wants published. MsgID becomes the
// Nats-Msg-Id header, so a redelivered input never yields two outputs.
type Output struct {
	Subject string
	MsgID   string
	Data    []byte
}

// Handler is a stage's logic: an input to outputs, or an error. Errors are
// retried with backoff unless wrapped with Permanent.
type Handler func(ctx context.Context, m Message) ([]Output, error)

// Middleware wraps a handler with a cross-cutting concern.
type Middleware func(Handler) Handler

// Chain applies middlewares so the first one is the outermost.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// ErrPermanent marks an error that no retry can fix: the message goes to
// the dead-letter queue at once.
var ErrPermanent = errors.New("permanent failure")

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() []error {
	return []error{e.err, ErrPermanent}
}

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// Recover turns a panicking handler into a permanent error, so one poison
// message cannot take a stage down.
func Recover() Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) (outs []Output, err error) {
			defer func() {
				if p := recover(); p != nil {
					outs, err = nil, Permanent(fmt.Errorf("handler panicked: %v", p))
				}
			}()
			return next(ctx, m)
		}
	}
}

// Timeout bounds each message's handling.
func Timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) ([]Output, error) {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, m)
		}
	}
}

// DLQ header names.
const (
	HeaderError     = "Mediawatch-Error"
	HeaderStage     = "Mediawatch-Stage"
	HeaderSubject   = "Mediawatch-Subject"
	HeaderStreamSeq = "Mediawatch-Stream-Seq"
	HeaderDelivered = "Mediawatch-Delivered"
)

// RunnerOptions tune a Runner; zero values take defaults.
type RunnerOptions struct {
	Concurrency int           // handlers in flight at once (default 4)
	Timeout     time.Duration // per message (default AckWait - 10s)
	Backoff     func(attempt uint64) time.Duration
	Grace       time.Duration // how long in-flight handlers may finish at shutdown (default 7s)
	Metrics     *Metrics

	// afterPublish, for tests, runs after the outputs are stored and before
	// the ack; an error makes the runner treat the attempt as failed.
	afterPublish func(Message) error
}

// Runner consumes one stage's durable consumer, runs the handler, publishes
// its outputs, and acknowledges only after every output is stored.
type Runner struct {
	js      jetstream.JetStream
	spec    ConsumerSpec
	handler Handler
	log     *zap.Logger
	opts    RunnerOptions
	stats   *StageStats
}

// NewRunner wires a stage runner; Run starts it.
func NewRunner(js jetstream.JetStream, spec ConsumerSpec, h Handler, log *zap.Logger, opts RunnerOptions) *Runner {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = AckWait - 10*time.Second
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Grace <= 0 {
		opts.Grace = 7 * time.Second
	}
	r := &Runner{js: js, spec: spec, log: log.With(zap.String("worker", spec.Stage)), opts: opts}
	r.stats = opts.Metrics.Stage(spec.Stage)
	r.handler = Chain(h, Recover(), Timeout(opts.Timeout))
	return r
}

// DefaultBackoff is 1s, 2s, 4s ... capped at 30s.
func DefaultBackoff(attempt uint64) time.Duration {
	d := time.Second << min(attempt-1, 5)
	return min(d, 30*time.Second)
}

// Run consumes until ctx ends, then stops intake, lets in-flight messages
// finish within the grace period, hands back the rest, and returns nil. A
// consumer that fails (deleted, missed heartbeats, leadership change) is
// re-established with backoff.
func (r *Runner) Run(ctx context.Context) error {
	var inflight sync.WaitGroup
	// Handlers get a context that outlives ctx by the grace period.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hcancel()
	sem := make(chan struct{}, r.opts.Concurrency)

	attempt := 0
	for {
		cc, err := r.consume(ctx, hctx, sem, &inflight)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			attempt++
			d := DefaultBackoff(uint64(min(attempt, 6)))
			r.log.Warn("start consumer failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
			r.stats.errors.Add(1)
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
			continue
		}
		attempt = 0
		select {
		case <-ctx.Done():
			cc.Drain() // buffered messages reach the callback, which hands them back
			select {
			case <-cc.Closed():
			case <-time.After(r.opts.Grace):
			}
		case <-cc.Closed():
			if ctx.Err() == nil {
				r.log.Warn("consumer closed unexpectedly; re-establishing")
				r.stats.errors.Add(1)
				continue
			}
		}
		break
	}

	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.opts.Grace):
		r.log.Warn("in-flight messages did not finish within the grace period; handing them back")
		hcancel()
		<-done
	}
	return nil
}

func (r *Runner) consume(ctx, hctx context.Context, sem chan struct{}, inflight *sync.WaitGroup) (jetstream.ConsumeContext, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cons, err := r.js.Consumer(cctx, r.spec.Stream, r.spec.Stage)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = r.js.CreateOrUpdateConsumer(cctx, r.spec.Stream, ConsumerConfig(r.spec, 0))
	}
	if err != nil {
		return nil, fmt.Errorf("bind consumer %s: %w", r.spec.Stage, err)
	}
	// The error handler may run before Consume returns; it waits for cc.
	var cc jetstream.ConsumeContext
	ready := make(chan struct{})
	var stopOnce sync.Once
	stop := func() {
		<-ready
		if cc != nil {
			stopOnce.Do(cc.Stop)
		}
	}
	cc, err = cons.Consume(func(msg jetstream.Msg) {
		if ctx.Err() != nil {
			_ = msg.Nak() // shutting down: hand it back at once
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			_ = msg.Nak()
			return
		}
		inflight.Add(1)
		go func() {
			defer func() { <-sem; inflight.Done() }()
			r.process(hctx, msg)
		}()
	},
		jetstream.PullMaxMessages(r.opts.Concurrency*2),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			switch {
			case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound):
				r.log.Warn("consumer gone; re-establishing", zap.Error(err))
				stop()
			case errors.Is(err, nats.ErrConnectionClosed):
				stop()
			default:
				r.log.Warn("consumer error", zap.Error(err))
			}
			r.stats.errors.Add(1)
		}))
	close(ready)
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", r.spec.Stage, err)
	}
	r.log.Info("consuming", zap.String("stream", r.spec.Stream), zap.String("subject", r.spec.Subject))
	return cc, nil
}

func (r *Runner) process(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		r.log.Error("message without metadata; terminating", zap.Error(err), zap.String("subject", msg.Subject()))
		_ = msg.Term()
		return
	}
	log := r.log.With(zap.String("subject", msg.Subject()), zap.Uint64("stream_seq", meta.Sequence.Stream), zap.Uint64("delivered", meta.NumDelivered))
	m := Message{Subject: msg.Subject(), Data: msg.Data(), Delivered: meta.NumDelivered, StreamSeq: meta.Sequence.Stream}

	// Keep the server from redelivering while a slow handler works.
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	start := time.Now()
	outs, err := r.handler(ctx, m)
	if err == nil {
		err = r.publish(ctx, outs)
	}
	if err == nil && r.opts.afterPublish != nil {
		err = r.opts.afterPublish(m)
	}
	close(stop)
	r.stats.observe(time.Since(start))

	switch {
	case err == nil:
		if aerr := msg.Ack(); aerr != nil {
			log.Warn("ack failed; the message will be redelivered", zap.Error(aerr))
			return
		}
		r.stats.processed.Add(1)
		r.stats.published.Add(uint64(len(outs)))
		log.Debug("handled", zap.Int("outputs", len(outs)))
	case errors.Is(err, ErrPermanent) || meta.NumDelivered >= MaxDeliver:
		r.deadLetter(ctx, msg, meta, err, log)
	case ctx.Err() != nil:
		_ = msg.Nak() // shutting down: hand it back
	default:
		d := r.opts.Backoff(meta.NumDelivered)
		log.Warn("handling failed; will retry", zap.Error(err), zap.Duration("retry_in", d))
		r.stats.retries.Add(1)
		_ = msg.NakWithDelay(d)
	}
}

func (r *Runner) publish(ctx context.Context, outs []Output) error {
	return Publish(ctx, r.js, outs)
}

// Publish stores every output and waits for all the acknowledgements; it
// fails if any output was not stored.
func Publish(ctx context.Context, js jetstream.JetStream, outs []Output) error {
	type pending struct {
		subject string
		future  jetstream.PubAckFuture
	}
	sent := make([]pending, 0, len(outs))
	seen := make(map[string]bool, len(outs))
	for _, o := range outs {
		if o.MsgID != "" {
			// Two outputs with one Msg-Id (a feed listing an item twice)
			// would race on the server ("duplicate message id is in
			// process"): the first one stands for both.
			if seen[o.MsgID] {
				continue
			}
			seen[o.MsgID] = true
		}
		m := nats.NewMsg(o.Subject)
		m.Data = o.Data
		if o.MsgID != "" {
			m.Header.Set(jetstream.MsgIDHeader, o.MsgID)
		}
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("publish %s: %w", o.Subject, err)
		}
		sent = append(sent, pending{o.Subject, f})
	}
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	for _, p := range sent {
		select {
		case <-p.future.Ok():
		case err := <-p.future.Err():
			return fmt.Errorf("publish %s: %w", p.subject, err)
		case <-timeout.C:
			return fmt.Errorf("publish %s: no acknowledgement within 15s", p.subject)
		case <-ctx.Done():
			return fmt.Errorf("publish %s: %w", p.subject, ctx.Err())
		}
	}
	return nil
}

// deadLetter copies the message to dlq.<stage> with the reason, then
// terminates it. If the copy cannot be stored the message is handed back,
// so nothing is dropped silently.
func (r *Runner) deadLetter(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, cause error, log *zap.Logger) {
	dm := nats.NewMsg(Subject(SubjectDLQ, r.spec.Stage))
	dm.Data = msg.Data()
	for k, v := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			dm.Header[k] = v
		}
	}
	dm.Header.Set(HeaderError, cause.Error())
	dm.Header.Set(HeaderStage, r.spec.Stage)
	dm.Header.Set(HeaderSubject, msg.Subject())
	dm.Header.Set(HeaderStreamSeq, strconv.FormatUint(meta.Sequence.Stream, 10))
	dm.Header.Set(HeaderDelivered, strconv.FormatUint(meta.NumDelivered, 10))
	dm.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("dlq:%s:%s:%d", r.spec.Stage, meta.Stream, meta.Sequence.Stream))
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := r.js.PublishMsg(pctx, dm); err != nil {
		log.Warn("dead-letter copy failed; handing the message back", zap.Error(err), zap.NamedError("cause", cause))
		_ = msg.NakWithDelay(r.opts.Backoff(meta.NumDelivered))
		return
	}
	if err := msg.TermWithReason(cause.Error()); err != nil {
		log.Warn("terminate failed", zap.Error(err))
	}
	r.stats.deadLettered.Add(1)
	log.Error("message dead-lettered", zap.Error(cause), zap.String("dlq", dm.Subject))
}

// Deps are what every worker needs from outside.
type Deps struct {
	JS      jetstream.JetStream
	Metrics *Metrics
}
