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

// A pass publishes the tickets that are due and says when the next slot
// of any feed starts, so that a feed's ticket is published as its slot
// starts rather than on the next tick of a clock: the polls of many feeds
// spread over their interval instead of coming in bursts.
func TestSlotsPass(t *testing.T) {
	type ticket struct {
		feed  string
		n     int64
		start time.Time
		boot  bool
	}
	var got []ticket
	fail := false
	publish := func(s feeds.Source, n int64, start time.Time, boot bool) error {
		if fail {
			return errors.New("nats: timeout")
		}
		got = append(got, ticket{s.ID, n, start, boot})
		return nil
	}
	a := feeds.Source{ID: "a", Interval: 10 * time.Second}
	next := feeds.NextSlot(a.ID, a.Interval, time.Now())

	l := slots{}
	now := next.Add(-300 * time.Millisecond)
	assert.Equal(t, next, l.pass([]feeds.Source{a}, now, publish), "until a's next slot starts")
	assert.Len(t, got, 1)
	assert.True(t, got[0].boot, "a feed not seen before gets its boot ticket")
	assert.Equal(t, next, l.pass([]feeds.Source{a}, now.Add(100*time.Millisecond), publish))
	assert.Len(t, got, 1, "nothing more until the slot starts")

	assert.Equal(t, next.Add(maxWake), l.pass([]feeds.Source{a}, next, publish), "at most maxWake, to see new feeds")
	require.Len(t, got, 2)
	n, _ := feeds.Slot(a.ID, a.Interval, next)
	assert.Equal(t, ticket{"a", n, next, false}, got[1], "the slot's ticket, as it starts")

	assert.Equal(t, now.Add(maxWake), slots{}.pass(nil, now, publish), "no feeds")

	// A failed publish is tried again at the next pass; a changed interval
	// is seen at once.
	fail = true
	later := next.Add(10 * time.Second)
	l.pass([]feeds.Source{a}, later, publish)
	fail = false
	l.pass([]feeds.Source{a}, later.Add(minWake), publish)
	require.Len(t, got, 3)
	n, _ = feeds.Slot(a.ID, a.Interval, later)
	assert.Equal(t, n, got[2].n)
	a.Interval = time.Hour
	l.pass([]feeds.Source{a}, later.Add(2*minWake), publish)
	require.Len(t, got, 4)
	n, _ = feeds.Slot(a.ID, a.Interval, later)
	assert.Equal(t, n, got[3].n, "the slot of the new interval")

	// A feed removed is forgotten; added again, it gets its boot ticket.
	b := feeds.Source{ID: "b", Interval: time.Hour}
	got = nil
	l.pass([]feeds.Source{a, b}, later.Add(3*minWake), publish)
	require.Len(t, got, 1)
	assert.True(t, got[0].boot, "b is new")
	assert.Contains(t, l, "b")
	l.pass([]feeds.Source{a}, later.Add(4*minWake), publish)
	assert.NotContains(t, l, "b", "b was removed")
	assert.Contains(t, l, "a")
	l.pass(nil, later.Add(5*minWake), publish)
	assert.Empty(t, l, "every feed removed")
	got = nil
	l.pass([]feeds.Source{b}, later.Add(6*minWake), publish)
	require.Len(t, got, 1)
	assert.True(t, got[0].boot, "b added again")

	// A thousand feeds polled every 10 s: the scheduler wakes about every
	// 10 ms, each ticket is published as its slot starts, and no wake
	// publishes more than a few.
	var many []feeds.Source
	for i := range 1000 {
		many = append(many, feeds.Source{ID: fmt.Sprintf("f%d", i), Interval: 10 * time.Second})
	}
	l, got = slots{}, nil
	at := l.pass(many, now, publish) // the boot round
	assert.Len(t, got, 1000)
	most, late := 0, time.Duration(0)
	for end := now.Add(10 * time.Second); at.Before(end); {
		got = got[:0]
		wake := l.pass(many, at, publish)
		most = max(most, len(got))
		for _, tk := range got {
			late = max(late, at.Sub(tk.start))
		}
		at = wake
	}
	assert.LessOrEqual(t, most, 10, "tickets published in one wake, of 1,000 feeds")
	assert.Zero(t, late, "each ticket published as its slot starts")
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

// The scheduler's count of in-process retries forgets removed feeds, as
// the slots do.
func TestForget(t *testing.T) {
	busy := map[string]int{"a": 2, "b": 1}
	forget(busy, []feeds.Source{{ID: "a"}, {ID: "c"}})
	assert.Equal(t, map[string]int{"a": 2}, busy)
	forget(busy, nil)
	assert.Empty(t, busy)
}
