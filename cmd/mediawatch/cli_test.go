package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/workers"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = run(ctx, args, &out, &errb, func(k string) string { return env[k] })
	return out.String(), errb.String(), err
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown stage", []string{"worker", "mixer"}, `unknown stage: "mixer"`},
		{"worker without stage", []string{"worker"}, "exactly one stage"},
		{"alerts without tail", []string{"alerts"}, "subcommand tail"},
		{"bad rule id", []string{"alerts", "tail", "--rule", "Bad Rule"}, "not a rule id"},
		{"unknown flag", []string{"run", "--frobnicate"}, "flag provided but not defined"},
		{"feeds add bad id", []string{"feeds", "add", "https://e.org/f.xml", "--id", "Bad Id"}, "--id"},
		{"feeds add bad url", []string{"feeds", "add", "file:///etc/passwd", "--id", "x"}, "not an http or https URL"},
		{"feeds add long id", []string{"feeds", "add", "https://e.org/f.xml", "--id", strings.Repeat("a", 65)}, "at most 64"},
		{"feeds add subject characters", []string{"feeds", "add", "https://e.org/f.xml", "--id", "a.b"}, "--id"},
		{"negative since in alerts tail", []string{"alerts", "tail", "--since", "-1h"}, "must not be negative"},
		{"negative since in rules test", []string{"rules", "test", "x", "--since", "-1h"}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, nil, tt.args...)
			require.ErrorIs(t, err, errUsage)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, 2, exitCode(err, &bytes.Buffer{}))
		})
	}
}

func TestHelp(t *testing.T) {
	out, _, err := runCLI(t, nil, "--help")
	require.NoError(t, err)
	for _, cmd := range []string{"run", "worker", "feeds", "alerts", "check"} {
		assert.Contains(t, out, "mediawatch "+cmd)
	}
	// A command's help asked for goes to stdout (it went to stderr).
	stdout, _, err := runCLI(t, nil, "run", "--help")
	require.NoError(t, err)
	assert.Contains(t, stdout, "--demo")
}

func TestCheck(t *testing.T) {
	out, _, err := runCLI(t, nil, "check", "--config", "../../config/mediawatch.yaml")
	require.NoError(t, err)
	assert.Contains(t, out, "ok (12 sources, 3 entities, 1 rules, 0 sinks)")

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("sources:\n  - {id: x, url: 'notaurl', interval: -1m}\nrules:\n  - {id: r, query: 'entity:nope OR'}\n"), 0o644))
	_, stderr, err := runCLI(t, nil, "check", "--config", bad)
	require.ErrorIs(t, err, errSilent)
	assert.Equal(t, 1, exitCode(err, &bytes.Buffer{}))
	assert.Contains(t, stderr, "bad.yaml:2:")
	assert.Contains(t, stderr, "bad.yaml:4:")
	assert.Contains(t, stderr, "3 problem(s)")

	// MEDIAWATCH_CONFIG names the file when --config does not.
	_, _, err = runCLI(t, map[string]string{"MEDIAWATCH_CONFIG": bad}, "check")
	require.ErrorIs(t, err, errSilent)
}

func TestFeedsCommands(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	pipelinetest.Topology(t, js, workers.Specs()...) // a pipeline ran once: only run and worker create the buckets
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("sources:\n  - {id: from-file, url: 'https://e.org/a.xml'}\n"), 0o644))
	nats := []string{"--config", cfg, "--nats", srv.ClientURL()}

	out, _, err := runCLI(t, nil, append([]string{"feeds", "add", "https://e.org/b.xml", "--id", "b", "--interval", "2m", "--lang", "es"}, nats...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "added b")

	_, _, err = runCLI(t, nil, append([]string{"feeds", "add", "https://e.org/x.xml", "--id", "from-file"}, nats...)...)
	require.ErrorContains(t, err, "in the config file")

	out, _, err = runCLI(t, nil, append([]string{"feeds", "import", "testdata/feeds.opml"}, nats...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "imported 2 feeds")

	out, _, err = runCLI(t, nil, append([]string{"feeds", "list"}, nats...)...)
	require.NoError(t, err)
	for _, want := range []string{"from-file", "config", "b ", "registry", "bbc-news-world", "dw-espanol", "es"} {
		assert.Contains(t, out, want)
	}

	out, _, err = runCLI(t, nil, append([]string{"feeds", "export"}, nats...)...)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "<?xml"))
	assert.Contains(t, out, `xmlUrl="https://e.org/b.xml"`)

	out, _, err = runCLI(t, nil, append([]string{"feeds", "remove", "b"}, nats...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "removed b")
	_, _, err = runCLI(t, nil, append([]string{"feeds", "remove", "b"}, nats...)...)
	require.ErrorContains(t, err, "not in the feed registry")
}

// TestFeedsImportKeepsRegistry: an import numbers an id the registry holds
// instead of replacing that feed, skips a URL it holds, keeps numbered ids of
// the maximum length valid, and goes on past a feed the registry refuses.
func TestFeedsImportKeepsRegistry(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	pipelinetest.Topology(t, js, workers.Specs()...)
	ctx := context.Background()
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("sources:\n  - {id: from-file, url: 'https://e.org/a.xml'}\n"), 0o644))
	nats := []string{"--config", cfg, "--nats", srv.ClientURL()}

	_, _, err := runCLI(t, nil, append([]string{"feeds", "add", "https://example.com/mine.xml", "--id", "three"}, nats...)...)
	require.NoError(t, err)
	kv, err := js.KeyValue(ctx, pipeline.BucketFeeds)
	require.NoError(t, err)
	_, err = kv.Put(ctx, "junk", []byte("{")) // an entry that does not decode: List leaves it out
	require.NoError(t, err)

	long := strings.Repeat("a", pipeline.MaxIDLen)
	opml := filepath.Join(t.TempDir(), "f.opml")
	require.NoError(t, os.WriteFile(opml, []byte(`<opml version="2.0" xmlns:mw="https://github.com/mediawatch/mediawatch/opml"><body>
<outline text="Three" xmlUrl="https://other.example.net/other.xml"/>
<outline text="Mine again" xmlUrl="https://example.com/mine.xml"/>
<outline text="Elsewhere" mw:id="from-file" xmlUrl="https://e.org/elsewhere.xml"/>
<outline text="Long" mw:id="`+long+`" xmlUrl="https://e.org/long1.xml"/>
<outline text="Long" mw:id="`+long+`" xmlUrl="https://e.org/long2.xml"/>
<outline text="Junk" mw:id="junk" xmlUrl="https://e.org/junk.xml"/>
<outline text="Last" xmlUrl="https://e.org/last.xml"/>
</body></opml>`), 0o644))
	out, stderr, err := runCLI(t, nil, append([]string{"feeds", "import", opml}, nats...)...)
	require.Error(t, err, "a feed the registry refused is a failure")
	assert.Equal(t, 1, exitCode(err, &bytes.Buffer{}))
	assert.ErrorContains(t, err, "1 of 4 feeds not stored")
	assert.Contains(t, out, "imported 3 feeds")
	assert.Contains(t, stderr, `skipped "three": the registry has a feed with this id`)
	assert.Contains(t, stderr, `skipped "from-file": the config file has a feed with this id`)
	assert.Contains(t, stderr, `skipped "mine-again": already in the registry as three`)
	assert.Contains(t, stderr, `skipped "junk": add feed "junk": id already in the feed registry`)

	kvFeeds, _, err := feeds.NewRegistry(kv).List(ctx)
	require.NoError(t, err)
	got := map[string]string{}
	for _, f := range kvFeeds {
		got[f.ID] = f.URL
	}
	assert.Equal(t, map[string]string{
		"three":          "https://example.com/mine.xml", // not replaced
		long:             "https://e.org/long1.xml",
		long[:62] + "-2": "https://e.org/long2.xml",
		"last":           "https://e.org/last.xml", // after the refused one
	}, got)
	e, err := kv.Get(ctx, "junk")
	require.NoError(t, err)
	assert.Equal(t, "{", string(e.Value()), "the undecodable entry is left as it was")
}

func TestStatus(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	ctx := context.Background()
	pipelinetest.Topology(t, js, workers.Specs()...)
	for i := range 3 {
		_, err := js.Publish(ctx, "articles.raw.f", fmt.Appendf(nil, `{"n":%d}`, i))
		require.NoError(t, err)
	}
	_, err := js.Publish(ctx, "dlq.tagger", []byte("poison"))
	require.NoError(t, err)
	kv, err := js.KeyValue(ctx, pipeline.BucketFeedState)
	require.NoError(t, err)
	_, err = kv.Put(ctx, "bbc", pipeline.Encode(feeds.State{Failures: 2, LastError: "fetch: 500"}))
	require.NoError(t, err)

	out, _, err := runCLI(t, nil, "status", "--json", "--sample", "0", "--nats", srv.ClientURL())
	require.NoError(t, err)
	var st status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	byStage := map[string]pipeline.StageStatus{}
	for _, s := range st.Stages {
		byStage[s.Stage] = s
	}
	assert.Equal(t, uint64(3), byStage["dedup"].Stored)
	assert.Equal(t, uint64(3), byStage["dedup"].Pending)
	assert.Equal(t, uint64(1), byStage["tagger"].DeadLetters)
	require.Len(t, st.Feeds, 1)
	assert.Equal(t, "bbc", st.Feeds[0].Feed)
	assert.Equal(t, 2, st.Feeds[0].Failures)

	out, _, err = runCLI(t, nil, "status", "--sample", "10ms", "--nats", srv.ClientURL())
	require.NoError(t, err)
	assert.Contains(t, out, "RATE/S")
	assert.Contains(t, out, "fetch: 500")
}

// The notifier has no consumer of the topology: status shows one row per
// sink's consumer (notifier-<sink>), and a row of its own while it has
// none, so that its dead letters show either way.
func TestStatusNotifier(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	ctx := context.Background()
	pipelinetest.Topology(t, js, workers.Specs()...)
	_, err := js.Publish(ctx, "dlq.notifier", []byte("undeliverable"))
	require.NoError(t, err)
	inspect := func() map[string]pipeline.StageStatus {
		t.Helper()
		out, _, err := runCLI(t, nil, "status", "--json", "--sample", "0", "--nats", srv.ClientURL())
		require.NoError(t, err)
		var st status
		require.NoError(t, json.Unmarshal([]byte(out), &st))
		byStage := map[string]pipeline.StageStatus{}
		for _, s := range st.Stages {
			byStage[s.Stage] = s
		}
		return byStage
	}
	byStage := inspect()
	require.Contains(t, byStage, "notifier", "no sink yet")
	assert.Equal(t, uint64(1), byStage["notifier"].DeadLetters)

	cfg, err := config.Parse("test.yaml", []byte(`
sinks:
  - {id: desk, type: ntfy, url: "https://ntfy.example.org/desk"}
  - {id: phone, type: ntfy, url: "https://ntfy.example.org/phone"}
rules:
  - {id: r1, query: x, notify: [desk, phone]}
  - {id: r2, query: x, notify: [desk]}
`), nil)
	require.NoError(t, err)
	stage, err := workers.Lookup("notifier")
	require.NoError(t, err)
	_, err = stage.New(ctx, cfg, pipeline.Deps{JS: js}, zaptest.NewLogger(t)) // makes the sinks' consumers; not run
	require.NoError(t, err)
	for i := range 3 {
		_, err := js.Publish(ctx, "alerts.r1", fmt.Appendf(nil, `{"n":%d}`, i))
		require.NoError(t, err)
	}
	_, err = js.Publish(ctx, "alerts.r2", []byte(`{}`))
	require.NoError(t, err)

	byStage = inspect()
	assert.NotContains(t, byStage, "notifier")
	require.Contains(t, byStage, "notifier-desk")
	require.Contains(t, byStage, "notifier-phone")
	assert.Equal(t, uint64(4), byStage["notifier-desk"].Pending, "both its rules")
	assert.Equal(t, uint64(3), byStage["notifier-phone"].Pending)
	for _, name := range []string{"notifier-desk", "notifier-phone"} {
		assert.Equal(t, pipeline.StreamAlerts, byStage[name].Stream)
		assert.Equal(t, uint64(4), byStage[name].Stored)
		assert.Equal(t, uint64(1), byStage[name].DeadLetters, "the stage's, dlq.notifier")
	}
	assert.Equal(t, uint64(0), byStage["dedup"].Pending, "the other stages are there too")

	out, _, err := runCLI(t, nil, "status", "--sample", "10ms", "--nats", srv.ClientURL())
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^notifier-desk\s+ALERTS\s+4\s+4\s`, out)
	assert.Regexp(t, `(?m)^notifier-phone\s+ALERTS\s+4\s+3\s`, out)
}

func TestRulesTest(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	ctx := context.Background()
	pipelinetest.Topology(t, js, workers.Specs()...)
	for i, a := range []pipeline.Article{
		{Title: "Venezuela votes", Feed: "bbc", Entities: []pipeline.Entity{{ID: "venezuela", Surface: "Venezuela", Field: "title", End: 9}}},
		{Title: "Caribbean storm", Feed: "dw", Entities: []pipeline.Entity{{ID: "caribbean", Surface: "Caribbean", Field: "title", End: 9}}},
		{Title: "Nothing here", Feed: "bbc"},
	} {
		a.Schema, a.ID, a.URL = 1, pipelinetest.ID(fmt.Sprintf("a%d", i)), fmt.Sprintf("https://e.org/%d", i)
		_, err := js.Publish(ctx, "articles.tagged."+a.Feed, pipeline.Encode(a))
		require.NoError(t, err)
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("entities:\n  - {id: venezuela, country: VE}\n  - {id: caribbean, names: {en: [Caribbean]}}\n"), 0o644))
	args := func(extra ...string) []string {
		return append([]string{"rules", "test", "--nats", srv.ClientURL(), "--config", cfg}, extra...)
	}

	out, stderr, err := runCLI(t, nil, args("entity:venezuela OR entity:caribbean")...)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(out, "ALERT [test]"))
	assert.Contains(t, stderr, "2 of 3 stored articles")

	out, stderr, err = runCLI(t, nil, args("entity:venezuela OR entity:caribbean", "--feed", "dw", "--json")...)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, `"rule":"test"`))
	assert.Contains(t, stderr, "1 of 1 stored articles")

	_, stderr, err = runCLI(t, nil, args("entity:atlantis")...)
	require.NoError(t, err)
	assert.Contains(t, stderr, `entity "atlantis" is not in`)
	assert.Contains(t, stderr, "0 of 3")

	_, _, err = runCLI(t, nil, args("entity:venezuela AND (")...)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "column 22")
}

// rules test --rule takes a rule of the config file, prints the alerts
// per day, --json ends with a summary, and no consumer outlives a run.
func TestRulesTestRuleDaysAndNoConsumerLeft(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	ctx := context.Background()
	pipelinetest.Topology(t, js, workers.Specs()...)
	for i, title := range []string{"Venezuela seizes an oil tanker", "A tanker, far from anything that Venezuela said", "Nothing here"} {
		a := pipeline.Article{Schema: 1, ID: pipelinetest.ID(fmt.Sprintf("t%d", i)), Feed: "bbc", URL: fmt.Sprintf("https://e.org/t%d", i), Title: title}
		_, err := js.Publish(ctx, "articles.tagged.bbc", pipeline.Encode(a))
		require.NoError(t, err)
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("rules:\n  - {id: tankers, query: '\"venezuela tanker\"~3'}\n"), 0o644))
	args := func(extra ...string) []string {
		return append([]string{"rules", "test", "--nats", srv.ClientURL(), "--config", cfg, "--since", "49h"}, extra...)
	}
	now := time.Now().UTC()
	today := now.Format(time.DateOnly)
	days := int(now.Truncate(24*time.Hour).Sub(now.Add(-49*time.Hour).Truncate(24*time.Hour))/(24*time.Hour)) + 1

	out, stderr, err := runCLI(t, nil, args("--rule", "tankers")...)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, "ALERT [tankers] Venezuela seizes an oil tanker"), out)
	assert.Contains(t, out, `matched venezuela NEAR/3 tanker: "Venezuela … tanker" in title`)
	assert.Contains(t, out, "alerts per day")
	assert.Contains(t, out, "  "+today+"  1\n")
	assert.Equal(t, days, strings.Count(out, "  20"), "one line per day of the 49 hours: %s", out)
	assert.Contains(t, stderr, "1 of 3 stored articles")

	out, _, err = runCLI(t, nil, args("tanker", "--json")...)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	var last struct {
		Summary backtestSummary `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &last))
	assert.Equal(t, 2, last.Summary.Alerts)
	assert.Equal(t, 3, last.Summary.Articles)
	require.Len(t, last.Summary.Days, days)
	assert.Equal(t, backtestDay{Day: today, Alerts: 2}, last.Summary.Days[days-1])

	_, _, err = runCLI(t, nil, args("--rule", "nope")...)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "--rule nope: no such rule")
	_, _, err = runCLI(t, nil, args("x", "--rule", "tankers")...)
	require.ErrorIs(t, err, errUsage)

	stream, err := js.Stream(ctx, pipeline.StreamTagged)
	require.NoError(t, err)
	var names []string
	for name := range stream.ConsumerNames(ctx).Name() {
		names = append(names, name)
	}
	assert.Equal(t, []string{"alerter"}, names, "rules test leaves no consumer behind")
}

// Feeds added at run time may not name a private address, unless the
// config allows it; the refusal comes before anything is stored.
func TestFeedsAddRefusesPrivateAddresses(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	pipelinetest.Topology(t, js, workers.Specs()...)
	dir := t.TempDir()
	strict := filepath.Join(dir, "strict.yaml")
	require.NoError(t, os.WriteFile(strict, []byte("{}\n"), 0o644))
	open := filepath.Join(dir, "open.yaml")
	require.NoError(t, os.WriteFile(open, []byte("poller: {allow_private_networks: true}\n"), 0o644))
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/rss", "http://[::1]:8080/rss", "http://localhost/rss", "http://0x7f.1/rss", "http://2130706433/rss"} {
		_, _, err := runCLI(t, nil, "feeds", "add", u, "--id", "p", "--config", strict, "--nats", srv.ClientURL())
		require.ErrorIs(t, err, errUsage, u)
		assert.Contains(t, err.Error(), "private networks", u)
	}
	out, _, err := runCLI(t, nil, "feeds", "list", "--config", strict, "--nats", srv.ClientURL())
	require.NoError(t, err)
	assert.NotContains(t, out, "169.254")
	out, _, err = runCLI(t, nil, "feeds", "add", "http://10.0.0.7/rss", "--id", "p", "--config", open, "--nats", srv.ClientURL())
	require.NoError(t, err)
	assert.Contains(t, out, "added p")
}

// A password in a NATS URL appears nowhere a command prints.
func TestNATSPasswordIsNotPrinted(t *testing.T) {
	_, stderr, err := runCLI(t, nil, "status", "--nats", "nats://alice:hunter2@127.0.0.1:1")
	require.Error(t, err)
	assert.NotContains(t, err.Error()+stderr, "hunter2")
	assert.Contains(t, err.Error(), "nats://alice:REDACTED@127.0.0.1:1")
	assert.Contains(t, err.Error(), "connection refused", "the reason is given")
}

// A CPU profile that cannot be written stops run and worker before they
// start anything, with the path in the error.
func TestCPUProfileUnwritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "cpu.pprof")
	for _, args := range [][]string{{"run", "--cpuprofile", path}, {"worker", "dedup", "--cpuprofile", path}} {
		_, _, err := runCLI(t, nil, args...)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "--cpuprofile")
		assert.Contains(t, err.Error(), path)
		assert.Equal(t, 1, exitCode(err, &bytes.Buffer{}))
	}
}
