package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/reader"
)

// startWorker runs a poller for sources against a fresh server.
func startWorker(t *testing.T, js jetstream.JetStream, sources []config.Source) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Poller.Timeout = config.Duration(time.Second)
	cfg.Sources = sources
	w, err := New(ctx, ConfigFrom(cfg), pipeline.Deps{JS: js}, zaptest.NewLogger(t))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("poller did not stop")
		}
	})
}

func rawCount(t *testing.T, js jetstream.JetStream, feed string) uint64 {
	s, err := js.Stream(context.Background(), pipeline.StreamRaw)
	require.NoError(t, err)
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter("articles.raw."+feed))
	require.NoError(t, err)
	return info.State.Subjects["articles.raw."+feed]
}

func feedState(t *testing.T, js jetstream.JetStream, feed string) feeds.State {
	kv, err := js.KeyValue(context.Background(), pipeline.BucketFeedState)
	require.NoError(t, err)
	e, err := kv.Get(context.Background(), feed)
	if err != nil {
		return feeds.State{}
	}
	var s feeds.State
	require.NoError(t, json.Unmarshal(e.Value(), &s))
	return s
}

func TestBrokenFeedsDoNotStopOthers(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("../../../shared/testdata/feeds/news/fastfeedparser/washingtonpost-world.xml")
	if err != nil {
		t.Skip("shared testdata not found")
	}
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/good.xml":
			w.Header().Set("ETag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			_, _ = w.Write(good)
		case "/500.xml":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/garbage.xml":
			_, _ = w.Write([]byte("<html><body>Not found</body></html>"))
		case "/slow.xml":
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)

	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	every := config.Duration(time.Hour)
	startWorker(t, js, []config.Source{
		{ID: "slow", URL: srv.URL + "/slow.xml", Interval: every},
		{ID: "err", URL: srv.URL + "/500.xml", Interval: every},
		{ID: "garbage", URL: srv.URL + "/garbage.xml", Interval: every},
		{ID: "good", URL: srv.URL + "/good.xml", Interval: every, Lang: "EN"},
	})

	require.Eventually(t, func() bool { return rawCount(t, js, "good") == 9 }, 15*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		return feedState(t, js, "err").Failures == 1 && feedState(t, js, "garbage").Failures == 1 && feedState(t, js, "slow").Failures == 1
	}, 15*time.Second, 20*time.Millisecond)
	assert.Contains(t, feedState(t, js, "err").LastError, "500")
	assert.Contains(t, feedState(t, js, "garbage").LastError, "not a feed")
	st := feedState(t, js, "good")
	assert.Equal(t, `"v1"`, st.ETag)
	assert.Equal(t, 9, st.Articles)
	assert.Zero(t, st.Failures)

	// The articles carry the source's language and a stable id.
	s, err := js.Stream(context.Background(), pipeline.StreamRaw)
	require.NoError(t, err)
	m, err := s.GetLastMsgForSubject(context.Background(), "articles.raw.good")
	require.NoError(t, err)
	var a pipeline.Article
	require.NoError(t, json.Unmarshal(m.Data, &a))
	assert.Equal(t, "en", a.Lang)
	assert.Equal(t, "good", a.Feed)
	canon, err := reader.CanonicalURL(a.URL)
	require.NoError(t, err)
	assert.Equal(t, reader.ArticleID("good", canon, ""), a.ID)
	assert.Equal(t, "poller:"+a.ID, m.Header.Get(jetstream.MsgIDHeader))
}

// Several pollers starting together fetch each feed once per boot round,
// not once each... at most once per poller, and publish each article once.
func TestPollersShareTickets(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("../../../shared/testdata/feeds/news/fastfeedparser/washingtonpost-world.xml")
	if err != nil {
		t.Skip("shared testdata not found")
	}
	var mu sync.Mutex
	fetches := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		fetches++
		mu.Unlock()
		_, _ = w.Write(good)
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	src := []config.Source{{ID: "wp", URL: srv.URL, Interval: config.Duration(time.Hour)}}
	for range 3 {
		startWorker(t, js, src)
	}
	require.Eventually(t, func() bool { return rawCount(t, js, "wp") == 9 }, 15*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		c, err := js.Consumer(context.Background(), pipeline.StreamPolls, Stage)
		require.NoError(t, err)
		info, err := c.Info(context.Background())
		require.NoError(t, err)
		return info.NumPending == 0 && info.NumAckPending == 0
	}, 15*time.Second, 20*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, fetches, 3, "each boot ticket is fetched at most once")
	assert.Equal(t, uint64(9), rawCount(t, js, "wp"), "articles are stored once")
}

// A ticket redelivered after its poller died mid-fetch fetches again;
// another ticket of the same slot does not.
func TestRedeliveredTicketFetchesAgain(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	fetches := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		fetches++
		mu.Unlock()
		_, _ = w.Write([]byte(`<rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://e.org/a</link></item></channel></rss>`))
	}))
	t.Cleanup(srv.Close)
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Sources = []config.Source{{ID: "f", URL: srv.URL, Interval: config.Duration(time.Hour)}}
	w, err := New(ctx, ConfigFrom(cfg), pipeline.Deps{JS: js}, zaptest.NewLogger(t))
	require.NoError(t, err)

	due := time.Now().Add(-time.Minute)
	// Ticket 7 claimed the feed, then its poller died before finishing.
	_, ok, err := w.state.Put(ctx, "f", feeds.State{LastAttempt: time.Now(), Ticket: 7}, 0)
	require.NoError(t, err)
	require.True(t, ok)
	ticket := pipeline.Encode(Ticket{Feed: "f", Due: due})

	res, err := w.handle(ctx, pipeline.Message{Data: ticket, StreamSeq: 8, Delivered: 1})
	require.NoError(t, err)
	pipelinetest.Deliver(t, js, res)
	assert.Equal(t, 0, fetches, "another ticket of the slot is skipped")

	res, err = w.handle(ctx, pipeline.Message{Data: ticket, StreamSeq: 7, Delivered: 2})
	require.NoError(t, err)
	pipelinetest.Deliver(t, js, res)
	assert.Equal(t, 1, fetches, "the redelivered ticket fetches")
	assert.Equal(t, uint64(1), rawCount(t, js, "f"))
	assert.False(t, feedState(t, js, "f").LastSuccess.IsZero())
}

func TestContract(t *testing.T) {
	t.Parallel()
	// Feed i serves one item of its own.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, `<rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://e.org%s</link></item></channel></rss>`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	const feedsServed = 64
	var sources []config.Source
	for i := range feedsServed {
		sources = append(sources, config.Source{ID: fmt.Sprintf("f%d", i), URL: fmt.Sprintf("%s/%d", srv.URL, i), Interval: config.Duration(time.Hour)})
	}
	pipelinetest.RunContract(t, pipelinetest.Contract{
		Spec: Spec(),
		Handler: func(t *testing.T, js jetstream.JetStream) pipeline.Handler {
			cfg := config.Default()
			cfg.Sources = sources
			w, err := New(context.Background(), ConfigFrom(cfg), pipeline.Deps{JS: js}, zaptest.NewLogger(t))
			require.NoError(t, err)
			return w.handle
		},
		Input: func(t *testing.T, i int) (string, []byte) {
			require.Less(t, i, feedsServed)
			feed := fmt.Sprintf("f%d", i)
			return "polls." + feed, pipeline.Encode(Ticket{Feed: feed, Due: time.Now()})
		},
		Outputs:       1,
		OutputStreams: []string{pipeline.StreamRaw},
		Poison:        func(*testing.T) (string, []byte) { return "polls.f0", []byte("not json") },
	})
}

func TestArticles(t *testing.T) {
	t.Parallel()
	fetched := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	items := []reader.Item{{ID: "a", Feed: "f", URL: "https://e.org/a", Title: "T", Lang: "en", LangConf: 1, Fetched: fetched}}
	got := articles(items, "")
	require.Len(t, got, 1)
	assert.Equal(t, pipeline.ArticleSchema, got[0].Schema)
	assert.Equal(t, pipeline.Article{Schema: pipeline.ArticleSchema, ID: "a", Feed: "f", URL: "https://e.org/a", Title: "T", Lang: "en", LangConf: 1, Fetched: fetched}, got[0])
	assert.Equal(t, "pt", articles(items, "pt")[0].Lang, "the source's language overrides the feed's")
}
