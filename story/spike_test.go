package story

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCountSpike(t *testing.T) {
	const now, k = int64(10_000), int64(12) // a window of an hour
	steady := func(days int64, perSlot int) map[int64]int {
		m := map[int64]int{}
		for s := now - days*SlotsPerDay - k; s <= now; s++ {
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
		{"slots outside the window do not count", map[int64]int{now - SlotsPerDay - k: 50, now - k: 9, now - k + 1: 1}, SpikeCounts{Count: 1, Baseline: 0, Days: 1}},
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
