package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// testStage sets up an input stream IN_<name> (subject in.<name>.>) and an
// output stream OUT_<name> (subject out.<name>.>) with a durable consumer,
// mirroring the real topology's settings.
func testStage(t *testing.T, js jetstream.JetStream, name string) pipeline.ConsumerSpec {
	t.Helper()
	ctx := context.Background()
	spec := pipeline.ConsumerSpec{Stage: name, Stream: "IN_" + name, Subject: "in." + name + ".>"}
	_, err := js.CreateOrUpdateStream(ctx, pipeline.StreamConfig(pipeline.StreamSpec{Name: spec.Stream, Subjects: []string{spec.Subject}, MaxAge: time.Hour}, 1))
	require.NoError(t, err)
	_, err = js.CreateOrUpdateStream(ctx, pipeline.StreamConfig(pipeline.StreamSpec{Name: "OUT_" + name, Subjects: []string{"out." + name + ".>"}, MaxAge: time.Hour}, 1))
	require.NoError(t, err)
	_, err = js.CreateOrUpdateStream(ctx, pipeline.StreamConfig(pipeline.StreamSpec{Name: "DLQ_" + name, Subjects: []string{"dlq." + name}, MaxAge: time.Hour}, 1))
	require.NoError(t, err)
	_, err = js.CreateOrUpdateConsumer(ctx, spec.Stream, pipeline.ConsumerConfig(spec, 1))
	require.NoError(t, err)
	return spec
}

func publishInputs(t *testing.T, js jetstream.JetStream, name string, n int) {
	t.Helper()
	for i := range n {
		_, err := js.Publish(context.Background(), fmt.Sprintf("in.%s.%d", name, i), fmt.Appendf(nil, "%d", i))
		require.NoError(t, err)
	}
}

func streamMsgs(t *testing.T, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	require.NoError(t, err)
	info, err := s.Info(context.Background())
	require.NoError(t, err)
	return info.State.Msgs
}

func startRunner(t *testing.T, r *pipeline.Runner) (stop func()) {
	t.Helper()
	return pipelinetest.Start(t, r)
}

// echo publishes each input to out.<name>.<same token> with a stable Msg-Id.
func echo(name string) pipeline.Handler {
	return func(_ context.Context, m pipeline.Message) (pipeline.Result, error) {
		tok := m.Subject[len("in."+name+"."):]
		return pipeline.Outputs(pipeline.Output{Subject: "out." + name + "." + tok, MsgID: name + ":" + tok, Data: m.Data}), nil
	}
}

func fastOpts() pipeline.RunnerOptions { return pipelinetest.FastRetries() }

func TestRunnerPublishesAndAcks(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "ok")
	publishInputs(t, js, "ok", 20)
	startRunner(t, pipeline.NewRunner(js, spec, echo("ok"), zaptest.NewLogger(t), fastOpts()))

	require.Eventually(t, func() bool { return streamMsgs(t, js, "OUT_ok") == 20 }, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		c, err := js.Consumer(context.Background(), spec.Stream, spec.Stage)
		require.NoError(t, err)
		info, err := c.Info(context.Background())
		require.NoError(t, err)
		return info.NumAckPending == 0 && info.NumPending == 0
	}, 10*time.Second, 20*time.Millisecond)
}

func TestRunnerRedeliveryYieldsNoSecondOutput(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "redeliver")
	publishInputs(t, js, "redeliver", 10)

	// The handler succeeds every time, but the first attempt of each message
	// fails after its outputs were stored (as when an ack is lost or a
	// replica dies before acknowledging), so every message is redelivered
	// and handled twice.
	var attempts atomic.Int64
	h := echo("redeliver")
	opts := fastOpts()
	pipeline.SetAfterPublish(&opts, func(m pipeline.Message) error {
		attempts.Add(1)
		if m.Delivered == 1 {
			return errors.New("simulated crash before ack")
		}
		return nil
	})
	startRunner(t, pipeline.NewRunner(js, spec, h, zaptest.NewLogger(t), opts))

	require.Eventually(t, func() bool { return attempts.Load() >= 20 }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, uint64(10), streamMsgs(t, js, "OUT_redeliver"), "one output per input despite two publishes each")
}

func TestRunnerDeadLettersPoisonAndKeepsFlowing(t *testing.T) {
	t.Parallel()
	nc, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "poison")

	dlq := make(chan *nats.Msg, 10)
	sub, err := nc.ChanSubscribe("dlq.poison", dlq)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })

	var poisonAttempts atomic.Int64
	h := func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
		if string(m.Data) == "3" {
			poisonAttempts.Add(1)
			return pipeline.Result{}, errors.New("cannot handle 3")
		}
		if string(m.Data) == "5" {
			return pipeline.Result{}, pipeline.Permanent(errors.New("malformed 5"))
		}
		if string(m.Data) == "7" {
			panic("boom on 7")
		}
		return echo("poison")(ctx, m)
	}
	publishInputs(t, js, "poison", 10)
	startRunner(t, pipeline.NewRunner(js, spec, h, zaptest.NewLogger(t), fastOpts()))

	require.Eventually(t, func() bool { return streamMsgs(t, js, "OUT_poison") == 7 }, 10*time.Second, 20*time.Millisecond)
	got := map[string]string{}
	for range 3 {
		select {
		case m := <-dlq:
			got[string(m.Data)] = m.Header.Get(pipeline.HeaderError)
			assert.Equal(t, "poison", m.Header.Get(pipeline.HeaderStage))
			assert.NotEmpty(t, m.Header.Get(pipeline.HeaderStreamSeq))
		case <-time.After(10 * time.Second):
			t.Fatalf("dead letters so far: %v", got)
		}
	}
	assert.Equal(t, "cannot handle 3", got["3"])
	assert.Equal(t, "malformed 5", got["5"])
	assert.Contains(t, got["7"], "boom on 7")
	assert.Equal(t, int64(pipeline.MaxDeliver), poisonAttempts.Load(), "a transient error is retried up to pipeline.MaxDeliver times")
}

// A poison message near the server's payload limit leaves no room for the
// reason: its dead letter keeps the headers and as much of the data as
// fits, says how long the data was, and the message is terminated.
func TestRunnerDeadLettersAMessageAtThePayloadLimit(t *testing.T) {
	t.Parallel()
	nc, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "huge")
	dlq := make(chan *nats.Msg, 10)
	sub, err := nc.ChanSubscribe("dlq.huge", dlq)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })

	big := bytes.Repeat([]byte("x"), int(nc.MaxPayload())-200)
	in := nats.NewMsg("in.huge.big")
	in.Data = big
	in.Header.Set("Mediawatch-Feed", "f")
	_, err = js.PublishMsg(context.Background(), in)
	require.NoError(t, err)
	publishInputs(t, js, "huge", 3)
	h := func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
		if len(m.Data) > 100 {
			return pipeline.Result{}, pipeline.Permanent(errors.New("malformed: " + strings.Repeat("why ", 100)))
		}
		return echo("huge")(ctx, m)
	}
	startRunner(t, pipeline.NewRunner(js, spec, h, zaptest.NewLogger(t), fastOpts()))

	select {
	case m := <-dlq:
		assert.Equal(t, strconv.Itoa(len(big)), m.Header.Get(pipeline.HeaderCut))
		assert.Contains(t, m.Header.Get(pipeline.HeaderError), "malformed: why")
		assert.Equal(t, "f", m.Header.Get("Mediawatch-Feed"))
		assert.Equal(t, "in.huge.big", m.Header.Get(pipeline.HeaderSubject))
		assert.NotEmpty(t, m.Data)
		assert.Less(t, len(m.Data), len(big))
		assert.True(t, bytes.HasPrefix(big, m.Data))
	case <-time.After(10 * time.Second):
		t.Fatal("no dead letter")
	}
	require.Eventually(t, func() bool { return streamMsgs(t, js, "OUT_huge") == 3 }, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		info, err := js.Consumer(context.Background(), spec.Stream, spec.Name())
		require.NoError(t, err)
		ci, err := info.Info(context.Background())
		require.NoError(t, err)
		return ci.NumAckPending == 0 && ci.NumPending == 0 && ci.NumRedelivered == 0
	}, 10*time.Second, 20*time.Millisecond, "terminated at once, not handed back")
}

// A dead letter's reason is one line, and bounded.
func TestDeadLetterReasonIsOneShortLine(t *testing.T) {
	dm := pipeline.DeadLetterMsg("s", "in.s.x", []byte("d"), nil, errors.New("line one\r\nline two "+strings.Repeat("é", 10_000)), "id")
	reason := dm.Header.Get(pipeline.HeaderError)
	assert.NotContains(t, reason, "\n")
	assert.True(t, strings.HasPrefix(reason, "line one  line two é"))
	assert.LessOrEqual(t, len(reason), 5<<10)
	assert.True(t, utf8.ValidString(reason))
}

// A message whose last delivery comes into a fetch still open when the
// runner stops is handled, not handed back: handed back, the server would
// never deliver it again, and no dead letter would say so.
func TestRunnerShutdownHandlesALastDelivery(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "lastdelivery")
	publishInputs(t, js, "lastdelivery", 1)
	cons, err := js.Consumer(context.Background(), spec.Stream, spec.Name())
	require.NoError(t, err)
	for i := 1; i < pipeline.MaxDeliver; i++ { // four failed attempts, the last handed back for 2 s
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		for m := range batch.Messages() {
			if i == pipeline.MaxDeliver-1 {
				require.NoError(t, m.NakWithDelay(2*time.Second))
			} else {
				require.NoError(t, m.Nak())
			}
		}
		require.NoError(t, batch.Error())
	}
	opts := fastOpts()
	opts.FetchWait = 5 * time.Second // the fetch outlives the stop
	stop := startRunner(t, pipeline.NewRunner(js, spec, echo("lastdelivery"), zaptest.NewLogger(t), opts))
	time.Sleep(500 * time.Millisecond)
	stop()
	assert.Equal(t, uint64(1), streamMsgs(t, js, "OUT_lastdelivery"), "handled within the grace period")
}

func TestRunnerShutdownLosesNothing(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "shutdown")
	const n = 200
	publishInputs(t, js, "shutdown", n)

	var handled atomic.Int64
	slow := func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
		handled.Add(1)
		select {
		case <-time.After(2 * time.Millisecond):
		case <-ctx.Done():
			return pipeline.Result{}, ctx.Err()
		}
		return echo("shutdown")(ctx, m)
	}
	stop := startRunner(t, pipeline.NewRunner(js, spec, slow, zaptest.NewLogger(t), fastOpts()))
	require.Eventually(t, func() bool { return handled.Load() > 20 }, 10*time.Second, time.Millisecond)
	stop() // mid-stream

	// A second runner picks up whatever the first handed back or left.
	startRunner(t, pipeline.NewRunner(js, spec, slow, zaptest.NewLogger(t), fastOpts()))
	require.Eventually(t, func() bool { return streamMsgs(t, js, "OUT_shutdown") == n }, 30*time.Second, 20*time.Millisecond)
}

func TestRunnerReestablishesALostConsumer(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "lost")
	publishInputs(t, js, "lost", 5)
	startRunner(t, pipeline.NewRunner(js, spec, echo("lost"), zaptest.NewLogger(t), fastOpts()))
	require.Eventually(t, func() bool { return streamMsgs(t, js, "OUT_lost") == 5 }, 10*time.Second, 20*time.Millisecond)

	// Someone deletes the consumer (an operator, a lost cluster state).
	require.NoError(t, js.DeleteConsumer(context.Background(), spec.Stream, spec.Stage))
	for i := 5; i < 10; i++ {
		_, err := js.Publish(context.Background(), fmt.Sprintf("in.lost.%d", i), fmt.Appendf(nil, "%d", i))
		require.NoError(t, err)
	}
	// The runner recreates it; redelivered old inputs are deduplicated.
	require.Eventually(t, func() bool { return streamMsgs(t, js, "OUT_lost") == 10 }, 20*time.Second, 50*time.Millisecond)
}

func TestPublishSkipsRepeatedMsgIDs(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	testStage(t, js, "repeat")
	outs := []pipeline.Output{
		{Subject: "out.repeat.a", MsgID: "x:1", Data: []byte("first")},
		{Subject: "out.repeat.a", MsgID: "x:1", Data: []byte("same item listed twice")},
		{Subject: "out.repeat.b", MsgID: "x:2", Data: []byte("other")},
		{Subject: "out.repeat.c", Data: []byte("no id")},
	}
	stored, err := pipeline.Publish(context.Background(), js, outs)
	require.NoError(t, err)
	assert.Equal(t, 3, stored)
	assert.Equal(t, uint64(3), streamMsgs(t, js, "OUT_repeat"))
	// Published again, the Msg-Id'd ones are duplicates: not stored.
	stored, err = pipeline.Publish(context.Background(), js, outs)
	require.NoError(t, err)
	assert.Equal(t, 1, stored, "only the output without a Msg-Id is stored again")
	assert.Equal(t, uint64(4), streamMsgs(t, js, "OUT_repeat"))
}

// The published counter counts what the streams stored: an input whose
// outputs are all duplicates (a redelivery, a feed fetched again) adds
// nothing.
func TestRunnerCountsStoredOutputsOnly(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "counted")
	publishInputs(t, js, "counted", 3)
	metrics := pipeline.NewMetrics()
	opts := fastOpts()
	opts.Metrics = metrics
	same := func(_ context.Context, m pipeline.Message) (pipeline.Result, error) { // every input yields the same output
		return pipeline.Outputs(pipeline.Output{Subject: "out.counted.x", MsgID: "counted:x", Data: []byte("x")}), nil
	}
	startRunner(t, pipeline.NewRunner(js, spec, same, zaptest.NewLogger(t), opts))
	require.Eventually(t, func() bool {
		return metrics.Stage("counted").Processed() == 3
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, uint64(1), metrics.Stage("counted").Published())
	assert.Equal(t, uint64(1), streamMsgs(t, js, "OUT_counted"))
}

// A failure marked with RetryIn waits that long for its retry instead of
// the backoff's delay (20 ms here).
func TestRetryIn(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	spec := testStage(t, js, "retryin")
	publishInputs(t, js, "retryin", 1)
	var first atomic.Int64
	retried := make(chan time.Duration, 1)
	h := func(_ context.Context, m pipeline.Message) (pipeline.Result, error) {
		if m.Delivered == 1 {
			first.Store(time.Now().UnixNano())
			return pipeline.Result{}, pipeline.RetryIn(errors.New("busy"), 400*time.Millisecond)
		}
		retried <- time.Duration(time.Now().UnixNano() - first.Load())
		return pipeline.Result{}, nil
	}
	startRunner(t, pipeline.NewRunner(js, spec, h, zaptest.NewLogger(t), pipelinetest.FastRetries()))
	select {
	case waited := <-retried:
		assert.GreaterOrEqual(t, waited, 400*time.Millisecond)
	case <-time.After(15 * time.Second):
		t.Fatal("no retry")
	}
	d, ok := pipeline.RetryDelay(fmt.Errorf("wrapped: %w", pipeline.RetryIn(errors.New("x"), time.Second)))
	assert.True(t, ok)
	assert.Equal(t, time.Second, d)
}
