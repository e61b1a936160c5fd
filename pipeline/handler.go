package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Message is a stage's input as its handler sees it: no NATS types.
type Message struct {
	Subject   string
	Data      []byte
	Header    map[string][]string // read only
	Delivered uint64              // 1 on the first attempt
	StreamSeq uint64
	Stored    time.Time // when the input was stored in its stream
}

// Output is one message a handler wants published. MsgID becomes the
// Nats-Msg-Id header, so a redelivered input never yields two outputs.
type Output struct {
	Subject string
	MsgID   string
	Data    []byte
	Header  map[string][]string // more headers, such as ArticleHeader's
}

// Result is what a handler asks the runner to do with one input: publish
// Outputs, then run After, then acknowledge the input.
type Result struct {
	Outputs []Output
	// After, when set, runs once every output is stored and before the
	// ack: the place for state that must change only once the outputs
	// exist (the poller commits a feed's state there). An error fails the
	// attempt like a handler error: the input is retried, and the handler
	// runs again.
	After func(ctx context.Context) error

	// stored is how many outputs the stream took as new (not duplicates
	// of a Msg-Id it had), set once the runner has published them.
	stored      int
	storedKnown bool
}

// Outputs is the Result that publishes outs and does nothing else.
func Outputs(outs ...Output) Result { return Result{Outputs: outs} }

// Handler is a stage's logic: an input to a Result, or an error. Errors are
// retried with backoff unless wrapped with Permanent.
type Handler func(ctx context.Context, m Message) (Result, error)

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
		return func(ctx context.Context, m Message) (res Result, err error) {
			defer func() {
				if p := recover(); p != nil {
					res, err = Result{}, Permanent(fmt.Errorf("handler panicked: %v", p))
				}
			}()
			return next(ctx, m)
		}
	}
}

// Timeout bounds each message's handling.
func Timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) (Result, error) {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, m)
		}
	}
}

// Classify decides which failures go to the dead-letter queue: those
// already permanent, and any failure of a message's last delivery (the
// server delivers it no more after maxDeliver attempts).
func Classify(maxDeliver uint64) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) (Result, error) {
			res, err := next(ctx, m)
			if err != nil && !errors.Is(err, ErrPermanent) && m.Delivered >= maxDeliver {
				err = Permanent(err)
			}
			return res, err
		}
	}
}

// Measure counts outcomes and handling time in a stage's statistics.
func Measure(s *StageStats) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) (Result, error) {
			start := time.Now()
			s.received.Add(1)
			res, err := next(ctx, m)
			s.observe(time.Since(start))
			switch {
			case err == nil:
				s.processed.Add(1)
				// What the streams stored: a redelivered input's or a
				// fetched-again feed's outputs that the duplicate window
				// dropped are not.
				n := len(res.Outputs)
				if res.storedKnown {
					n = res.stored
				}
				s.published.Add(uint64(n))
			case !errors.Is(err, ErrPermanent):
				s.retries.Add(1)
			}
			return res, err
		}
	}
}

// Log logs every outcome: Debug for a message handled, Warn for a failure
// that will be retried, Error for one that goes to the dead-letter queue.
func Log(log *zap.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) (Result, error) {
			res, err := next(ctx, m)
			fields := func(extra ...zap.Field) []zap.Field {
				return append([]zap.Field{zap.String("subject", m.Subject), zap.Uint64("stream_seq", m.StreamSeq), zap.Uint64("delivered", m.Delivered)}, extra...)
			}
			switch {
			case err == nil:
				if ce := log.Check(zap.DebugLevel, "handled"); ce != nil {
					ce.Write(fields(zap.Int("outputs", len(res.Outputs)))...)
				}
			case errors.Is(err, ErrPermanent):
				log.Error("handling failed for good; dead-lettering", fields(zap.Error(err))...)
			case ctx.Err() == nil:
				log.Warn("handling failed; will retry", fields(zap.Error(err))...)
			}
			return res, err
		}
	}
}
