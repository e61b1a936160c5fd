package poller

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
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

// Feeds with the same interval are fetched spread over it, each as its
// slot starts, not together when a clock ticks.
func TestPollsSpreadOverTheInterval(t *testing.T) {
	t.Parallel()
	const feedsN, every = 20, 2 * time.Second
	var mu sync.Mutex
	fetched := map[string][]time.Time{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/")
		mu.Lock()
		fetched[id] = append(fetched[id], time.Now())
		mu.Unlock()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title><item><title>One</title><link>https://example.com/%s/1</link></item></channel></rss>`, id, id)
	}))
	t.Cleanup(srv.Close)
	var sources []config.Source
	for i := range feedsN {
		id := fmt.Sprintf("f%d", i)
		sources = append(sources, config.Source{ID: id, URL: srv.URL + "/" + id, Interval: config.Duration(every)})
	}
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	startWorker(t, js, sources)

	// The boot round fetches every feed at once; after it, each feed's
	// slot ticket. Wait for two of those per feed.
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range feedsN {
			if len(fetched[fmt.Sprintf("f%d", i)]) < 3 {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	buckets := map[int64]bool{}
	for _, at := range fetched {
		f := at[2] // a slot's fetch, not the boot round's
		buckets[f.UnixMilli()%every.Milliseconds()/100] = true
	}
	// Twenty feeds' offsets in a 2 s interval fill about 13 of its 20
	// tenths of a second; a scheduler that woke once a second would fetch
	// them in two or three.
	t.Logf("the slot fetches fall in %d tenths of the interval", len(buckets))
	assert.GreaterOrEqual(t, len(buckets), 8, "tenths of the interval the slot fetches fall in")
}

// Two pollers waking together as a slot starts may publish the same ticket
// at once; a cluster answers the second "in process" until the first is
// committed, which is no failure to warn about.
func TestInProcess(t *testing.T) {
	assert.True(t, inProcess(fmt.Errorf("publish: %w", &jetstream.APIError{Code: 409, ErrorCode: 10158, Description: "duplicate message id is in process"})))
	assert.False(t, inProcess(&jetstream.APIError{Code: 503, ErrorCode: 10039}))
	assert.False(t, inProcess(errors.New("nats: timeout")))
}
