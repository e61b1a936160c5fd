package alerter

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/rules"
)

// An alerter whose consumer is made anew (deleted by an operator, or lost
// with a cluster's state) reads TAGGED again from its start; once the
// alerts' duplicate window has passed, the stream would take every alert a
// second time. The claims settled once the alerts were stored keep that
// from happening: one alert per (rule, story), still.
func TestConsumerMadeAnewAlertsNothingAgain(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	ctx := context.Background()
	// A window of a second stands for the 15 minutes passing.
	alerts, err := js.Stream(ctx, pipeline.StreamAlerts)
	require.NoError(t, err)
	info, err := alerts.Info(ctx)
	require.NoError(t, err)
	cfg := info.Config
	cfg.Duplicates = time.Second
	_, err = js.UpdateStream(ctx, cfg)
	require.NoError(t, err)

	w, err := New(ctx, Config{Rules: []rules.Rule{{ID: "vz", Query: "entity:venezuela"}}}, pipeline.Deps{JS: js, Metrics: pipeline.NewMetrics()}, zaptest.NewLogger(t))
	require.NoError(t, err)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, w.Run(wctx)) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	a := testArticle()
	a.Story = &pipeline.Story{ID: a.ID, Size: 1}
	_, err = js.Publish(ctx, pipeline.Subject(pipeline.SubjectTagged, a.Feed), pipeline.Encode(a))
	require.NoError(t, err)
	count := func() uint64 {
		info, err := alerts.Info(ctx)
		require.NoError(t, err)
		return info.State.Msgs
	}
	require.Eventually(t, func() bool { return count() == 1 }, 15*time.Second, 10*time.Millisecond)
	time.Sleep(1500 * time.Millisecond) // past the duplicate window

	require.NoError(t, js.DeleteConsumer(ctx, pipeline.StreamTagged, Spec().Name()))
	require.Eventually(t, func() bool {
		c, err := js.Consumer(ctx, pipeline.StreamTagged, Spec().Name())
		if err != nil {
			return false
		}
		ci, err := c.Info(ctx)
		return err == nil && ci.Delivered.Stream >= 1 && ci.NumAckPending == 0 && ci.NumPending == 0
	}, 60*time.Second, 20*time.Millisecond, "the consumer made anew has read the article again")
	assert.Equal(t, uint64(1), count(), "no second alert")
}
