package poller

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/reader"
)

// The golden files hold what the poller publishes for real feeds: the
// feed reader's items as pipeline articles.

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fetchedAt is the fetch time the golden test uses.
var fetchedAt = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// sharedFeeds is the shared corpus of real feeds.
const sharedFeeds = "../../../shared/testdata/feeds"

// goldenFeeds are the real feeds the golden test runs, by golden name.
var goldenFeeds = []struct {
	name string // golden file and feed id
	path string // under the shared corpus
}{
	{name: "golem-de", path: "news/miniflux/golem-de-2018-iso-8859-1.xml"},
	{name: "oren-ru", path: "news/node-feedparser/oren-ru-windows-1251.xml"},
	{name: "liberal-gr", path: "news/prof18-rss-parser/liberal-gr-iso-8859-7.xml"},
	{name: "bbc-urdu", path: "news/miniflux/bbc-urdu.xml"},
	{name: "geekpark-zh", path: "news/feeder/geekpark-zh.xml"},
	{name: "reporterre-fr", path: "news/prof18-rss-parser/reporterre-fr.xml"},
	{name: "jn-pt", path: "news/rss-parser/jn-pt-iso-8859-1.rss"},
	{name: "heise-developer-atom", path: "news/rss-parser/heise-developer.atom"},
}

// golden is what a golden file holds: the feed and its first articles.
type golden struct {
	Feed     *reader.Feed       `json:"feed"`
	Articles []pipeline.Article `json:"articles"`
}

func TestGolden(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(sharedFeeds); err != nil {
		t.Skipf("shared feed corpus not found at %s: %v", sharedFeeds, err)
	}
	for _, g := range goldenFeeds {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join(sharedFeeds, g.path))
			require.NoError(t, err)
			feed, items, err := reader.Parse(g.name, body, "", fetchedAt)
			require.NoError(t, err)
			require.NotEmpty(t, items)
			arts := articles(items, "")
			got := golden{Feed: feed, Articles: arts[:min(3, len(arts))]}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(got))

			path := filepath.Join("testdata", "golden", g.name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./workers/poller -run Golden -update")
			assert.Equal(t, string(want), buf.String())
		})
	}
}
