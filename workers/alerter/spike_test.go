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
