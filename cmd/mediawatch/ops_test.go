package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/demo"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/workers"
)

// secured is a server requiring TLS and a user with a password, with the
// pipeline's topology on it; cfg is a config file that names its CA and
// user (the password comes from the environment, env).
func secured(t *testing.T) (srv string, cfg string, env map[string]string, js jetstream.JetStream, nc *nats.Conn) {
	t.Helper()
	s, creds := pipelinetest.SecureServer(t, pipelinetest.Secure{User: "ops", Password: "pw-in-env"})
	nc, err := nats.Connect(s.ClientURL(), nats.UserInfo("ops", "pw-in-env"), nats.RootCAs(creds.PKI.CA))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err = jetstream.New(nc)
	require.NoError(t, err)
	pipelinetest.Topology(t, js, workers.Specs()...)
	cfg = filepath.Join(t.TempDir(), "secure.yaml")
	url := strings.Replace(s.ClientURL(), "nats://", "tls://", 1)
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, `nats:
  url: %q
  user: ops
  tls: {ca: %q}
entities:
  - {id: venezuela, country: VE}
rules:
  - {id: venezuela, query: "entity:venezuela"}
`, url, creds.PKI.CA), 0o644))
	return url, cfg, map[string]string{"MEDIAWATCH_NATS_PASSWORD": "pw-in-env"}, js, nc
}

// Every command that talks to NATS connects to a server that requires TLS
// and a password (from MEDIAWATCH_NATS_PASSWORD), and none of the
// read-only ones writes anything: no stream, consumer or bucket created,
// updated or deleted, no key put, and the streams' settings as they were.
func TestReadOnlyCommandsOnASecuredServerWriteNothing(t *testing.T) {
	_, cfg, env, js, nc := secured(t)
	ctx := context.Background()
	// The operator's own limit, which no command may touch.
	alerts, err := js.Stream(ctx, pipeline.StreamAlerts)
	require.NoError(t, err)
	sc := alerts.CachedInfo().Config
	sc.MaxBytes = 7_000_000
	_, err = js.UpdateStream(ctx, sc)
	require.NoError(t, err)
	before := streamConfigs(t, js)

	var mu sync.Mutex
	var writes []string
	sub, err := nc.Subscribe(">", func(m *nats.Msg) {
		parts := strings.Split(m.Subject, ".")
		write := strings.HasPrefix(m.Subject, "$KV.")
		if strings.HasPrefix(m.Subject, "$JS.API.") {
			write = slices.Contains(parts, "UPDATE") || slices.Contains(parts, "PURGE") ||
				(slices.Contains(parts, "STREAM") && slices.Contains(parts, "CREATE")) ||
				(slices.Contains(parts, "DELETE") && !slices.Contains(parts, "CONSUMER")) ||
				slices.Contains(parts, "DURABLE")
		}
		if write {
			mu.Lock()
			writes = append(writes, m.Subject)
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	for _, args := range [][]string{
		{"feeds", "list"}, {"feeds", "export"}, {"status", "--sample", "10ms"}, {"status", "--json", "--sample", "0"},
		{"rules", "test", "entity:venezuela"}, {"rules", "test", "--rule", "venezuela"},
	} {
		out, stderr, err := runCLI(t, env, append(args, "--config", cfg)...)
		require.NoError(t, err, "%v: %s", args, stderr)
		assert.NotContains(t, out+stderr, "pw-in-env")
	}
	// alerts tail follows until it is stopped.
	tctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var out, errb strings.Builder
	require.NoError(t, run(tctx, []string{"alerts", "tail", "--since", "1h", "--config", cfg}, &out, &errb, func(k string) string { return env[k] }))

	require.NoError(t, nc.Flush())
	require.NoError(t, sub.Unsubscribe())
	mu.Lock()
	assert.Empty(t, writes, "read-only commands wrote")
	mu.Unlock()
	assert.Equal(t, before, streamConfigs(t, js), "every stream's settings as they were")
	var durables []string
	for _, s := range []string{pipeline.StreamAlerts, pipeline.StreamTagged} {
		st, err := js.Stream(ctx, s)
		require.NoError(t, err)
		for info := range st.ListConsumers(ctx).Info() {
			if info.Config.Durable != "" { // alerts tail --since reads through an ephemeral, ordered consumer
				durables = append(durables, info.Name)
			}
		}
	}
	slices.Sort(durables)
	assert.Equal(t, []string{"alerter"}, durables, "no durable consumer made")

	// The one that writes, on the same secured server.
	o, _, err := runCLI(t, env, "feeds", "add", "https://e.org/x.xml", "--id", "x", "--config", cfg)
	require.NoError(t, err)
	assert.Contains(t, o, "added x")
}

func streamConfigs(t *testing.T, js jetstream.JetStream) map[string]jetstream.StreamConfig {
	t.Helper()
	out := map[string]jetstream.StreamConfig{}
	l := js.ListStreams(context.Background())
	for info := range l.Info() {
		out[info.Config.Name] = info.Config
	}
	require.NoError(t, l.Err())
	return out
}

// Without the password the secured server refuses, and the command says
// so; feeds on a server where no pipeline ran say what to do.
func TestSecuredServerRefusesWithoutCredentials(t *testing.T) {
	_, cfg, _, _, _ := secured(t)
	_, _, err := runCLI(t, nil, "status", "--config", cfg)
	require.Error(t, err)
	assert.Contains(t, strings.ToLower(err.Error()), "authorization")

	srv := pipelinetest.Server(t)
	_, stderr, err := runCLI(t, nil, "feeds", "list", "--nats", srv.ClientURL())
	require.NoError(t, err)
	assert.Contains(t, stderr, "no feed registry")
	_, _, err = runCLI(t, nil, "feeds", "add", "https://e.org/x.xml", "--id", "x", "--nats", srv.ClientURL())
	require.ErrorContains(t, err, "start mediawatch run or a worker once")
}

// Every command's --help goes to stdout; a usage error's to stderr.
func TestSubcommandHelpOnStdout(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--help"}, {"worker", "--help"}, {"feeds", "--help"}, {"alerts", "-h"}, {"rules", "--help"},
		{"status", "--help"}, {"check", "--help"}, {"bench", "--help"}, {"version", "--help"}, {"healthcheck", "--help"},
	} {
		out, stderr, err := runCLI(t, nil, args...)
		require.NoError(t, err, args)
		assert.Regexp(t, `^Usage:\s+mediawatch `+args[0], out, args)
		assert.Empty(t, stderr, args)
	}
	_, stderr, err := runCLI(t, nil, "check", "--frobnicate")
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, stderr, "Usage: mediawatch check")
}

// A command that takes flags only refuses an argument (exit 2) rather
// than ignore it: `check my.yaml` checked the default config and said ok.
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"check", "my.yaml"}, {"run", "extra"}, {"status", "extra"}, {"healthcheck", "extra"}, {"version", "extra"}, {"bench", "extra"},
	} {
		_, _, err := runCLI(t, nil, args...)
		require.ErrorIs(t, err, errUsage, args)
		assert.Contains(t, err.Error(), args[0]+` takes no arguments, got "`+args[1]+`"`, args)
	}
	_, _, err := runCLI(t, nil, "check", "my.yaml")
	assert.ErrorContains(t, err, "give a config file with --config")
}

// feeds says what is missing or extra, before it connects.
func TestFeedsUsageErrorsSayWhat(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"add"}, "feeds add needs the feed's URL"},
		{[]string{"remove"}, "feeds remove needs the id of the feed"},
		{[]string{"import"}, "feeds import needs an OPML file"},
		{[]string{"bogus"}, `unknown subcommand feeds "bogus": want add, list, remove, import or export`},
		{[]string{"list", "x"}, `feeds list: unexpected "x"`},
		{[]string{"remove", "Bad Id"}, `feeds remove: id "Bad Id": must be lower-case letters`},
	} {
		_, _, err := runCLI(t, nil, append([]string{"feeds"}, tt.args...)...)
		require.ErrorIs(t, err, errUsage, tt.args)
		assert.ErrorContains(t, err, tt.want, tt.args)
	}
}

// On a server where no pipeline has run, or without JetStream, a command
// says what that means besides the server's error.
func TestNATSErrorsGetAHint(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, _, err := runCLI(t, nil, "alerts", "tail", "--since", "1h", "--nats", srv.ClientURL())
	require.Error(t, err)
	var b strings.Builder
	assert.Equal(t, 1, exitCode(err, &b))
	assert.Contains(t, b.String(), "no pipeline has run on this server yet", b.String())

	opts := natstest.DefaultTestOptions
	opts.Port = -1
	opts.NoLog = true
	plain := natstest.RunServer(&opts) // JetStream off
	t.Cleanup(plain.Shutdown)
	_, _, err = runCLI(t, nil, "status", "--nats", plain.ClientURL())
	require.Error(t, err)
	b.Reset()
	assert.Equal(t, 1, exitCode(err, &b))
	assert.Contains(t, b.String(), "start nats-server with -js", b.String())
}

// bench refuses flags that make no sense before it starts a run.
func TestBenchRefusesBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--articles", "-5"}, "--articles -5: must be positive"},
		{[]string{"--articles", "0"}, "--articles 0: must be positive"},
		{[]string{"--rate", "10", "--articles", "100"}, "give one"},
		{[]string{"--duration", "5s"}, "--duration goes with --rate"},
		{[]string{"--rate", "10", "--duration", "0s"}, "--duration 0s: must be positive"},
		{[]string{"--rate", "-1"}, "--rate -1: must be positive"},
		{[]string{"--feeds", "0"}, "--feeds 0: must be positive"},
		{[]string{"--share", "2"}, "--share 2: must be between 0 and 1"},
	} {
		_, _, err := runCLI(t, nil, append([]string{"bench"}, tt.args...)...)
		require.ErrorIs(t, err, errUsage, tt.args)
		assert.ErrorContains(t, err, tt.want, tt.args)
	}
}

func TestVersion(t *testing.T) {
	out, _, err := runCLI(t, nil, "version")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "mediawatch "), out)
	assert.Contains(t, out, "go1.")
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}}}
	assert.Equal(t, "mediawatch v1.2.3, revision abc123-dirty, built from a commit of 2026-12-01T10:00:00Z, go1.26.8", versionLine(bi, true))
	// make build and the images optimise with the committed profile.
	bi.Settings = append(bi.Settings, debug.BuildSetting{Key: "-pgo", Value: "/src/mediawatch/cmd/mediawatch/mediawatch.pgo"})
	assert.Equal(t, "mediawatch v1.2.3, revision abc123-dirty, built from a commit of 2026-12-01T10:00:00Z, go1.26.8, profile-guided by mediawatch.pgo", versionLine(bi, true))
}

// healthcheck exits 0 on a 200 from /readyz, 1 otherwise, with the
// reason.
func TestHealthcheck(t *testing.T) {
	ready := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			http.Error(w, "not ready: not connected to nats", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	}))
	t.Cleanup(srv.Close)
	_, _, err := runCLI(t, nil, "healthcheck", "--url", srv.URL+"/readyz")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "503")
	assert.Contains(t, err.Error(), "not connected to nats")
	assert.Equal(t, 1, exitCode(err, &strings.Builder{}))
	ready.Store(true)
	out, _, err := runCLI(t, nil, "healthcheck", "--url", srv.URL+"/readyz")
	require.NoError(t, err)
	assert.Contains(t, out, "ready")
	// Without --url it asks the config's http.listen, a wildcard on loopback.
	_, _, err = runCLI(t, map[string]string{"MEDIAWATCH_HTTP_LISTEN": "0.0.0.0:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]}, "healthcheck")
	require.NoError(t, err)
}

// check --print shows the effective config, environment merged in, with
// every secret redacted.
func TestCheckPrintRedacts(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`nats:
  url: "nats://bob:url-secret@n1:4222"
  user: bob
sinks:
  - {id: hook, type: webhook, url: "https://e.org/h?key=query-secret", secret_env: HOOK_SECRET, headers: {Authorization: header-secret}}
`), 0o644))
	out, _, err := runCLI(t, map[string]string{"MEDIAWATCH_NATS_PASSWORD": "env-secret", "MEDIAWATCH_LOG_FORMAT": "json"}, "check", "--print", "--config", cfg)
	require.NoError(t, err)
	for _, secret := range []string{"url-secret", "env-secret", "query-secret", "header-secret"} {
		assert.NotContains(t, out, secret)
	}
	for _, want := range []string{"password: REDACTED", "user: bob", "format: json", "secret_env: HOOK_SECRET", "max_age: 720h0m0s", "listen: 127.0.0.1:9090"} {
		assert.Contains(t, out, want)
	}
	// What it prints is a config that loads.
	back := filepath.Join(t.TempDir(), "back.yaml")
	require.NoError(t, os.WriteFile(back, []byte(out), 0o644))
	_, _, err = runCLI(t, nil, "check", "--config", back)
	require.NoError(t, err)
}

// A run with no config file, hence no rules, says so loudly, on stderr
// and in the log.
func TestNoConfigSaysSoLoudly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // it need not run: the warning comes first
	var out strings.Builder
	errb := &syncWriter{w: &bytes.Buffer{}}
	env := map[string]string{"MEDIAWATCH_NATS_URL": "nats://127.0.0.1:1", "MEDIAWATCH_HTTP_LISTEN": "127.0.0.1:0"}
	require.NoError(t, run(ctx, []string{"worker", "dedup"}, &out, errb, func(k string) string { return env[k] }))
	assert.Contains(t, errb.w.String(), "no config file found, so no entities and no rules: nothing will alert")
	assert.Contains(t, errb.w.String(), `"level":"warn"`, "the log says it too, as JSON off a terminal")

	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("{}\n"), 0o644))
	errb.w.Reset()
	require.NoError(t, run(ctx, []string{"worker", "dedup", "--config", cfg}, &out, errb, func(k string) string { return env[k] }))
	assert.NotContains(t, errb.w.String(), "no config file found")
}

// feeds list shows the bundled demo feeds a run --demo polls, from their
// state on the server.
func TestFeedsListShowsPolledDemoFeeds(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	pipelinetest.Topology(t, js, workers.Specs()...)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, pipeline.BucketFeedState)
	require.NoError(t, err)
	name := demo.Feeds()[0]
	_, _, err = (feeds.KVState{KV: kv}).Put(ctx, demo.FeedID(name), feeds.State{LastAttempt: time.Now()}, 0)
	require.NoError(t, err)
	out, _, err := runCLI(t, nil, "feeds", "list", "--nats", srv.ClientURL())
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^`+demo.FeedID(name)+`\s+1m0s\s+-\s+demo\s+\(bundled, served by run --demo\) `+name, out)
	assert.NotContains(t, out, demo.FeedID(demo.Feeds()[1]), "a demo feed never polled is not listed")
}

// With the embedded NATS server the garbage collector aims at 1.5 times the
// live heap, unless GOGC says otherwise.
func TestEmbeddedGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	embeddedGC(func(string) string { return "" })
	assert.Equal(t, embeddedGOGC, debug.SetGCPercent(100))
	embeddedGC(func(k string) string {
		if k == "GOGC" {
			return "200"
		}
		return ""
	})
	assert.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: left as it is")
}
