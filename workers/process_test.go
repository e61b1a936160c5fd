package workers

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// recorder is a worker that remembers the configurations it was given.
type recorder struct {
	mu   sync.Mutex
	cfgs []*config.Config
}

func (r *recorder) Run(context.Context) error { return nil }

func (r *recorder) Reload(cfg *config.Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfgs = append(r.cfgs, cfg)
	return nil
}

func TestReloaderKeepsExtraSources(t *testing.T) {
	rec := &recorder{}
	extra := []config.Source{{ID: "demo-x", URL: "http://127.0.0.1/x.xml"}}
	cfg := config.Default()
	cfg.Sources = []config.Source{{ID: "a", URL: "https://e.org/a.xml"}}
	Reloader(extra, false, zaptest.NewLogger(t))([]Worker{rec, rec}, cfg)
	require.Len(t, rec.cfgs, 2, "every worker gets the configuration")
	c := rec.cfgs[0]
	assert.Equal(t, []string{"a", "demo-x"}, sourceIDs(c), "extra sources survive a reload")
}

// The demo without --with-feeds polls its own feeds alone, after a reload
// as at start.
func TestReloaderOnlyExtraSources(t *testing.T) {
	rec := &recorder{}
	extra := []config.Source{{ID: "demo-x", URL: "http://127.0.0.1/x.xml"}}
	cfg := config.Default()
	cfg.Sources = []config.Source{{ID: "a", URL: "https://e.org/a.xml"}}
	Reloader(extra, true, zaptest.NewLogger(t))([]Worker{rec}, cfg)
	require.Len(t, rec.cfgs, 1)
	assert.Equal(t, []string{"demo-x"}, sourceIDs(rec.cfgs[0]), "the config's own feeds stay out")
}

func sourceIDs(c *config.Config) []string {
	var ids []string
	for _, s := range c.Sources {
		ids = append(ids, s.ID)
	}
	return ids
}

// A stage that cannot start (here the notifier, a sink's secret unset)
// makes Run return its error at once: the health endpoint and the config
// watcher stop with it, rather than keep the process up, unready, until
// it is signalled.
func TestProcessReturnsWhenAStageCannotStart(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.Server(t)
	notifier, err := Lookup("notifier")
	require.NoError(t, err)
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Sinks = []config.Sink{{ID: "ops-hook", Type: config.SinkWebhook, URL: "https://hooks.example.org/x", SecretEnv: "MW_PROCESS_TEST_UNSET_SECRET"}}
	log := zaptest.NewLogger(t)
	p := &Process{Stages: []Stage{notifier}, Config: cfg, Log: log, Env: func(string) string { return "" },
		Dial: dialer(srv.ClientURL(), log)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case err := <-done:
		require.ErrorContains(t, err, "sink ops-hook: environment variable MW_PROCESS_TEST_UNSET_SECRET (secret_env) is not set")
	case <-time.After(time.Minute):
		t.Fatal("Run did not return although its stage could not start")
	}
}

// Stopped while it is still setting up the streams (here on a server
// without JetStream, where that never succeeds), Run returns nil: a stop is
// not a failure.
func TestProcessStoppedWhileStartingIsNoFailure(t *testing.T) {
	t.Parallel()
	opts := natstest.DefaultTestOptions
	opts.Port = -1
	opts.NoLog = true
	srv := natstest.RunServer(&opts) // JetStream off
	t.Cleanup(srv.Shutdown)
	dedup, err := Lookup("dedup")
	require.NoError(t, err)
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:0"
	log := zaptest.NewLogger(t)
	p := &Process{Stages: []Stage{dedup}, Config: cfg, Log: log,
		Dial: dialer(srv.ClientURL(), log)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	require.Eventually(t, func() bool { return p.conn.Load() != nil }, 10*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after its context ended")
	}
}

// A stage whose stream goes (an operator deletes it) cannot read: the
// process says it is not ready, naming the stage, until the stream is back.
func TestProcessNotReadyWithoutAStream(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	dedup, err := Lookup("dedup")
	require.NoError(t, err)
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:0"
	log := zaptest.NewLogger(t)
	p := &Process{Stages: []Stage{dedup}, Config: cfg, Log: log,
		Dial: dialer(srv.ClientURL(), log)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool { return p.Ready() == nil }, 15*time.Second, 10*time.Millisecond)

	require.NoError(t, js.DeleteStream(context.Background(), pipeline.StreamRaw))
	require.Eventually(t, func() bool {
		err := p.Ready()
		return err != nil && strings.Contains(err.Error(), "dedup")
	}, 30*time.Second, 20*time.Millisecond, "not ready, naming the stage")

	pipelinetest.Topology(t, js) // the stream is back
	require.Eventually(t, func() bool { return p.Ready() == nil }, 60*time.Second, 20*time.Millisecond, "ready again: %v", p.Ready())
}

// A connection the server closes for good (here after a subject over its
// control-line limit, the failure a hostile id used to cause) is dialled
// again, the stages are rebuilt on the new one, and readiness says so
// throughout.
func TestProcessReestablishesAClosedConnection(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	dedup, err := Lookup("dedup")
	require.NoError(t, err)
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:0"
	log := zaptest.NewLogger(t)

	var mu sync.Mutex
	var conns []*nats.Conn
	p := &Process{Stages: []Stage{dedup}, Config: cfg, Log: log,
		Dial: func(ctx context.Context, closed func(error)) (*nats.Conn, error) {
			nc, err := pipeline.Connect(ctx, srv.ClientURL(), "test", pipeline.Auth{}, log, closed)
			if err == nil {
				mu.Lock()
				conns = append(conns, nc)
				mu.Unlock()
			}
			return nc, err
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("the process did not stop")
		}
	})
	require.Error(t, p.Ready(), "not ready before it runs")
	require.Eventually(t, func() bool { return p.Ready() == nil }, 15*time.Second, 10*time.Millisecond)

	articles := func() uint64 {
		s, err := js.Stream(context.Background(), pipeline.StreamArticles)
		require.NoError(t, err)
		info, err := s.Info(context.Background())
		require.NoError(t, err)
		return info.State.Msgs
	}
	publish := func(name string) {
		a := pipeline.Article{Schema: 1, ID: pipelinetest.ID(name), Feed: "f", URL: "https://e.org/" + name, Title: name}
		_, err := js.Publish(context.Background(), "articles.raw.f", pipeline.Encode(a))
		require.NoError(t, err)
	}
	publish("first")
	require.Eventually(t, func() bool { return articles() == 1 }, 15*time.Second, 10*time.Millisecond)

	mu.Lock()
	first := conns[0]
	mu.Unlock()
	require.NoError(t, first.Publish(strings.Repeat("x", 5000), nil))
	require.Eventually(t, first.IsClosed, 10*time.Second, 10*time.Millisecond, "the server closes the connection for good")
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(conns) == 2 && p.Ready() == nil
	}, 30*time.Second, 10*time.Millisecond, "a new connection, and the stages running on it")

	publish("second")
	require.Eventually(t, func() bool { return articles() == 2 }, 15*time.Second, 10*time.Millisecond)
}

func TestProcessRefusesATakenHTTPPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	cfg := config.Default()
	cfg.HTTP.Listen = ln.Addr().String()
	dialled := false
	p := &Process{Config: cfg, Log: zaptest.NewLogger(t), Dial: func(context.Context, func(error)) (*nats.Conn, error) {
		dialled = true
		return nil, errors.New("not reached")
	}}
	err = p.Run(context.Background())
	require.ErrorContains(t, err, "listen for http on "+ln.Addr().String())
	assert.False(t, dialled, "refused before anything else starts")
}

// The streams' limits of the config reach the server.
func TestTopologyAppliesStreamLimits(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	cfg, err := config.Parse("x.yaml", []byte("streams: {raw: {max_age: 2h, max_bytes: 5MB}}\n"), func(string) string { return "" })
	require.NoError(t, err)
	require.NoError(t, Topology(cfg).Create(context.Background(), js))
	for name, want := range map[string]jetstream.StreamConfig{
		pipeline.StreamRaw:    {MaxAge: 2 * time.Hour, MaxBytes: 5_000_000},
		pipeline.StreamTagged: {MaxAge: 30 * 24 * time.Hour, MaxBytes: 8_000_000_000},
	} {
		s, err := js.Stream(context.Background(), name)
		require.NoError(t, err)
		info, err := s.Info(context.Background())
		require.NoError(t, err)
		assert.Equal(t, want.MaxAge, info.Config.MaxAge, name)
		assert.Equal(t, want.MaxBytes, info.Config.MaxBytes, name)
	}
}

// dialer connects a test process to the server at url.
func dialer(url string, log *zap.Logger) func(context.Context, func(error)) (*nats.Conn, error) {
	return func(ctx context.Context, closed func(error)) (*nats.Conn, error) {
		return pipeline.Connect(ctx, url, "test", pipeline.Auth{}, log, closed)
	}
}
