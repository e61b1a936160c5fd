package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/workers"
)

// shellWords splits a README command line as sh would: single and double
// quotes, a comment from an unquoted " #", a trailing "&" and a "> file"
// redirection dropped.
func shellWords(line string) (words []string, comment string) {
	var cur strings.Builder
	inWord := false
	quote := rune(0)
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '#' && !inWord:
			return words, strings.TrimSpace(string(runes[i+1:]))
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, ""
}

// readmeExamples are the mediawatch command lines of the README's sh
// blocks, with their comments.
func readmeExamples(t *testing.T) (lines []string) {
	t.Helper()
	f, err := os.Open("../../README.md")
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "```sh"):
			in = true
		case strings.HasPrefix(l, "```"):
			in = false
		case in:
			lines = append(lines, l)
		}
	}
	require.NoError(t, sc.Err())
	return lines
}

// Every mediawatch example of the README works as written, against a
// pipeline's server holding a stored article, from the repository's root
// with the shipped config: but those that say they need a network (or a
// running mediawatch), and the long-running run, worker and bench (run
// --demo is TestDemoShowsAlerts; the others are the stages' own tests).
// alerts tail follows until stopped: it runs for a moment.
func TestREADMEExamples(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	pipelinetest.Topology(t, js, workers.Specs()...)
	a := pipeline.Article{Schema: 1, ID: pipelinetest.ID("readme"), Feed: "dw-es", URL: "https://e.org/readme", Title: "Venezuela votes",
		Entities: []pipeline.Entity{{ID: "venezuela", Surface: "Venezuela", Field: "title", End: 9}}}
	_, err := js.Publish(context.Background(), "articles.tagged.dw-es", pipeline.Encode(a))
	require.NoError(t, err)
	dir := t.TempDir()
	opml, err := os.ReadFile("testdata/feeds.opml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "my-feeds.opml"), opml, 0o644))

	ran, skipped := 0, 0
	for _, line := range readmeExamples(t) {
		words, comment := shellWords(line)
		var args []string
		switch {
		case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/mediawatch":
			args = words[3:]
		case len(words) >= 1 && (words[0] == "mediawatch" || words[0] == "bin/mediawatch"):
			args = words[1:]
		default:
			continue // not mediawatch: make, docker, nats, kill, export
		}
		if len(args) > 0 && args[len(args)-1] == "&" {
			args = args[:len(args)-1]
		}
		for i, w := range args {
			if w == ">" {
				args = args[:i]
				break
			}
		}
		if strings.HasPrefix(comment, "needs") || strings.Contains(comment, "needs network") || len(args) == 0 ||
			args[0] == "run" || args[0] == "worker" || args[0] == "bench" {
			skipped++
			t.Logf("skipped: %s", line)
			continue
		}
		// From the repository's root, on the test's server.
		for i, w := range args {
			switch {
			case w == "config/mediawatch.yaml":
				args[i] = "../../config/mediawatch.yaml"
			case w == "my-feeds.opml":
				args[i] = filepath.Join(dir, w)
			case i > 0 && args[i-1] == "--nats":
				args[i] = srv.ClientURL()
			}
		}
		env := map[string]string{"MEDIAWATCH_CONFIG": "../../config/mediawatch.yaml", "MEDIAWATCH_NATS_URL": srv.ClientURL()}
		timeout := 30 * time.Second
		if args[0] == "alerts" {
			timeout = 500 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		var out, errb bytes.Buffer
		err := run(ctx, args, &out, &errb, func(k string) string { return env[k] })
		cancel()
		assert.NoError(t, err, "README example %q:\n%s", line, errb.String())
		ran++
		t.Logf("ran: %s (%d bytes out)", line, out.Len())
	}
	assert.GreaterOrEqual(t, ran, 10, "the README's examples")
	fmt.Printf("README examples: %d ran, %d skipped (network, a running mediawatch, or long-running)\n", ran, skipped)
}

func TestShellWords(t *testing.T) {
	w, c := shellWords(`go run ./cmd/mediawatch rules test 'entity:opec AND NOT feed:elpais' --since 72h   # what # it caught`)
	assert.Equal(t, []string{"go", "run", "./cmd/mediawatch", "rules", "test", "entity:opec AND NOT feed:elpais", "--since", "72h"}, w)
	assert.Equal(t, "what # it caught", c)
	w, _ = shellWords(`mediawatch alerts tail --rule a#b`)
	assert.Equal(t, []string{"mediawatch", "alerts", "tail", "--rule", "a#b"}, w)
}
