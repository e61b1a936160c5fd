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
)

func TestCountSpike(t *testing.T) {
	const now, k = int64(10_000), int64(12) // a window of an hour
	steady := func(days int64, perSlot int) map[int64]int {
		m := map[int64]int{}
		for s := now - days*slotsPerDay - k; s <= now; s++ {
			m[s] = perSlot
		}
		return m
	}
	tests := []struct {
		name  string
		slots map[int64]int
		want  SpikeCounts
	}{
		{"nothing counted", map[int64]int{}, SpikeCounts{}},
		{"a fresh install has no baseline", map[int64]int{now - 3: 4, now: 2}, SpikeCounts{Count: 6}},
		{"one day of history", steady(1, 1), SpikeCounts{Count: 12, Baseline: 12, Days: 1}},
		{"seven days count, not eight", steady(9, 1), SpikeCounts{Count: 12, Baseline: 12, Days: 7}},
		{"slots outside the window do not count", map[int64]int{now - slotsPerDay - k: 50, now - k: 9, now - k + 1: 1}, SpikeCounts{Count: 1, Baseline: 0, Days: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, CountSpike(tt.slots, now, k))
		})
	}
	sp := Spike{Factor: 3, Min: 5}
	assert.False(t, sp.Fires(SpikeCounts{Count: 50}), "no baseline: no alert")
	assert.False(t, sp.Fires(SpikeCounts{Count: 4, Baseline: 0, Days: 7}), "below the minimum")
	assert.True(t, sp.Fires(SpikeCounts{Count: 6, Baseline: 2, Days: 7}))
	assert.False(t, sp.Fires(SpikeCounts{Count: 5, Baseline: 2, Days: 7}), "below three times the baseline")
}

// Eight days of a steady stream (a new story about Venezuela every half
// hour, and copies of each) never fire; a burst of new stories fires once,
// with the counts that made it fire; copies do not count.
func TestSpikeBurstFiresOnceSteadyNever(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, pipeline.BucketAlerted)
	require.NoError(t, err)
	e, err := Compile(Config{Spikes: []Spike{{Rule: "breaking", Entity: "venezuela", Factor: 3, Window: time.Hour, Min: 5}}})
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
