package pipelinetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/pipeline"
)

// Contract describes a stage to the contract suite, RunContract.
type Contract struct {
	// Spec is the stage's input: the durable consumer its runner reads.
	Spec pipeline.ConsumerSpec
	// Handler builds the stage's real handler against js, on which the
	// pipeline's streams and buckets exist. It is called once per case.
	Handler func(t *testing.T, js jetstream.JetStream) pipeline.Handler
	// Input returns the i-th valid input (i counts from 0): its subject and
	// data. Inputs are independent of each other; each yields Outputs
	// messages.
	Input func(t *testing.T, i int) (subject string, data []byte)
	// Outputs is how many messages one valid input publishes, in the
	// streams OutputStreams.
	Outputs       int
	OutputStreams []string
	// Poison returns an input the stage must refuse for good (malformed).
	Poison func(t *testing.T) (subject string, data []byte)
}

// errInjected is the transient failure the suite injects.
var errInjected = errors.New("injected transient failure")

// RunContract checks, on the real server, that a stage keeps the delivery
// rules every stage keeps: it acknowledges a message once its outputs are
// stored; it is retried after a transient error, and a retry yields its
// outputs once; a malformed message goes to dlq.<stage> at once, with the
// reason, while the others flow; a redelivery after the outputs were
// stored yields no second output; and a shutdown in the middle of a burst
// loses nothing.
func RunContract(t *testing.T, c Contract) {
	t.Run("acks on success", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, c)
		h.publish(5)
		h.start(h.handler)
		h.waitOutputs(5)
		h.waitSettled()
	})
	t.Run("retries a transient error", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, c)
		h.publish(5)
		// The handler does its work (and its side effects), then the
		// attempt fails before anything is published.
		h.start(func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
			h.count(m)
			res, err := h.handler(ctx, m)
			if err == nil && m.Delivered == 1 {
				return pipeline.Result{}, errInjected
			}
			return res, err
		})
		h.waitOutputs(5)
		h.waitSettled()
		h.assertAttempts(2)
		assert.Zero(t, h.deadLetters(), "a transient error is not a dead letter")
	})
	t.Run("dead-letters a malformed message at once", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, c)
		dlq := make(chan *nats.Msg, 4)
		sub, err := h.nc.ChanSubscribe(pipeline.Subject(pipeline.SubjectDLQ, c.Spec.Stage), dlq)
		require.NoError(t, err)
		t.Cleanup(func() { _ = sub.Unsubscribe() })
		subject, data := c.Poison(t)
		poisonSeq := h.publishOne(subject, data)
		h.publish(3)
		h.start(func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
			h.count(m)
			return h.handler(ctx, m)
		})
		select {
		case m := <-dlq:
			assert.Equal(t, data, m.Data)
			assert.NotEmpty(t, m.Header.Get(pipeline.HeaderError), "the reason travels with the dead letter")
			assert.Equal(t, c.Spec.Stage, m.Header.Get(pipeline.HeaderStage))
			assert.Equal(t, subject, m.Header.Get(pipeline.HeaderSubject))
		case <-time.After(15 * time.Second):
			t.Fatal("the malformed message did not reach the dead-letter queue")
		}
		h.waitOutputs(3)
		h.waitSettled()
		assert.Equal(t, 1, h.attempts(poisonSeq), "a malformed message is not retried")
	})
	t.Run("yields no second output on a redelivery", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, c)
		h.publish(5)
		// Every first attempt stores its outputs (and runs its After step),
		// then fails before the ack, as when a replica dies or an ack is
		// lost: every message is delivered and handled twice.
		h.start(func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
			h.count(m)
			res, err := h.handler(ctx, m)
			if err != nil {
				return res, err
			}
			after := res.After
			res.After = func(ctx context.Context) error {
				if after != nil {
					if err := after(ctx); err != nil {
						return err
					}
				}
				if m.Delivered == 1 {
					return errInjected
				}
				return nil
			}
			return res, nil
		})
		h.waitSettled()
		h.assertAttempts(2)
		assert.Equal(t, uint64(5*c.Outputs), h.outputs(), "one set of outputs per input despite two attempts each")
	})
	t.Run("loses nothing at shutdown", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, c)
		const n = 30
		h.publish(n)
		slow := func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
			h.count(m)
			if !pipeline.Sleep(ctx, 5*time.Millisecond) {
				return pipeline.Result{}, ctx.Err()
			}
			return h.handler(ctx, m)
		}
		stop := h.start(slow)
		require.Eventually(t, func() bool { return h.handled() >= 3 }, 15*time.Second, time.Millisecond)
		stop() // in the middle of the burst
		h.start(slow)
		h.waitOutputs(n)
		h.waitSettled()
	})
}

// harness is one case of the suite: a fresh server with the topology, the
// stage's handler, and the attempts it saw.
type harness struct {
	t       *testing.T
	c       Contract
	nc      *nats.Conn
	js      jetstream.JetStream
	handler pipeline.Handler
	next    int // the next valid input

	mu    sync.Mutex
	tries map[uint64]int // attempts by input stream sequence
}

func newHarness(t *testing.T, c Contract) *harness {
	nc, js := Connect(t, Server(t))
	Topology(t, js)
	return &harness{t: t, c: c, nc: nc, js: js, handler: c.Handler(t, js), tries: map[uint64]int{}}
}

func (h *harness) count(m pipeline.Message) {
	h.mu.Lock()
	h.tries[m.StreamSeq]++
	h.mu.Unlock()
}

func (h *harness) attempts(seq uint64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tries[seq]
}

func (h *harness) handled() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.tries)
}

// assertAttempts checks that every valid input was handled exactly n times.
func (h *harness) assertAttempts(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Len(h.t, h.tries, h.next, "every input was handled")
	for seq, got := range h.tries {
		assert.Equal(h.t, n, got, "attempts of the input at stream sequence %d", seq)
	}
}

func (h *harness) publishOne(subject string, data []byte) uint64 {
	ack, err := h.js.Publish(context.Background(), subject, data)
	require.NoError(h.t, err)
	return ack.Sequence
}

func (h *harness) publish(n int) {
	for range n {
		subject, data := h.c.Input(h.t, h.next)
		h.next++
		h.publishOne(subject, data)
	}
}

// start runs the stage's runner with handler until the returned stop is
// called (or the test ends).
func (h *harness) start(handler pipeline.Handler) (stop func()) {
	return Start(h.t, pipeline.NewRunner(h.js, h.c.Spec, handler, zaptest.NewLogger(h.t), FastRetries()))
}

// FastRetries are runner options for tests: retries after 20 ms, and a
// grace period of 5 s at shutdown.
func FastRetries() pipeline.RunnerOptions {
	return pipeline.RunnerOptions{Backoff: func(uint64) time.Duration { return 20 * time.Millisecond }, Grace: 5 * time.Second}
}

// Start runs r until the returned stop is called or the test ends; stop
// waits (bounded) for Run to return nil.
func Start(t testing.TB, r *pipeline.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(15 * time.Second):
				t.Error("the runner did not stop within 15s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// outputs counts the messages in the stage's output streams.
func (h *harness) outputs() uint64 {
	var n uint64
	for _, name := range h.c.OutputStreams {
		s, err := h.js.Stream(context.Background(), name)
		require.NoError(h.t, err)
		info, err := s.Info(context.Background())
		require.NoError(h.t, err)
		n += info.State.Msgs
	}
	return n
}

func (h *harness) deadLetters() uint64 {
	s, err := h.js.Stream(context.Background(), pipeline.StreamDLQ)
	require.NoError(h.t, err)
	info, err := s.Info(context.Background())
	require.NoError(h.t, err)
	return info.State.Msgs
}

// waitOutputs waits until the outputs of n inputs are stored.
func (h *harness) waitOutputs(n int) {
	want := uint64(n * h.c.Outputs)
	require.Eventually(h.t, func() bool { return h.outputs() >= want }, 20*time.Second, 10*time.Millisecond,
		"outputs of %d inputs (%d messages)", n, want)
	assert.Equal(h.t, want, h.outputs(), "no more outputs than inputs yield")
}

// waitSettled waits until the stage's consumer has nothing left: every
// message delivered and acknowledged (or terminated).
func (h *harness) waitSettled() {
	require.Eventually(h.t, func() bool {
		cons, err := h.js.Consumer(context.Background(), h.c.Spec.Stream, h.c.Spec.Name())
		if err != nil {
			return false
		}
		info, err := cons.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, 20*time.Second, 10*time.Millisecond, fmt.Sprintf("consumer %s settles", h.c.Spec.Name()))
}
