package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	// HeaderCut is on a dead letter whose data had to be cut to fit the
	// server's payload limit: the size of the data as it came, in bytes.
	HeaderCut = "Mediawatch-Cut"
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
	// Concurrency is how many messages are in flight at once: handled,
	// or waiting for their outputs to be stored (default 256).
	Concurrency int
	// Batch is the most messages one fetch asks for (default 256); a fetch
	// hands each message over as it arrives, so a batch adds no latency.
	Batch int
	// FetchWait is how long a fetch waits for messages before the next one
	// is sent (default 250 ms); it also bounds how long a shutdown waits
	// for intake to stop.
	FetchWait time.Duration
	Timeout   time.Duration // per message, publishing included (default AckWait - 10s)
	Backoff   func(attempt uint64) time.Duration
	Grace     time.Duration // how long in-flight handlers may finish at shutdown (default Grace)
	Metrics   *Metrics
	// DeadLetterHeader are more headers on each dead letter: which of a
	// stage's consumers gave up on it (the notifier's sink), say.
	DeadLetterHeader map[string]string

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
		opts.Concurrency = 256
	}
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.FetchWait <= 0 {
		opts.FetchWait = 250 * time.Millisecond
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
		stored, err := publish(ctx, r.js, res.Outputs)
		if err != nil {
			return res, err
		}
		res.stored, res.storedKnown = stored, true
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
// finish within the grace period, hands back the rest, and returns nil. It
// fetches in batches from the stage's durable consumer, as many messages as
// it has room for in flight, and handles each as it arrives. A consumer that
// fails (deleted, missed heartbeats, leadership change) is re-established
// with backoff.
func (r *Runner) Run(ctx context.Context) error {
	var inflight sync.WaitGroup
	// Handlers get a context that outlives ctx by the grace period.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hcancel()
	slots := make(chan struct{}, r.opts.Concurrency)
	beat := newHeartbeat()
	var beats sync.WaitGroup
	beats.Go(func() { beat.run(hctx, AckWait/3) })

	retry := RetryBackoff()
	var cons jetstream.Consumer
	// Unbound until the consumer is found, and again while it is lost.
	r.stats.unbound.Add(1)
	unbound := true
	setBound := func(b bool) {
		if b == unbound {
			unbound = !b
			if b {
				r.stats.unbound.Add(-1)
			} else {
				r.stats.unbound.Add(1)
			}
		}
	}
	defer setBound(true)
	for ctx.Err() == nil {
		if cons == nil {
			setBound(false)
			var err error
			if cons, err = r.bind(ctx); err != nil {
				d := retry.NextBackOff()
				r.log.Warn("start consumer failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
				r.stats.errors.Add(1)
				Sleep(ctx, d)
				continue
			}
			setBound(true)
			r.log.Info("consuming", zap.String("stream", r.spec.Stream), zap.String("subject", r.spec.Subject))
		}
		// Room for at least one message, and as much more as is free.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		n := 1
		for n < r.opts.Batch && len(slots) < cap(slots) {
			slots <- struct{}{}
			n++
		}
		got, err := r.fetch(ctx, hctx, cons, n, slots, beat, &inflight)
		for range n - got {
			<-slots
		}
		switch {
		case err == nil:
			retry.Reset()
		case ctx.Err() != nil:
		case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound), errors.Is(err, jetstream.ErrNoHeartbeat):
			r.log.Warn("consumer gone; re-establishing", zap.Error(err))
			r.stats.errors.Add(1)
			cons = nil
		default:
			d := retry.NextBackOff()
			r.log.Warn("fetch failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
			r.stats.errors.Add(1)
			cons = nil
			Sleep(ctx, d)
		}
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
	hcancel()
	beats.Wait()
	return nil
}

// bind finds the stage's durable consumer, creating it when it is missing.
func (r *Runner) bind(ctx context.Context) (jetstream.Consumer, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cons, err := r.js.Consumer(cctx, r.spec.Stream, r.spec.Name())
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = r.js.CreateOrUpdateConsumer(cctx, r.spec.Stream, ConsumerConfig(r.spec, 0))
	}
	if err != nil {
		return nil, fmt.Errorf("bind consumer %s: %w", r.spec.Name(), err)
	}
	return cons, nil
}

// handBackDelay, after a fetch's own wait, is when a message that came in
// while the runner stopped is delivered again.
const handBackDelay = 500 * time.Millisecond

// fetch asks for up to n messages and starts handling each as it arrives,
// each in one of the slots reserved for them; it returns how many came.
// Messages that come after ctx ended are handed back at once.
func (r *Runner) fetch(ctx, hctx context.Context, cons jetstream.Consumer, n int, slots chan struct{}, beat *heartbeat, inflight *sync.WaitGroup) (int, error) {
	// The request runs its course even when intake stops (what comes then
	// is handed back at once), so that nothing waits for AckWait.
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(r.opts.FetchWait))
	if err != nil {
		return 0, fmt.Errorf("fetch %s: %w", r.spec.Stage, err)
	}
	got := 0
	for msg := range batch.Messages() {
		got++
		if ctx.Err() != nil && !lastDelivery(msg) {
			// Shutting down: hand it back, but not at once, since this
			// very request is still open and would get it again, again
			// and again until MaxDeliver; after handBackDelay the
			// request has expired and another replica (or this one,
			// restarted) takes it. A message on its last delivery is
			// handled instead, within the grace period: handed back, it
			// would never be delivered again, nor dead-lettered.
			_ = msg.NakWithDelay(r.opts.FetchWait + handBackDelay)
			<-slots
			continue
		}
		inflight.Add(1)
		beat.add(msg)
		go func() {
			defer func() { beat.remove(msg); <-slots; inflight.Done() }()
			r.process(hctx, msg)
		}()
	}
	if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
		return got, fmt.Errorf("fetch %s: %w", r.spec.Stage, err)
	}
	return got, nil
}

// lastDelivery reports whether msg is on its MaxDeliver-th delivery.
func lastDelivery(msg jetstream.Msg) bool {
	meta, err := msg.Metadata()
	return err == nil && meta.NumDelivered >= MaxDeliver
}

// heartbeat keeps the server from redelivering the messages that slow
// handlers hold: every period it tells the server that each message held
// longer than that is in progress.
type heartbeat struct {
	mu   sync.Mutex
	held map[jetstream.Msg]time.Time
}

func newHeartbeat() *heartbeat { return &heartbeat{held: map[jetstream.Msg]time.Time{}} }

func (h *heartbeat) add(m jetstream.Msg) {
	h.mu.Lock()
	h.held[m] = time.Now()
	h.mu.Unlock()
}

func (h *heartbeat) remove(m jetstream.Msg) {
	h.mu.Lock()
	delete(h.held, m)
	h.mu.Unlock()
}

func (h *heartbeat) run(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.mu.Lock()
			var slow []jetstream.Msg
			for m, since := range h.held {
				if now.Sub(since) >= period {
					slow = append(slow, m)
				}
			}
			h.mu.Unlock()
			for _, m := range slow {
				_ = m.InProgress()
			}
		}
	}
}

// process runs one message through the handler chain and settles it.
func (r *Runner) process(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		r.log.Error("message without metadata; terminating", zap.Error(err), zap.String("subject", msg.Subject()))
		_ = msg.Term()
		return
	}
	m := Message{Subject: msg.Subject(), Data: msg.Data(), Header: msg.Headers(), Delivered: meta.NumDelivered, StreamSeq: meta.Sequence.Stream, Stored: meta.Timestamp}

	_, err = r.handler(ctx, m)
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
		d := r.opts.Backoff(meta.NumDelivered)
		if rd, ok := RetryDelay(err); ok {
			d = rd
		}
		_ = msg.NakWithDelay(d)
	}
}

// publish stores every output and waits for all the acknowledgements; it
// fails if any output was not stored.
func publish(ctx context.Context, js jetstream.JetStream, outs []Output) (stored int, err error) {
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
		for k, v := range o.Header {
			m.Header[k] = v
		}
		if o.MsgID != "" {
			m.Header.Set(jetstream.MsgIDHeader, o.MsgID)
		}
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			return 0, fmt.Errorf("publish %s: %w", o.Subject, err)
		}
		sent = append(sent, pending{o.Subject, f})
	}
	timeout := time.NewTimer(publishTimeout)
	defer timeout.Stop()
	for _, p := range sent {
		select {
		case ack := <-p.future.Ok():
			if ack != nil && !ack.Duplicate {
				stored++
			}
		case err := <-p.future.Err():
			return stored, fmt.Errorf("publish %s: %w", p.subject, err)
		case <-timeout.C:
			return stored, fmt.Errorf("publish %s: no acknowledgement within %s", p.subject, publishTimeout)
		case <-ctx.Done():
			return stored, fmt.Errorf("publish %s: %w", p.subject, ctx.Err())
		}
	}
	return stored, nil
}

// deadLetter copies the message to dlq.<stage> with the reason, then
// terminates it. If the copy cannot be stored the message is handed back,
// so nothing is dropped silently.
func (r *Runner) deadLetter(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, cause error) {
	// By consumer, not stage: the consumers of a stage with several (one
	// per sink) each give up on the same message, and each dead letter
	// must be stored.
	dm := DeadLetterMsg(r.spec.Stage, msg.Subject(), msg.Data(), msg.Headers(), cause, dlqMsgID(r.spec.Name(), meta.Stream, meta.Sequence.Stream))
	dm.Header.Set(HeaderStreamSeq, strconv.FormatUint(meta.Sequence.Stream, 10))
	dm.Header.Set(HeaderDelivered, strconv.FormatUint(meta.NumDelivered, 10))
	for k, v := range r.opts.DeadLetterHeader {
		dm.Header.Set(k, v)
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	log := r.log.With(zap.String("subject", msg.Subject()), zap.Uint64("stream_seq", meta.Sequence.Stream))
	_, err := r.js.PublishMsg(pctx, dm)
	if errors.Is(err, nats.ErrMaxPayload) {
		// A message near the payload limit has no room for the reason:
		// the dead letter keeps the headers and as much of the data as
		// fits, and says how long the data was. Handing it back would
		// only end, after MaxDeliver, with neither a dead letter nor a
		// terminated message.
		cutToFit(dm, r.js.Conn().MaxPayload())
		_, err = r.js.PublishMsg(pctx, dm)
	}
	if err != nil {
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

// cutToFit cuts dm's data so that the message, headers included, is at
// most limit bytes, and records the data's size in HeaderCut. Headers too
// large to leave any room go but the pipeline's own.
func cutToFit(dm *nats.Msg, limit int64) {
	size := len(dm.Data)
	dm.Header.Set(HeaderCut, strconv.Itoa(size))
	room := limit - int64(headerSize(dm.Header)) - 64 // the header block's framing, with a margin
	if room < 0 {
		for k := range dm.Header {
			if !strings.HasPrefix(k, "Mediawatch-") && k != jetstream.MsgIDHeader {
				delete(dm.Header, k)
			}
		}
		room = max(limit-int64(headerSize(dm.Header))-64, 0)
	}
	if int64(size) > room {
		dm.Data = dm.Data[:room]
	}
}

// maxReason bounds the reason a dead letter carries, in bytes.
const maxReason = 4 << 10

// shortReason cuts a reason to maxReason bytes at a rune boundary, and
// makes it one line: a header value cannot hold a line break.
func shortReason(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	if len(s) <= maxReason {
		return s
	}
	n := maxReason
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// headerSize is about the bytes h takes on the wire.
func headerSize(h nats.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // "k: v\r\n"
		}
	}
	return n
}

// DeadLetterMsg is the copy of a message that stage gives up on, for
// dlq.<stage>: its data and headers (but its Msg-Id), the reason, the
// stage, the subject it came on, and msgID as its own Msg-Id.
func DeadLetterMsg(stage, subject string, data []byte, header nats.Header, cause error, msgID string) *nats.Msg {
	dm := nats.NewMsg(Subject(SubjectDLQ, stage))
	dm.Data = data
	for k, v := range header {
		if k != jetstream.MsgIDHeader {
			dm.Header[k] = v
		}
	}
	dm.Header.Set(HeaderError, shortReason(cause.Error()))
	dm.Header.Set(HeaderStage, stage)
	dm.Header.Set(HeaderSubject, subject)
	dm.Header.Set(jetstream.MsgIDHeader, msgID)
	return dm
}

// retryAfter is an error whose retry is to wait a given delay.
type retryAfter struct {
	err error
	d   time.Duration
}

func (e retryAfter) Error() string { return e.err.Error() }
func (e retryAfter) Unwrap() error { return e.err }

// RetryIn marks err to be retried after d (a server's Retry-After, say)
// instead of the backoff's delay.
func RetryIn(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfter{err: err, d: d}
}

// RetryDelay returns the delay RetryIn put on err, if any.
func RetryDelay(err error) (time.Duration, bool) {
	var ra retryAfter
	if errors.As(err, &ra) {
		return ra.d, true
	}
	return 0, false
}

// Deps are what every worker needs from outside.
type Deps struct {
	JS      jetstream.JetStream
	Metrics *Metrics
}
