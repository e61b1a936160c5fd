package poller

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// rssItems is an RSS feed of items, each given as item XML.
func rssItems(items ...string) string {
	return `<rss version="2.0"><channel><title>t</title>` + strings.Join(items, "") + `</channel></rss>`
}

func rawArticles(t *testing.T, js jetstream.JetStream, feed string) []pipeline.Article {
	t.Helper()
	s, err := js.Stream(context.Background(), pipeline.StreamRaw)
	require.NoError(t, err)
	cons, err := s.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{"articles.raw." + feed}})
	require.NoError(t, err)
	var out []pipeline.Article
	for {
		batch, err := cons.FetchNoWait(500)
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			n++
			var a pipeline.Article
			require.NoError(t, json.Unmarshal(m.Data(), &a))
			out = append(out, a)
		}
		if n == 0 {
			return out
		}
	}
}

// Feeds added at run time (the registry) may not reach loopback or private
// addresses unless poller.allow_private_networks says so; the config file's
// feeds may. The refusal is recorded in the feed's state, with its reason.
func TestRegistryFeedsMayNotReachPrivateAddresses(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		fmt.Fprint(w, rssItems(`<item><title>a</title><link>https://e.org`+r.URL.Path+`</link></item>`))
	}))
	t.Cleanup(srv.Close)

	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow_private_networks=%v", allow), func(t *testing.T) {
			t.Parallel()
			_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
			pipelinetest.Topology(t, js)
			kv, err := js.KeyValue(context.Background(), pipeline.BucketFeeds)
			require.NoError(t, err)
			require.NoError(t, feeds.NewRegistry(kv).Put(context.Background(), feeds.Source{ID: "added", URL: srv.URL + "/added", Interval: time.Hour}))
			cfg := config.Default()
			cfg.Poller.AllowPrivateNetworks = allow
			cfg.Sources = []config.Source{{ID: "file", URL: srv.URL + "/file", Interval: config.Duration(time.Hour)}}
			runWorker(t, js, cfg)

			require.Eventually(t, func() bool { return rawCount(t, js, "file") == 1 }, 15*time.Second, 20*time.Millisecond, "the config file's feed is fetched")
			if allow {
				require.Eventually(t, func() bool { return rawCount(t, js, "added") == 1 }, 15*time.Second, 20*time.Millisecond)
				return
			}
			require.Eventually(t, func() bool { return feedState(t, js, "added").Failures == 1 }, 15*time.Second, 20*time.Millisecond)
			assert.Contains(t, feedState(t, js, "added").LastError, "not a public address")
			assert.Zero(t, rawCount(t, js, "added"))
		})
	}
}

// One oversized item does not lose the feed: on a server with the default
// 1 MB payload limit, a 5 MB title is cut to its limit and every item of the
// feed is published; only http(s) links become article URLs.
func TestItemsAreIndependent(t *testing.T) {
	t.Parallel()
	body := rssItems(
		`<item><title>`+strings.Repeat("Maduro ", 750_000)+`</title><link>https://e.org/huge</link></item>`,
		`<item><title>ok</title><link>https://e.org/ok</link></item>`,
		`<item><title>script</title><link>javascript:alert(1)</link><guid isPermaLink="false">s1</guid></item>`,
		`<item><title>data</title><link>data:text/html,hi</link><guid isPermaLink="false">d1</guid></item>`,
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Sources = []config.Source{{ID: "f", URL: srv.URL, Interval: config.Duration(time.Hour)}}
	w := runWorker(t, js, cfg)

	require.Eventually(t, func() bool { return rawCount(t, js, "f") == 4 }, 90*time.Second, 20*time.Millisecond, "every item is published")
	require.Eventually(t, func() bool { return !feedState(t, js, "f").LastSuccess.IsZero() }, 10*time.Second, 20*time.Millisecond)
	assert.Zero(t, feedState(t, js, "f").Failures)
	urls := map[string]string{}
	for _, a := range rawArticles(t, js, "f") {
		urls[a.Title[:min(6, len(a.Title))]] = a.URL
		assert.LessOrEqual(t, len(a.Title), 4<<10)
	}
	assert.Equal(t, "https://e.org/huge", urls["Maduro"])
	assert.Empty(t, urls["script"], "javascript: is not an article URL")
	assert.Empty(t, urls["data"], "data: is not an article URL")
	assert.Equal(t, uint64(1), w.metrics.Counter(`mediawatch_feed_truncated_fields_total{feed="f"}`).Load())
	assert.Equal(t, uint64(2), w.metrics.Counter(`mediawatch_feed_dropped_links_total{feed="f"}`).Load())
}

// A feed slower than its interval is fetched once at a time: tickets that
// come while a fetch holds it are skipped, its failure is recorded, and a
// Retry-After is capped.
func TestOneFetchPerFeedAtATime(t *testing.T) {
	t.Parallel()
	var inFlight, most, fetches atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if fetches.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.Header().Set("Retry-After", "999999999")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Poller.Timeout = config.Duration(30 * time.Second)
	cfg.Sources = []config.Source{{ID: "slow", URL: srv.URL, Interval: config.Duration(10 * time.Second)}}
	runWorker(t, js, cfg)

	// More tickets for the feed while its first fetch hangs, as later slots
	// of a slow feed bring them.
	require.Eventually(t, func() bool { return fetches.Load() == 1 }, 15*time.Second, 10*time.Millisecond)
	for i := range 5 {
		_, err := js.Publish(context.Background(), "polls.slow", pipeline.Encode(Ticket{Feed: "slow", Due: time.Now().Add(time.Duration(i) * time.Millisecond)}))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		c, err := js.Consumer(context.Background(), pipeline.StreamPolls, Stage)
		require.NoError(t, err)
		info, err := c.Info(context.Background())
		require.NoError(t, err)
		return info.NumPending == 0 && info.NumAckPending == 1 // the hanging one
	}, 15*time.Second, 10*time.Millisecond, "the other tickets are handled at once")
	assert.Equal(t, int64(1), fetches.Load(), "no second fetch while the first holds the feed")
	close(release)

	require.Eventually(t, func() bool { return feedState(t, js, "slow").Failures == 1 }, 15*time.Second, 10*time.Millisecond, "the failure is recorded")
	st := feedState(t, js, "slow")
	assert.Contains(t, st.LastError, "503")
	assert.True(t, st.Until.IsZero(), "the fetch let go of the feed")
	assert.WithinDuration(t, time.Now().Add(6*time.Hour), st.NotBefore, time.Minute, "Retry-After capped at poller.max_retry_after")
	assert.Equal(t, int64(1), most.Load())
}

// A deeply nested JSON Feed is refused for its depth, and costs no more than
// a normal fetch; the healthy feed beside it is fetched.
func TestDeepJSONFeedIsRefused(t *testing.T) {
	t.Parallel()
	deep := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[` + strings.Repeat("[", 400_000) + `]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/deep.json" {
			w.Header().Set("Content-Type", "application/feed+json")
			fmt.Fprint(w, deep)
			return
		}
		fmt.Fprint(w, rssItems(`<item><title>a</title><link>https://e.org/a</link></item>`))
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Sources = []config.Source{
		{ID: "deep", URL: srv.URL + "/deep.json", Interval: config.Duration(time.Hour)},
		{ID: "good", URL: srv.URL + "/good.xml", Interval: config.Duration(time.Hour)},
	}
	runWorker(t, js, cfg)
	require.Eventually(t, func() bool { return feedState(t, js, "deep").Failures == 1 }, 15*time.Second, 10*time.Millisecond)
	assert.Contains(t, feedState(t, js, "deep").LastError, "nested too deeply")
	require.Eventually(t, func() bool { return rawCount(t, js, "good") == 1 }, 15*time.Second, 10*time.Millisecond)
}

// A feed compressed twice gets poller.max_body_size after its second layer
// too: the fetcher undoes the first under the cap, and the parser must not
// undo the second under a larger one.
func TestTwiceCompressedFeedIsCapped(t *testing.T) {
	t.Parallel()
	big := rssItems(strings.Repeat(`<item><title>a</title><link>https://e.org/a</link><description>`+strings.Repeat("x", 1000)+`</description></item>`, 2000))
	twice := gzipBytes(t, gzipBytes(t, []byte(big)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/twice.xml" {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(twice)
			return
		}
		fmt.Fprint(w, rssItems(`<item><title>a</title><link>https://e.org/a</link></item>`))
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Poller.MaxBodySize = 1 << 20
	require.Greater(t, len(big), 1<<20)
	cfg.Sources = []config.Source{
		{ID: "twice", URL: srv.URL + "/twice.xml", Interval: config.Duration(time.Hour)},
		{ID: "good", URL: srv.URL + "/good.xml", Interval: config.Duration(time.Hour)},
	}
	runWorker(t, js, cfg)
	require.Eventually(t, func() bool { return feedState(t, js, "twice").Failures == 1 }, 15*time.Second, 10*time.Millisecond)
	assert.Contains(t, feedState(t, js, "twice").LastError, "more than 1048576 bytes")
	assert.Zero(t, rawCount(t, js, "twice"))
	require.Eventually(t, func() bool { return rawCount(t, js, "good") == 1 }, 15*time.Second, 10*time.Millisecond)
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// A feed of 100,000 items publishes poller.max_items of them, and says how
// many it left out.
func TestItemsPerFetchAreCapped(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, `<item><link>https://e.org/%d</link></item>`, i)
	}
	body := rssItems(b.String())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) }))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Poller.MaxItems = 300
	cfg.Sources = []config.Source{{ID: "big", URL: srv.URL, Interval: config.Duration(time.Hour)}}
	w := runWorker(t, js, cfg)
	require.Eventually(t, func() bool { return !feedState(t, js, "big").LastSuccess.IsZero() }, 90*time.Second, 20*time.Millisecond)
	assert.Equal(t, uint64(300), rawCount(t, js, "big"))
	assert.Equal(t, 300, feedState(t, js, "big").Articles)
	assert.Equal(t, uint64(100_000-300), w.metrics.Counter(`mediawatch_feed_dropped_items_total{feed="big"}`).Load())
}

// A ticket whose feed is not an id is dead-lettered at once, never retried.
func TestHostileTicketIsDeadLettered(t *testing.T) {
	t.Parallel()
	nc, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	dlq := make(chan string, 4)
	sub, err := nc.Subscribe("dlq.poller", func(m *nats.Msg) { dlq <- m.Header.Get(pipeline.HeaderError) })
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	runWorker(t, js, config.Default())
	for _, feed := range []string{strings.Repeat("i", 5000), "bad id*>", "a.b", ">"} {
		_, err := js.Publish(context.Background(), "polls.x", pipeline.Encode(Ticket{Feed: feed, Due: time.Now()}))
		require.NoError(t, err)
		select {
		case reason := <-dlq:
			assert.Contains(t, reason, "must be lower-case letters")
			assert.Less(t, len(reason), 300, "a hostile value is quoted short")
		case <-time.After(10 * time.Second):
			t.Fatalf("ticket for %.20q not dead-lettered", feed)
		}
	}
}

// runWorker runs a poller with cfg until the test ends.
func runWorker(t *testing.T, js jetstream.JetStream, cfg *config.Config) *Worker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := New(ctx, ConfigFrom(cfg), pipeline.Deps{JS: js, Metrics: pipeline.NewMetrics()}, zaptest.NewLogger(t))
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, w.Run(ctx)) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return w
}
