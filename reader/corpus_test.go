package reader

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedFeeds is the shared feed corpus, relative to this package.
const sharedFeeds = "../../shared/testdata/feeds"

// corpusInputs are the feed files in the shared corpus: every file but the
// licences, the indexes and gofeed's expected-output JSON (gofeed's JSON
// inputs live in parser/universal and parser/json; its other .json files
// are the outputs expected from the .xml beside them).
func corpusInputs(tb testing.TB) []string {
	tb.Helper()
	if _, err := os.Stat(sharedFeeds); err != nil {
		tb.Skipf("shared feed corpus not found at %s: %v", sharedFeeds, err)
	}
	var files []string
	err := filepath.WalkDir(sharedFeeds, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(sharedFeeds, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := d.Name()
		switch {
		case strings.HasPrefix(name, "LICENSE"), name == "SOURCES.md", name == "INDEX.md":
			return nil
		case strings.HasPrefix(rel, "gofeed/") && strings.HasSuffix(name, ".json") &&
			!strings.HasPrefix(rel, "gofeed/parser/universal/") && !strings.HasPrefix(rel, "gofeed/parser/json/"):
			return nil // gofeed's expected output, not an input
		}
		files = append(files, path)
		return nil
	})
	require.NoError(tb, err)
	return files
}

// httpHeaderComment finds the Content-Type that a feedparser http_* case
// assumes, written in its leading comment as "Header: Content-type: ...".
var httpHeaderComment = regexp.MustCompile(`(?i)Header:\s*Content-type:\s*([^\r\n]+)`)

// corpusContentType returns the Content-Type a corpus file assumes: the one
// in a feedparser http_* case's comment, else "".
func corpusContentType(path string, body []byte) string {
	if !strings.HasPrefix(filepath.Base(path), "http_") {
		return ""
	}
	m := httpHeaderComment.FindSubmatch(body[:min(len(body), 2048)])
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}

// errorReason shortens an error message to its kind, for the breakdown.
func errorReason(err error) string {
	msg := strings.TrimPrefix(err.Error(), "parse feed: ")
	if errors.Is(err, ErrNotFeed) {
		return msg
	}
	if i := strings.Index(msg, " line "); i > 0 {
		msg = msg[:i]
	}
	return msg
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	files := corpusInputs(t)
	require.Len(t, files, 488, "the corpus should hold 488 feed inputs")

	fetched := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var (
		mu       sync.Mutex
		parsed   int
		baseline int
		articles int
		reasons  = map[string][]string{}
	)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, path := range files {
		body, err := os.ReadFile(path)
		require.NoError(t, err)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rel := strings.TrimPrefix(path, sharedFeeds+"/")

			_, gerr := gofeed.NewParser().Parse(bytes.NewReader(body))

			var (
				arts []string
				perr error
			)
			assert.NotPanics(t, func() {
				feed, as, err := Parse("corpus", body, corpusContentType(path, body), fetched)
				perr = err
				if err == nil {
					assert.NotNil(t, feed, rel)
					for _, a := range as {
						arts = append(arts, a.ID)
					}
				}
			}, rel)

			mu.Lock()
			defer mu.Unlock()
			if gerr == nil {
				baseline++
			}
			if perr != nil {
				assert.True(t, strings.HasPrefix(perr.Error(), "parse feed: "), "%s: %v", rel, perr)
				r := errorReason(perr)
				reasons[r] = append(reasons[r], rel)
				return
			}
			parsed++
			articles += len(arts)
		}()
	}
	wg.Wait()

	t.Logf("corpus: %d inputs, %d parsed (%d articles), %d errors; gofeed alone on the raw bytes: %d parsed",
		len(files), parsed, articles, len(files)-parsed, baseline)
	keys := make([]string, 0, len(reasons))
	for r := range reasons {
		keys = append(keys, r)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if n := len(reasons[b]) - len(reasons[a]); n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	for _, r := range keys {
		files := reasons[r]
		slices.Sort(files)
		t.Logf("  %3d  %s: %s", len(files), r, strings.Join(files, ", "))
	}
	assert.GreaterOrEqual(t, parsed, 455, "Parse should read at least 455 of the corpus inputs")
	assert.Greater(t, parsed, baseline, "Parse should read more than gofeed alone")
}
