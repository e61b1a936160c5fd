package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers"
)

// binary is the mediawatch command built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mediawatch-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "mediawatch")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build mediawatch: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// feedServer serves testdata feeds plus broken ones, counting fetches.
type feedServer struct {
	*httptest.Server
	mu      sync.Mutex
	fetches map[string]int
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{fetches: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/feeds/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		fs.mu.Lock()
		fs.fetches[name]++
		fs.mu.Unlock()
		switch name {
		case "error.xml":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "garbage.xml":
			_, _ = w.Write([]byte("\x00\x01 this is not a feed <<<"))
		case "slow.xml":
			<-r.Context().Done() // hangs until the poller gives up
		default:
			http.ServeFile(w, r, filepath.Join("testdata", name))
		}
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) count(name string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.fetches[name]
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

const e2eConfig = `nats:
  embedded: {listen: "%s", store_dir: "%s"}
http: {listen: "127.0.0.1:0"}
poller: {timeout: 2s}
sources:
  - {id: seed-de, url: "%[3]s/feeds/de-seed.xml", interval: 10m}
  - {id: world, url: "%[3]s/feeds/world.xml", interval: 10m}
  - {id: broken, url: "%[3]s/feeds/error.xml", interval: 10m}
  - {id: garbage, url: "%[3]s/feeds/garbage.xml", interval: 10m}
  - {id: slow, url: "%[3]s/feeds/slow.xml", interval: 10m}
entities:
  - id: venezuela
    kind: place
    country: VE
    names:
      en: [Venezuelan*]
      de: [Venezuela*, venezolanisch*]
      es: [venezolan*]
  - id: caribbean
    kind: place
    names:
      en: [Caribbean]
      de: [Karibik*]
      es: [Caribe]
      fr: [Caraïbes]
      tr: [Karayipler]
  - id: maduro
    kind: person
    names:
      any: ["Nicolás Maduro", Maduro]
      ru: [Мадуро]
rules:
  - {id: venezuela, query: 'entity:venezuela OR entity:caribbean'}
  - {id: maduro, query: 'entity:maduro'}
`

// process is a running mediawatch command.
type process struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	log    *syncWriter // stderr, written while the process runs
	done   chan error
}

// logs is what the process has written on stderr so far.
func (p *process) logs() string {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	return p.stderr.String()
}

func startRun(t *testing.T, cfgPath string) *process {
	cmd := exec.Command(binary, "run", "--config", cfgPath, "--quiet")
	cmd.Env = append(os.Environ(), "MEDIAWATCH_NATS_URL=", "MEDIAWATCH_LOG_FORMAT=console") // the test's config decides; its log assertions read the console format
	p := &process{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	p.log = &syncWriter{w: p.stderr}
	cmd.Stderr = p.log
	require.NoError(t, cmd.Start())
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("mediawatch stderr:\n%s", p.logs())
		}
	})
	return p
}

// stop sends SIGTERM and requires a clean exit within 10 s.
func (p *process) stop(t *testing.T) {
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "mediawatch exits 0 on SIGTERM")
	case <-time.After(10 * time.Second):
		t.Fatal("mediawatch did not exit within 10s of SIGTERM")
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func connectWhenUp(t *testing.T, url string) *nats.Conn {
	var nc *nats.Conn
	require.Eventually(t, func() bool {
		var err error
		nc, err = nats.Connect(url)
		return err == nil
	}, 30*time.Second, 50*time.Millisecond, "the embedded server comes up")
	t.Cleanup(nc.Close)
	return nc
}

// idle reports whether every stage has handled everything in its stream.
func idle(t *testing.T, js jetstream.JetStream) bool {
	for _, c := range workers.Specs() {
		cons, err := js.Consumer(context.Background(), c.Stream, c.Stage)
		if err != nil {
			return false
		}
		info, err := cons.Info(context.Background())
		if err != nil || info.NumPending > 0 || info.NumAckPending > 0 {
			return false
		}
	}
	return true
}

type alertKey struct{ rule, url string }

func TestEndToEnd(t *testing.T) {
	feeds := newFeedServer(t)
	dir := t.TempDir()
	listen := freePort(t)
	cfgPath := filepath.Join(dir, "mediawatch.yaml")
	require.NoError(t, os.WriteFile(cfgPath, fmt.Appendf(nil, e2eConfig, listen, filepath.Join(dir, "nats"), feeds.URL), 0o644))

	p := startRun(t, cfgPath)
	nc := connectWhenUp(t, "nats://"+listen)
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	var mu sync.Mutex
	alerts := map[alertKey]int{}
	entities := map[alertKey][]string{}
	var total atomic.Int64
	_, err = nc.Subscribe("alerts.>", func(m *nats.Msg) {
		var a pipeline.Alert
		if !assert.NoError(t, json.Unmarshal(m.Data, &a)) {
			return
		}
		assert.Equal(t, "alerts."+a.Rule, m.Subject)
		assert.NotEmpty(t, a.Matches, "an alert says what matched")
		assert.Empty(t, a.Article.Content, "alerts carry the article without content")
		k := alertKey{a.Rule, a.Article.URL}
		mu.Lock()
		alerts[k]++
		entities[k] = a.Entities
		mu.Unlock()
		total.Add(1)
	})
	require.NoError(t, err)
	mentions := make(chan *nats.Msg, 100)
	_, err = nc.ChanSubscribe("mentions.venezuela", mentions)
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	base := "https://e2e.mediawatch.invalid/"
	want := map[alertKey][]string{
		{"venezuela", "https://demo.mediawatch.invalid/de/putin-maduro-telefonat"}: {"caribbean", "maduro", "venezuela"},
		{"maduro", "https://demo.mediawatch.invalid/de/putin-maduro-telefonat"}:    {"caribbean", "maduro", "venezuela"},
		{"venezuela", base + "en/caribbean-warships"}:                              {"caribbean"},
		{"venezuela", base + "en/venezuela-talks"}:                                 {"venezuela"},
		{"venezuela", base + "es/sanciones"}:                                       {"venezuela"},
		{"venezuela", base + "fr/tempete"}:                                         {"caribbean"},
		{"venezuela", base + "pt/crise"}:                                           {"venezuela"},
		{"venezuela", base + "ru/putin-maduro"}:                                    {"maduro", "venezuela"},
		{"maduro", base + "ru/putin-maduro"}:                                       {"maduro", "venezuela"},
		{"venezuela", base + "zh/speech"}:                                          {"venezuela"},
		{"venezuela", base + "tr/firtina"}:                                         {"caribbean", "venezuela"},
		{"venezuela", base + "ar/visit"}:                                           {"venezuela"},
	}
	require.Eventually(t, func() bool { return total.Load() >= int64(len(want)) && idle(t, js) },
		60*time.Second, 100*time.Millisecond, "alerts arrive and the pipeline drains")
	require.NoError(t, nc.Flush())

	mu.Lock()
	for k, ids := range want {
		assert.Equal(t, 1, alerts[k], "exactly one alert for %v", k)
		got := append([]string(nil), entities[k]...)
		sort.Strings(got)
		assert.Equal(t, ids, got, "entity ids of %v", k)
	}
	for k := range alerts {
		_, ok := want[k]
		assert.True(t, ok, "unexpected alert %v (hard negatives such as Venedig, Venice, Karibu, caribou must not fire)", k)
	}
	mu.Unlock()

	// mentions.venezuela carries the articles that mention it.
	seenMention := map[string]bool{}
	for len(mentions) > 0 {
		var m pipeline.Mention
		require.NoError(t, json.Unmarshal((<-mentions).Data, &m))
		assert.Equal(t, "venezuela", m.Entity)
		assert.NotEmpty(t, m.Surfaces)
		seenMention[m.URL] = true
	}
	assert.True(t, seenMention[base+"zh/speech"], "mentions.venezuela carries the Chinese article")
	assert.True(t, seenMention[base+"ru/putin-maduro"], "mentions.venezuela carries the Russian article")

	// Broken feeds were tried and did not stop the others.
	for _, name := range []string{"error.xml", "garbage.xml", "slow.xml"} {
		assert.GreaterOrEqual(t, feeds.count(name), 1, "%s was fetched", name)
	}

	// Restart on the same store: every feed is polled again, no new alert.
	storedBefore := alertsStored(t, js)
	p.stop(t)
	before := map[string]int{}
	for _, name := range []string{"de-seed.xml", "world.xml"} {
		before[name] = feeds.count(name)
	}
	countBefore := total.Load()
	startRun(t, cfgPath)
	require.Eventually(t, func() bool {
		return feeds.count("de-seed.xml") > before["de-seed.xml"] && feeds.count("world.xml") > before["world.xml"]
	}, 30*time.Second, 50*time.Millisecond, "the restarted run polls every feed again")
	require.Eventually(t, func() bool { return nc.IsConnected() && idle(t, js) }, 30*time.Second, 100*time.Millisecond)
	require.NoError(t, nc.Flush())
	assert.Equal(t, countBefore, total.Load(), "a restart publishes no new alert")
	assert.Equal(t, storedBefore, alertsStored(t, js), "the ALERTS stream holds no new alert")
	assert.True(t, strings.Contains(p.logs(), "fetch feed failed"), "feed failures are logged")
}

func alertsStored(t *testing.T, js jetstream.JetStream) uint64 {
	var n uint64
	require.Eventually(t, func() bool {
		s, err := js.Stream(context.Background(), pipeline.StreamAlerts)
		if err != nil {
			return false
		}
		info, err := s.Info(context.Background())
		if err != nil {
			return false
		}
		n = info.State.Msgs
		return true
	}, 30*time.Second, 50*time.Millisecond)
	return n
}

// The README's first command: run --demo with the shipped config prints
// alerts from the bundled feeds, with no internet needed.
func TestDemoShowsAlerts(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "run", "--demo", "--config", "../../config/mediawatch.yaml")
	cmd.Env = append(os.Environ(),
		"MEDIAWATCH_NATS_URL=",
		"MEDIAWATCH_NATS_EMBEDDED_LISTEN="+freePort(t),
		"MEDIAWATCH_NATS_EMBEDDED_STORE_DIR="+filepath.Join(dir, "nats"),
		"MEDIAWATCH_HTTP_LISTEN=127.0.0.1:0",
	)
	stdout, stderr := &syncWriter{w: &bytes.Buffer{}}, &syncWriter{w: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	read := func(s *syncWriter) string { s.mu.Lock(); defer s.mu.Unlock(); return s.w.String() }
	require.Eventually(t, func() bool {
		return strings.Contains(read(stdout), "ALERT [venezuela] Putin sichert Maduro Unterstützung zu")
	}, 60*time.Second, 100*time.Millisecond, "stderr:\n%s", read(stderr))
	assert.Contains(t, read(stdout), `matched entity:venezuela: "venezolanischen"`)
	assert.NotContains(t, read(stdout), "Venedig", "the hard negative does not fire")
	// The demo polls the bundled feeds alone: none of the config's real
	// feeds (offline, each would log a DNS failure).
	for _, real := range []string{"bbc-world", "tagesschau", "bbc-zhongwen"} {
		assert.NotContains(t, read(stderr), real)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	select {
	case err := <-done:
		require.NoError(t, err, "Ctrl-C exits 0")
	case <-time.After(10 * time.Second):
		t.Fatal("run --demo did not exit within 10s of Ctrl-C")
	}
}

// SIGHUP asks for a reload: without a config file there is nothing to
// reload, and the process goes on (it ended, as SIGHUP does by default).
func TestSIGHUPWithoutAConfigFile(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "run", "--quiet")
	cmd.Dir = dir // no config/mediawatch.yaml here
	addr := freePort(t)
	cmd.Env = append(os.Environ(),
		"MEDIAWATCH_CONFIG=",
		"MEDIAWATCH_NATS_URL=",
		"MEDIAWATCH_NATS_EMBEDDED_LISTEN="+freePort(t),
		"MEDIAWATCH_NATS_EMBEDDED_STORE_DIR="+filepath.Join(dir, "nats"),
		"MEDIAWATCH_HTTP_LISTEN="+addr,
	)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ready := func() bool {
		resp, err := httpGet("http://" + addr + "/readyz")
		return err == nil && resp == 200
	}
	require.Eventually(t, ready, 60*time.Second, 100*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	time.Sleep(500 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("SIGHUP ended the process: %v", err)
	default:
	}
	assert.True(t, ready(), "still ready after SIGHUP")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("no exit within 15s of SIGTERM")
	}
}

func httpGet(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
