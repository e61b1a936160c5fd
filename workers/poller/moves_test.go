package poller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// hits counts a test server's requests by path, with the validators they
// carried.
type hits struct {
	mu   sync.Mutex
	reqs map[string][]string
}

func (h *hits) add(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs[r.URL.Path] = append(h.reqs[r.URL.Path], r.Header.Get("If-Modified-Since")+"|"+r.Header.Get("If-None-Match"))
}

func (h *hits) of(path string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.reqs[path]...)
}

// A feed whose URL changes (feeds add again with another URL) is fetched at
// once from the new URL, without the old URL's validators or backoff, and
// its new items are published.
func TestMovedFeedStartsAfresh(t *testing.T) {
	t.Parallel()
	h := &hits{reqs: map[string][]string{}}
	modified := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r)
		switch r.URL.Path {
		case "/old":
			w.Header().Set("Last-Modified", modified)
			w.Header().Set("ETag", `"old"`)
			fmt.Fprint(w, rssItems(`<item><title>old</title><link>https://e.org/old</link></item>`))
		case "/broken":
			w.Header().Set("Retry-After", "7200")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
				w.WriteHeader(http.StatusNotModified) // as a server that honours any validator would
				return
			}
			fmt.Fprint(w, rssItems(`<item><title>n1</title><link>https://e.org`+r.URL.Path+`/n1</link></item>`, `<item><title>n2</title><link>https://e.org`+r.URL.Path+`/n2</link></item>`))
		}
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	kv, err := js.KeyValue(context.Background(), pipeline.BucketFeeds)
	require.NoError(t, err)
	reg := feeds.NewRegistry(kv)
	ctx := context.Background()
	require.NoError(t, reg.Put(ctx, feeds.Source{ID: "f", URL: srv.URL + "/old", Interval: time.Hour}))
	require.NoError(t, reg.Put(ctx, feeds.Source{ID: "g", URL: srv.URL + "/broken", Interval: time.Hour}))
	cfg := config.Default()
	cfg.Poller.AllowPrivateNetworks = true
	runWorker(t, js, cfg)
	require.Eventually(t, func() bool { return rawCount(t, js, "f") == 1 }, 15*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return feedState(t, js, "g").Failures == 1 }, 15*time.Second, 10*time.Millisecond)

	require.NoError(t, reg.Put(ctx, feeds.Source{ID: "f", URL: srv.URL + "/new", Interval: time.Hour}))
	require.NoError(t, reg.Put(ctx, feeds.Source{ID: "g", URL: srv.URL + "/fixed", Interval: time.Hour}))
	require.Eventually(t, func() bool { return rawCount(t, js, "f") == 3 }, 15*time.Second, 10*time.Millisecond, "the new URL's items, at once: %v %+v", h.of("/new"), feedState(t, js, "f"))
	assert.Equal(t, []string{"|"}, h.of("/new"), "fetched once, without the old URL's validators")
	require.Eventually(t, func() bool { return rawCount(t, js, "g") == 2 }, 15*time.Second, 10*time.Millisecond, "the fixed URL, not the broken one's rest: %v %+v", h.of("/fixed"), feedState(t, js, "g"))
	assert.Equal(t, srv.URL+"/new", feedState(t, js, "f").URL)
}

// A feed removed and added again is polled at once, also within the poll
// tickets' duplicate window.
func TestFeedAddedAgainIsPolledAtOnce(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		fmt.Fprint(w, rssItems(`<item><title>a</title><link>https://e.org`+r.URL.Path+`</link></item>`))
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	kv, err := js.KeyValue(context.Background(), pipeline.BucketFeeds)
	require.NoError(t, err)
	reg := feeds.NewRegistry(kv)
	ctx := context.Background()
	require.NoError(t, reg.Put(ctx, feeds.Source{ID: "g", URL: srv.URL + "/one", Interval: time.Hour}))
	cfg := config.Default()
	cfg.Poller.AllowPrivateNetworks = true
	runWorker(t, js, cfg)
	require.Eventually(t, func() bool { return fetches.Load() == 1 }, 15*time.Second, 10*time.Millisecond)
	require.NoError(t, reg.Remove(ctx, "g"))
	time.Sleep(2500 * time.Millisecond) // the scheduler forgets it
	require.NoError(t, reg.Put(ctx, feeds.Source{ID: "g", URL: srv.URL + "/one", Interval: time.Hour}))
	require.Eventually(t, func() bool { return fetches.Load() == 2 }, 15*time.Second, 10*time.Millisecond, "polled again at once")
}

// A rest the server asked for (Retry-After) holds across a poller's
// restarts: its first ticket after a start skips the failure backoff, not
// that.
func TestRetryAfterOutlivesARestart(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Sources = []config.Source{{ID: "busy", URL: srv.URL, Interval: config.Duration(time.Hour)}}
	for i := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		w, err := New(ctx, ConfigFrom(cfg), pipeline.Deps{JS: js, Metrics: pipeline.NewMetrics()}, zaptest.NewLogger(t))
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		if i == 0 {
			require.Eventually(t, func() bool { return feedState(t, js, "busy").Failures == 1 }, 15*time.Second, 10*time.Millisecond)
		} else {
			time.Sleep(1500 * time.Millisecond) // its boot ticket is handled meanwhile
		}
		cancel()
		require.NoError(t, <-done)
	}
	assert.Equal(t, int64(1), fetches.Load(), "no request within the hour the server asked for")
	assert.True(t, feedState(t, js, "busy").Asked)
}
