package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

func TestReadOPML(t *testing.T) {
	t.Parallel()
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My news</title></head>
  <body>
    <outline text="World">
      <outline text="BBC News - World" type="rss" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
      <outline title="DW Español" text="DW" type="rss" xmlUrl=" https://rss.dw.com/xml/rss-sp-all " language="es"/>
      <outline text="Not a feed URL" type="rss" xmlUrl="javascript:alert(1)"/>
      <outline text="Bad language" type="rss" xmlUrl="https://e.org/x.xml" language="not a tag!"/>
    </outline>
    <outline text="A folder without feeds"/>
  </body>
</opml>`
	got, skipped, err := ReadOPML(strings.NewReader(doc), 10*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []Source{
		{ID: "bbc-news-world", URL: "https://feeds.bbci.co.uk/news/world/rss.xml", Interval: 10 * time.Minute, Title: "BBC News - World"},
		{ID: "dw-espanol", URL: "https://rss.dw.com/xml/rss-sp-all", Interval: 10 * time.Minute, Lang: "es", Title: "DW Español"},
	}, got)
	require.Len(t, skipped, 2, "unusable outlines are reported, not dropped silently")
	assert.Equal(t, "Not a feed URL", skipped[0].Outline)
	assert.Contains(t, skipped[0].Reason, "not an http or https URL")
	assert.Equal(t, "Bad language", skipped[1].Outline)
	assert.Contains(t, skipped[1].Reason, "not a language code")
}

func TestReadOPMLLatin1(t *testing.T) {
	t.Parallel()
	utf8 := `<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0"><body><outline text="Actualité économique" xmlUrl="https://e.org/eco.xml"/></body></opml>`
	latin1, err := charmap.ISO8859_1.NewEncoder().String(utf8)
	require.NoError(t, err)
	got, _, err := ReadOPML(strings.NewReader(latin1), DefaultInterval)
	require.NoError(t, err, "an ISO-8859-1 OPML file is read")
	require.Len(t, got, 1)
	assert.Equal(t, "Actualité économique", got[0].Title)
	assert.Equal(t, "actualite-economique", got[0].ID)
}

func TestReadOPMLHTMLEntities(t *testing.T) {
	t.Parallel()
	doc := `<opml version="2.0"><body><outline text="Caf&eacute; &amp; Cr&egrave;me" xmlUrl="https://e.org/c.xml"/></body></opml>`
	got, _, err := ReadOPML(strings.NewReader(doc), DefaultInterval)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "cafe-creme", got[0].ID, "&eacute; is decoded before the id is made")
	assert.Equal(t, "Café & Crème", got[0].Title)
}

func TestReadOPMLNotOPML(t *testing.T) {
	t.Parallel()
	_, _, err := ReadOPML(strings.NewReader("{}"), DefaultInterval)
	require.ErrorContains(t, err, "not OPML")
}

func TestOPMLRoundTrip(t *testing.T) {
	t.Parallel()
	feeds := []Source{
		{ID: "from-file", URL: "https://e.org/a.xml", Interval: 5 * time.Minute},
		{ID: "dw-es", URL: "https://rss.dw.com/xml/rss-sp-all", Interval: 2 * time.Minute, Lang: "es", Title: "DW Español"},
		{ID: "x-2", URL: "https://e.org/x.xml", Interval: 90 * time.Second, Title: "X"},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteOPML(&buf, "mediawatch feeds", feeds))
	assert.True(t, strings.HasPrefix(buf.String(), "<?xml"))
	assert.Contains(t, buf.String(), `xmlUrl="https://e.org/a.xml"`)

	got, skipped, err := ReadOPML(&buf, time.Hour)
	require.NoError(t, err)
	assert.Empty(t, skipped)
	for i := range feeds {
		if feeds[i].Title == "" {
			feeds[i].Title = feeds[i].ID // an untitled feed is exported under its id
		}
	}
	assert.Equal(t, feeds, got, "ids, intervals, titles and languages survive an export and import")
}

func TestMerge(t *testing.T) {
	t.Parallel()
	config := []Source{{ID: "from-file", URL: "https://e.org/a.xml", Interval: 5 * time.Minute}}
	registry := []Source{
		{ID: "three", URL: "https://example.com/mine.xml", Interval: 5 * time.Minute},
		{ID: "three-3", URL: "https://example.com/three-3.xml", Interval: 5 * time.Minute},
		{ID: long64, URL: "https://example.com/long.xml", Interval: 5 * time.Minute},
	}
	tests := []struct {
		name     string
		imported []Source
		add      []Source
		skipped  []string // the reasons, in order
	}{
		{"new feed", []Source{{ID: "new", URL: "https://e.org/new.xml"}},
			[]Source{{ID: "new", URL: "https://e.org/new.xml"}}, nil},
		{"config feed's URL", []Source{{ID: "from-file", URL: "https://e.org/a.xml"}, {ID: "renamed", URL: "https://e.org/a.xml"}},
			nil, []string{"already in the config file as from-file", "already in the config file as from-file"}},
		{"registry feed's URL", []Source{{ID: "three", URL: "https://example.com/mine.xml"}, {ID: "mine", URL: "https://example.com/mine.xml"}},
			nil, []string{"already in the registry as three", "already in the registry as three"}},
		{"config feed's id", []Source{{ID: "from-file", URL: "https://e.org/other.xml"}},
			nil, []string{"the config file has a feed with this id"}},
		{"registry feed's id", []Source{{ID: "three", URL: "https://other.example.net/other.xml"}, {ID: "three-2", URL: "https://e.org/2.xml"}},
			[]Source{{ID: "three-2", URL: "https://e.org/2.xml"}}, []string{"the registry has a feed with this id"}},
		{"a 64-character id taken", []Source{{ID: long64, URL: "https://e.org/long.xml"}},
			nil, []string{"the registry has a feed with this id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			add, skipped := Merge(tt.imported, config, registry)
			assert.Equal(t, tt.add, add)
			var reasons []string
			for _, s := range skipped {
				reasons = append(reasons, s.Reason)
			}
			assert.Equal(t, tt.skipped, reasons)
			for _, s := range add {
				assert.NoError(t, CheckID(s.ID))
			}
		})
	}
}

func TestReadOPMLManyOutlinesOneTitle(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("<opml><body>")
	const n = 20000
	for i := range n {
		fmt.Fprintf(&b, `<outline text="Same title" xmlUrl="https://e.org/%d.xml"/>`, i)
	}
	b.WriteString("</body></opml>")
	got, _, err := ReadOPML(strings.NewReader(b.String()), DefaultInterval)
	require.NoError(t, err)
	require.Len(t, got, n)
	seen := map[string]bool{}
	for _, s := range got {
		require.False(t, seen[s.ID], s.ID)
		seen[s.ID] = true
	}
	assert.Equal(t, "same-title", got[0].ID)
	assert.Equal(t, "same-title-2", got[1].ID)
	assert.Equal(t, fmt.Sprintf("same-title-%d", n), got[n-1].ID)
}

// long64 is an id of the maximum length.
var long64 = strings.Repeat("a", 64)

func TestIDSetClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		claims []string
		want   []string
	}{
		{"free", []string{"a", "b"}, []string{"a", "b"}},
		{"repeated", []string{"a", "a", "a"}, []string{"a", "a-2", "a-3"}},
		{"a numbered id wanted", []string{"a", "a", "a-2", "a"}, []string{"a", "a-2", "a-2-2", "a-3"}},
		{"a numbered id taken first", []string{"a-2", "a", "a"}, []string{"a-2", "a", "a-3"}},
		{"64 characters", []string{long64, long64, long64}, []string{long64, long64[:62] + "-2", long64[:62] + "-3"}},
		{"63 characters", []string{long64[:63], long64[:63]}, []string{long64[:63], long64[:62] + "-2"}},
		{"the cut ends on a dash", []string{long64[:61] + "-xy", long64[:61] + "-xy"}, []string{long64[:61] + "-xy", long64[:61] + "-2"}},
		{"shortened ids collide", []string{long64[:62] + "xa", long64[:62] + "xa", long64[:62] + "xb", long64[:62] + "xb"},
			[]string{long64[:62] + "xa", long64[:62] + "-2", long64[:62] + "xb", long64[:62] + "-3"}},
		{"two-digit suffix", slices.Repeat([]string{long64}, 10), func() []string {
			ids := []string{long64}
			for n := 2; n <= 9; n++ {
				ids = append(ids, fmt.Sprintf("%s-%d", long64[:62], n))
			}
			return append(ids, long64[:61]+"-10")
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ids := newIDs()
			var got []string
			for _, want := range tt.claims {
				id := ids.claim(want)
				assert.NoError(t, CheckID(id), "a claimed id is a valid id")
				got = append(got, id)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzReadOPML(f *testing.F) {
	f.Add(`<opml version="2.0"><body><outline text="a" xmlUrl="https://e.org/a"/></body></opml>`)
	f.Add(`<?xml version="1.0" encoding="ISO-8859-1"?><opml><body><outline title="Caf&eacute;" xmlUrl="http://e.org/c" mw:id="c" mw:interval="1m"/></body></opml>`)
	f.Add(`<opml><body><outline><outline xmlUrl="javascript:x"/></outline></body></opml>`)
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 64<<10 {
			return
		}
		got, _, err := ReadOPML(strings.NewReader(doc), DefaultInterval)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range got {
			if err := Validate(s); err != nil {
				t.Fatalf("an imported feed breaks the rules: %v", err)
			}
			if seen[s.ID] {
				t.Fatalf("id %q twice", s.ID)
			}
			seen[s.ID] = true
		}
	})
}

func TestImport(t *testing.T) {
	t.Parallel()
	doc := `<opml><body>
<outline text="Kept" xmlUrl="https://e.org/kept.xml"/>
<outline text="Private" xmlUrl="http://10.0.0.5/feed.xml"/>
<outline text="In the config" xmlUrl="https://e.org/file.xml"/>
<outline text="No URL"/>
</body></opml>`
	config := []Source{{ID: "from-file", URL: "https://e.org/file.xml"}}
	private := func(url string) error {
		if strings.Contains(url, "10.0.0.5") {
			return errors.New("a private address")
		}
		return nil
	}
	add, skipped, err := Import(strings.NewReader(doc), DefaultInterval, config, nil, private)
	require.NoError(t, err)
	require.Len(t, add, 1)
	assert.Equal(t, "https://e.org/kept.xml", add[0].URL)
	reasons := ""
	for _, s := range skipped {
		reasons += s.String() + "\n"
	}
	assert.Contains(t, reasons, "a private address")
	assert.Contains(t, reasons, "from-file")
	assert.Len(t, skipped, 2, reasons)

	all, _, err := Import(strings.NewReader(doc), DefaultInterval, config, nil, nil)
	require.NoError(t, err)
	assert.Len(t, all, 2, "nil allows every URL")

	_, _, err = Import(strings.NewReader("<html/>"), DefaultInterval, nil, nil, nil)
	assert.Error(t, err)
}
