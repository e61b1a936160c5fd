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

// DLQ header names.
const (
	HeaderError     = "Mediawatch-Error"
	HeaderStage     = "Mediawatch-Stage"
	HeaderSubject   = "Mediawatch-Subject"
	HeaderStreamSeq = "Mediawatch-Stream-Seq"
	HeaderDelivered = "Mediawatch-Delivered"
)

// ShutdownBudget is how long a process may take to stop once told to
// (docker stop and Kubernetes wait 10 s before they kill). Every wait of a
// shutdown is derived from it.
const ShutdownBudget = 10 * time.Second

// The parts of the shutdown budget.
const (
	// Grace is how long the messages a stage holds may finish; the rest are
	// handed back for another replica.
	Grace = ShutdownBudget * 7 / 10
	// StopWait is how long a process waits for its stages to stop.
	StopWait = ShutdownBudget * 9 / 10
	// CloseWait bounds each last step: flushing the connection, closing the
	// HTTP server.
	CloseWait = ShutdownBudget / 5
)

// publishTimeout bounds the wait for the server to acknowledge a handler's
// outputs.
const publishTimeout = 15 * time.Second

// RunnerOptions tune a Runner; zero values take defaults.
type RunnerOptions struct {
	Concurrency int           // handlers in flight at once (default 4)
	Timeout     time.Duration // per message, publishing included (default AckWait - 10s)
	Backoff     func(attempt uint64) time.Duration
	Grace       time.Duration // how long in-flight handlers may finish at shutdown (default Grace)
	Metrics     *Metrics

	// afterPublish, for tests, runs after the outputs are stored and before
	// the ack; an error makes the runner treat the attempt as failed.
	afterPublish func(Message) error
}

// Runner consumes one stage's durable consumer, runs the handler, publishes
// its outputs, and acknowledges only after every output is stored.
//
// The handler runs inside the middleware, composed once: Log, Measure,
// Classify, Recover, Timeout, and innermost the publishing of the Result.
// The runner turns what comes out into an ack verb: Ack on success, a copy
// to dlq.<stage> and Term for a permanent error, NakWithDelay otherwise.
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
		opts.Grace = Grace
	}
	r := &Runner{js: js, spec: spec, log: log.With(zap.String("worker", spec.Stage)), opts: opts}
	r.stats = opts.Metrics.Stage(spec.Stage)
	r.handler = Chain(h,
		Log(r.log),
		Measure(r.stats),
		Classify(MaxDeliver),
		Recover(),
		Timeout(opts.Timeout),
		r.publishing,
	)
	return r
}

// publishing is the innermost middleware: it stores the handler's outputs,
// then runs its After step.
func (r *Runner) publishing(next Handler) Handler {
	return func(ctx context.Context, m Message) (Result, error) {
		res, err := next(ctx, m)
		if err != nil {
			return res, err
		}
		if err := publish(ctx, r.js, res.Outputs); err != nil {
			return res, err
		}
		if res.After != nil {
			if err := res.After(ctx); err != nil {
				return res, err
			}
		}
		if r.opts.afterPublish != nil {
			if err := r.opts.afterPublish(m); err != nil {
				return res, err
			}
		}
		return res, nil
	}
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

	retry := RetryBackoff()
	var graceEnd <-chan time.Time
	for {
		cc, err := r.consume(ctx, hctx, sem, &inflight)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			d := retry.NextBackOff()
			r.log.Warn("start consumer failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
			r.stats.errors.Add(1)
			Sleep(ctx, d)
			continue
		}
		retry.Reset()
		select {
		case <-ctx.Done():
			graceEnd = time.After(r.opts.Grace)
			cc.Drain() // buffered messages reach the callback, which hands them back
			select {
			case <-cc.Closed():
			case <-graceEnd:
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
	if graceEnd == nil {
		graceEnd = time.After(r.opts.Grace)
	}

	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-graceEnd:
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

// process runs one message through the handler chain and settles it.
func (r *Runner) process(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		r.log.Error("message without metadata; terminating", zap.Error(err), zap.String("subject", msg.Subject()))
		_ = msg.Term()
		return
	}
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
	_, err = r.handler(ctx, m)
	close(stop)
	r.settle(ctx, msg, meta, err)
}

// settle turns the outcome of a message's handling into an ack verb.
func (r *Runner) settle(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, err error) {
	switch {
	case err == nil:
		if aerr := msg.Ack(); aerr != nil {
			r.log.Warn("ack failed; the message will be redelivered", zap.Error(aerr), zap.String("subject", msg.Subject()), zap.Uint64("stream_seq", meta.Sequence.Stream))
		}
	case errors.Is(err, ErrPermanent):
		r.deadLetter(ctx, msg, meta, err)
	case ctx.Err() != nil:
		_ = msg.Nak() // shutting down: hand it back
	default:
		_ = msg.NakWithDelay(r.opts.Backoff(meta.NumDelivered))
	}
}

// publish stores every output and waits for all the acknowledgements; it
// fails if any output was not stored.
func publish(ctx context.Context, js jetstream.JetStream, outs []Output) error {
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
	timeout := time.NewTimer(publishTimeout)
	defer timeout.Stop()
	for _, p := range sent {
		select {
		case <-p.future.Ok():
		case err := <-p.future.Err():
			return fmt.Errorf("publish %s: %w", p.subject, err)
		case <-timeout.C:
			return fmt.Errorf("publish %s: no acknowledgement within %s", p.subject, publishTimeout)
		case <-ctx.Done():
			return fmt.Errorf("publish %s: %w", p.subject, ctx.Err())
		}
	}
	return nil
}

// deadLetter copies the message to dlq.<stage> with the reason, then
// terminates it. If the copy cannot be stored the message is handed back,
// so nothing is dropped silently.
func (r *Runner) deadLetter(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, cause error) {
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
	dm.Header.Set(jetstream.MsgIDHeader, dlqMsgID(r.spec.Stage, meta.Stream, meta.Sequence.Stream))
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	log := r.log.With(zap.String("subject", msg.Subject()), zap.Uint64("stream_seq", meta.Sequence.Stream))
	if _, err := r.js.PublishMsg(pctx, dm); err != nil {
		log.Warn("dead-letter copy failed; handing the message back", zap.Error(err), zap.NamedError("cause", cause))
		_ = msg.NakWithDelay(r.opts.Backoff(meta.NumDelivered))
		return
	}
	if err := msg.TermWithReason(cause.Error()); err != nil {
		log.Warn("terminate failed", zap.Error(err))
	}
	r.stats.deadLettered.Add(1)
	log.Info("message dead-lettered", zap.String("dlq", dm.Subject))
}

// Deps are what every worker needs from outside.
type Deps struct {
	JS      jetstream.JetStream
	Metrics *Metrics
}
