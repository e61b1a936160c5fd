package tagger

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/langid"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/reader"
)

// sharedNews is the shared corpus of real news feeds, written by others.
const sharedNews = "../../../shared/testdata/feeds/news"

// TestDetectRealFeeds checks language detection, as this stage runs it, on
// the items of the real news feeds that declare their language (text the
// detector was not built on), read as the poller reads them. The errors
// left are feeds declaring the wrong language (a Catalan feed says es),
// mojibake in the feeds themselves, and a few short headlines.
func TestDetectRealFeeds(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(sharedNews); err != nil {
		t.Skipf("shared news feeds not found at %s: %v", sharedNews, err)
	}
	d, err := langid.New()
	require.NoError(t, err)
	right, total := map[string]int{}, map[string]int{}
	err = filepath.WalkDir(sharedNews, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".xml", ".rss", ".rdf", ".atom":
		default:
			return nil // licences, indexes, notes
		}
		body, err := os.ReadFile(path)
		require.NoError(t, err)
		_, items, err := reader.Parse("news", body, "", time.Now())
		require.NoError(t, err, path)
		for _, it := range items {
			want := it.Lang
			if want == "no" {
				want = "nb"
			}
			if want == "" {
				continue
			}
			got, _ := d.Detect(detectionText(&pipeline.Article{Title: it.Title, Summary: it.Summary, Content: it.Content}))
			total[want]++
			if got == want {
				right[want]++
			} else {
				t.Logf("%s→%s %s: %q", want, got, filepath.Base(path), it.Title)
			}
		}
		return nil
	})
	require.NoError(t, err)
	var langs []string
	n, ok := 0, 0
	for l := range total {
		langs = append(langs, l)
		n += total[l]
		ok += right[l]
	}
	sort.Strings(langs)
	require.Greater(t, n, 1000, "items that declare a language")
	t.Logf("%d of %d right", ok, n)
	assert.GreaterOrEqual(t, float64(ok)/float64(n), 0.99)
	for _, l := range langs {
		t.Logf("%s %d/%d", l, right[l], total[l])
		if total[l] >= 5 {
			assert.GreaterOrEqual(t, float64(right[l])/float64(total[l]), 0.9, "language %s: %d of %d right", l, right[l], total[l])
		}
	}
}
