package alerter

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/story"
)

// Eight days of a steady stream (a new story about Venezuela every half
// hour, and copies of each) never fire; a burst of new stories fires once,
// with the counts that made it fire; copies do not count.
func TestSpikeBurstFiresOnceSteadyNever(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, pipeline.BucketAlerted)
	require.NoError(t, err)
	e, err := Compile(Config{Spikes: []story.Spike{{Rule: "breaking", Entity: "venezuela", Factor: 3, Window: time.Hour, Min: 5}}})
	require.NoError(t, err)
	var p atomic.Pointer[Engine]
	p.Store(e)
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := Handle(&p, func() time.Time { return clock }, KVClaims{KV: kv}, JSSpikes{JS: js, KV: kv})

	n := 0
	send := func(story string) []pipeline.Alert {
		n++
		a := testArticle()
		a.ID = pipelinetest.ID(fmt.Sprint("article-", n))
		a.Story = &pipeline.Story{ID: pipelinetest.ID(story), Size: 1}
		res, err := h(ctx, pipeline.Message{Data: pipeline.Encode(a)})
		require.NoError(t, err)
		var out []pipeline.Alert
		for _, o := range res.Outputs {
			var al pipeline.Alert
			require.NoError(t, json.Unmarshal(o.Data, &al))
			assert.Equal(t, "alerts.breaking", o.Subject)
			out = append(out, al)
		}
		return out
	}
	stories := 0
	steady := func(until time.Time) {
		for ; clock.Before(until); clock = clock.Add(30 * time.Minute) {
			stories++
			s := fmt.Sprint("story-", stories)
			require.Empty(t, send(s), "steady stream at %s", clock)
			require.Empty(t, send(s), "a copy counts nothing")
		}
	}
	start := clock
	steady(start.Add(8 * 24 * time.Hour))

	// A burst: 14 new stories in 28 minutes.
	var fired []pipeline.Alert
	for range 14 {
		stories++
		fired = append(fired, send(fmt.Sprint("story-", stories))...)
		clock = clock.Add(2 * time.Minute)
	}
	require.Len(t, fired, 1, "a burst fires once")
	al := fired[0]
	require.NotNil(t, al.Spike)
	assert.Equal(t, "venezuela", al.Spike.Entity)
	assert.Equal(t, "1h0m0s", al.Spike.Window)
	assert.Equal(t, 7, al.Spike.Days)
	assert.InDelta(t, 2.0, al.Spike.Baseline, 0.01, "two new stories an hour on the last seven days")
	assert.Equal(t, 6, al.Spike.Count, "fires at the first count of three times the baseline")
	assert.Equal(t, "breaking", al.Rule)
	assert.NotNil(t, al.Story)

	// The stream goes back to steady: no more alert.
	steady(clock.Add(6 * time.Hour))
}

// A message that fires a spike and is redelivered (its alert not stored:
// the publish failed, or the process died) in a later slot fires the same
// alert again: its story counts in the slot the message was stored in, once.
func TestSpikeRedeliveredInALaterSlotFiresAgain(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, pipeline.BucketAlerted)
	require.NoError(t, err)
	e, err := Compile(Config{Spikes: []story.Spike{{Rule: "breaking", Entity: "venezuela", Factor: 1, Window: time.Hour, Min: 1}}})
	require.NoError(t, err)
	var p atomic.Pointer[Engine]
	p.Store(e)
	state := JSSpikes{JS: js, KV: kv}
	clock := time.Date(2026, 11, 3, 10, 4, 30, 0, time.UTC)
	h := Handle(&p, func() time.Time { return clock }, KVClaims{KV: kv}, state)
	msg := func(id, storyID string, stored time.Time) pipeline.Message {
		a := testArticle()
		a.ID = pipelinetest.ID(id)
		a.Story = &pipeline.Story{ID: pipelinetest.ID(storyID), Size: 1}
		return pipeline.Message{Data: pipeline.Encode(a), Stored: stored}
	}
	// A baseline two days before.
	_, err = h(ctx, msg("old", "old-story", clock.Add(-48*time.Hour)))
	require.NoError(t, err)

	m := msg("new", "new-story", clock)
	first, err := h(ctx, m)
	require.NoError(t, err)
	require.Len(t, first.Outputs, 1, "the new story fires")
	clock = clock.Add(time.Minute) // 10:05:30: the next slot
	m.Delivered = 2
	again, err := h(ctx, m)
	require.NoError(t, err)
	require.Len(t, again.Outputs, 1, "the redelivery fires the same alert again")
	assert.Equal(t, first.Outputs[0].MsgID, again.Outputs[0].MsgID, "one alert in the stream")
	counts, err := state.Counts(ctx, "breaking")
	require.NoError(t, err)
	total := 0
	for _, n := range counts {
		total += n
	}
	assert.Equal(t, 2, total, "each story counted once: %v", counts)
}
