package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// A stage with a consumer per sink is listed by its consumers on the
// server, each inspected on its own: its backlog, and the stage's dead
// letters.
func TestStageConsumersInspected(t *testing.T) {
	t.Parallel()
	nc, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	stage := pipeline.ConsumerSpec{Stage: "notifier", Stream: pipeline.StreamAlerts, Subject: pipeline.All(pipeline.SubjectAlerts)}

	none, err := pipeline.StageConsumers(ctx, js, stage)
	require.NoError(t, err, "no stream yet")
	assert.Empty(t, none)

	pipelinetest.Topology(t, js)
	specs := []pipeline.ConsumerSpec{
		{Stage: "notifier", Durable: pipeline.OwnConsumer("notifier", "hook"), Stream: pipeline.StreamAlerts, Subjects: []string{"alerts.r1"}, DeliverNew: true},
		{Stage: "notifier", Durable: pipeline.OwnConsumer("notifier", "desk"), Stream: pipeline.StreamAlerts, Subjects: []string{"alerts.r1", "alerts.r2"}, DeliverNew: true},
		{Stage: "someone", Durable: "my-app", Stream: pipeline.StreamAlerts, Subject: "alerts.>"}, // a subscriber's own
		{Stage: "notifierx", Stream: pipeline.StreamAlerts, Subject: "alerts.>"},                  // not of the notifier
	}
	for _, s := range specs {
		_, err := js.CreateOrUpdateConsumer(ctx, s.Stream, pipeline.ConsumerConfig(s, 1))
		require.NoError(t, err)
	}
	for i := range 3 {
		_, err := js.Publish(ctx, "alerts.r1", fmt.Appendf(nil, `{"n":%d}`, i))
		require.NoError(t, err)
	}
	_, err = js.Publish(ctx, "alerts.r2", []byte(`{}`))
	require.NoError(t, err)
	_, err = js.Publish(ctx, "dlq.notifier", []byte("undeliverable"))
	require.NoError(t, err)

	own, err := pipeline.StageConsumers(ctx, js, stage)
	require.NoError(t, err)
	assert.Equal(t, []pipeline.ConsumerSpec{specs[1], specs[0]}, own, "the notifier's consumers only, by name, as made")

	st, err := pipeline.Inspect(ctx, js, own, 0)
	require.NoError(t, err)
	require.Len(t, st.Stages, 2)
	desk, hook := st.Stages[0], st.Stages[1]
	assert.Equal(t, "notifier-desk", desk.Stage)
	assert.Equal(t, "notifier-hook", hook.Stage)
	assert.Equal(t, uint64(4), desk.Pending, "both its rules")
	assert.Equal(t, uint64(3), hook.Pending)
	for _, s := range st.Stages {
		assert.Equal(t, pipeline.StreamAlerts, s.Stream)
		assert.Equal(t, uint64(4), s.Stored)
		assert.Equal(t, uint64(1), s.DeadLetters, "dlq.notifier")
	}

	// Fetched and not acknowledged, then handed back: ack pending, then
	// redelivered.
	cons, err := js.Consumer(ctx, pipeline.StreamAlerts, "notifier-hook")
	require.NoError(t, err)
	// A nak is not acknowledged by the server: the advisory it publishes
	// says it has taken the message back (else the next fetch might get the
	// message after it).
	naked, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED." + pipeline.StreamAlerts + ".notifier-hook")
	require.NoError(t, err)
	batch, err := cons.FetchNoWait(1)
	require.NoError(t, err)
	for m := range batch.Messages() {
		require.NoError(t, m.Nak())
	}
	_, err = naked.NextMsg(5 * time.Second)
	require.NoError(t, err, "the nak's advisory")
	batch, err = cons.FetchNoWait(1)
	require.NoError(t, err)
	var held []jetstream.Msg
	for m := range batch.Messages() {
		held = append(held, m)
	}
	require.Len(t, held, 1)
	st, err = pipeline.Inspect(ctx, js, own, 0)
	require.NoError(t, err)
	hook = st.Stages[1]
	assert.Equal(t, uint64(2), hook.Pending)
	assert.Equal(t, 1, hook.AckPending)
	assert.Equal(t, 1, hook.Redelivered)
}

// A consumer made anew during the sample starts its ack floor again: the
// rate is 0 then, not an underflow.
func TestInspectRateOfAConsumerMadeAnew(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	pipelinetest.Topology(t, js)
	spec := pipeline.ConsumerSpec{Stage: "watch", Stream: pipeline.StreamAlerts, Subject: "alerts.>"}
	_, err := js.CreateOrUpdateConsumer(ctx, spec.Stream, pipeline.ConsumerConfig(spec, 1))
	require.NoError(t, err)
	for i := range 5 {
		_, err := js.Publish(ctx, "alerts.r", fmt.Appendf(nil, `{"n":%d}`, i))
		require.NoError(t, err)
	}
	cons, err := js.Consumer(ctx, spec.Stream, spec.Name())
	require.NoError(t, err)
	batch, err := cons.Fetch(5, jetstream.FetchMaxWait(5*time.Second))
	require.NoError(t, err)
	for m := range batch.Messages() {
		require.NoError(t, m.DoubleAck(ctx))
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = js.DeleteConsumer(ctx, spec.Stream, spec.Name())
		_, _ = js.CreateOrUpdateConsumer(ctx, spec.Stream, pipeline.ConsumerConfig(spec, 1))
	}()
	st, err := pipeline.Inspect(ctx, js, []pipeline.ConsumerSpec{spec}, time.Second)
	require.NoError(t, err)
	require.Len(t, st.Stages, 1)
	assert.Zero(t, st.Stages[0].Rate)
}
