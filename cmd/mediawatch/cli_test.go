package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
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
	_, stderr, err := runCLI(t, nil, "run", "--help")
	require.NoError(t, err)
	assert.Contains(t, stderr, "--demo")
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
