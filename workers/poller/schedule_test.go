package poller

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mediawatch/mediawatch/feeds"
)

// The scheduler wakes when the next feed's slot starts, so that a feed's
// ticket is published as its slot starts rather than on the next tick of a
// clock: the polls of many feeds spread over their interval instead of
// coming in bursts.
func TestNextWake(t *testing.T) {
	a := feeds.Source{ID: "a", Interval: 10 * time.Second}
	b := feeds.Source{ID: "b", Interval: 10 * time.Second}
	next := feeds.NextSlot(a.ID, a.Interval, time.Now())

	assert.Equal(t, 300*time.Millisecond, nextWake([]feeds.Source{a}, next.Add(-300*time.Millisecond)), "until a's slot starts")
	assert.Equal(t, maxWake, nextWake([]feeds.Source{a}, next), "at most maxWake, to see new feeds")
	assert.Equal(t, minWake, nextWake([]feeds.Source{a}, next.Add(-time.Microsecond)), "at least minWake")
	assert.Equal(t, maxWake, nextWake(nil, next), "no feeds")

	// The earliest of the feeds' next slots.
	now := next.Add(-900 * time.Millisecond)
	want := min(feeds.NextSlot(a.ID, a.Interval, now).Sub(now), feeds.NextSlot(b.ID, b.Interval, now).Sub(now))
	assert.Equal(t, max(min(want, maxWake), minWake), nextWake([]feeds.Source{a, b}, now))

	// A thousand feeds polled every 10 s: the scheduler wakes about every
	// 10 ms, and no wake publishes more than a few tickets.
	var many []feeds.Source
	for i := range 1000 {
		many = append(many, feeds.Source{ID: fmt.Sprintf("f%d", i), Interval: 10 * time.Second})
	}
	last := map[string]int64{}
	for _, s := range many {
		last[s.ID], _ = feeds.Slot(s.ID, s.Interval, now)
	}
	most := 0
	for at, end := now, now.Add(10*time.Second); at.Before(end); at = at.Add(nextWake(many, at)) {
		due := 0
		for _, s := range many {
			if n, _ := feeds.Slot(s.ID, s.Interval, at); n != last[s.ID] {
				last[s.ID] = n
				due++
			}
		}
		most = max(most, due)
	}
	assert.LessOrEqual(t, most, 10, "tickets published in one wake, of 1,000 feeds")
}
