package reader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fetchedAt is the fetch time every parse test uses.
var fetchedAt = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// readFeed reads a local test feed.
func readFeed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "feeds", name))
	require.NoError(t, err)
	return b
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		feedID string
		check  func(t *testing.T, feed *Feed, arts []Item)
	}{
		{
			name:   "messy rss is repaired",
			file:   "rss-messy.xml",
			feedID: "messy",
			check: func(t *testing.T, feed *Feed, arts []Item) {
				assert.True(t, feed.Repaired)
				assert.Equal(t, "Messy & Co News", feed.Title)
				assert.Equal(t, "pt", feed.Lang)
				assert.Equal(t, "rss", feed.Format)
				require.Len(t, arts, 2)

				a := arts[0]
				assert.Equal(t, "https://news.example.org/2024/05/crime?id=7", a.URL, "relative link resolved, trackers and fragment dropped")
				assert.Equal(t, ArticleID("messy", a.URL, ""), a.ID)
				assert.Equal(t, "Crime & Punishment – a review", a.Title)
				assert.Equal(t, "Fish & chips\u00a0été <b>bold</b>", a.Summary)
				assert.Equal(t, []string{"Ana Souza"}, a.Authors)
				assert.Equal(t, []string{"Books", "Culture"}, a.Categories)
				assert.Equal(t, time.Date(2024, 5, 14, 7, 30, 0, 0, time.UTC), a.Published)
				assert.Equal(t, "pt", a.Lang)
				assert.InDelta(t, 1.0, a.LangConf, 0)

				b := arts[1]
				assert.Equal(t, "Second item at the café without a link", b.Title, "windows-1252 declared and used")
				assert.Empty(t, b.URL)
				assert.Equal(t, ArticleID("messy", "", "messy-2"), b.ID)
			},
		},
		{
			name:   "truncated rss keeps the items before the cut",
			file:   "truncated.xml",
			feedID: "cut",
			check: func(t *testing.T, feed *Feed, arts []Item) {
				assert.True(t, feed.Repaired)
				assert.Equal(t, "Cut short", feed.Title)
				require.NotEmpty(t, arts)
				assert.Equal(t, "Complete item", arts[0].Title)
				assert.Equal(t, "https://cut.example.org/a", arts[0].URL)
			},
		},
		{
			name:   "atom with html titles and inherited author",
			file:   "atom-relative.xml",
			feedID: "atom",
			check: func(t *testing.T, feed *Feed, arts []Item) {
				assert.False(t, feed.Repaired)
				assert.Equal(t, "Wiener Zeitung", feed.Title)
				assert.Equal(t, "de", feed.Lang)
				assert.Equal(t, "atom", feed.Format)
				assert.Equal(t, time.Date(2024, 5, 14, 8, 0, 0, 0, time.UTC), feed.Updated)
				require.Len(t, arts, 2)

				a := arts[0]
				assert.Equal(t, "Eilmeldung: Donau steigt", a.Title)
				assert.Equal(t, "https://wien.example.org/artikel/1", a.URL)
				assert.Equal(t, "Pegel über 7 m.", a.Summary)
				assert.Equal(t, `<p>Der Pegel der <a href="/orte/donau">Donau</a> steigt.</p>`, a.Content, "content HTML as the feed sent it")
				assert.Equal(t, []string{"Redaktion"}, a.Authors, "entries inherit the feed's author")
				assert.Equal(t, time.Date(2024, 5, 14, 7, 0, 0, 0, time.UTC), a.Published, "updated when nothing was published")

				b := arts[1]
				assert.Empty(t, b.URL)
				assert.Equal(t, ArticleID("atom", "", "tag:wien.example.org,2024:2"), b.ID)
				assert.Equal(t, []string{"Eva Gruber"}, b.Authors)
				assert.Equal(t, time.Date(2024, 5, 13, 18, 0, 0, 0, time.UTC), b.Published, "published wins over updated")
			},
		},
		{
			name:   "json feed",
			file:   "feed.json",
			feedID: "json",
			check: func(t *testing.T, feed *Feed, arts []Item) {
				assert.Equal(t, "JSON News", feed.Title)
				assert.Equal(t, "json", feed.Format)
				assert.Equal(t, "en", feed.Lang)
				require.Len(t, arts, 2)
				assert.Equal(t, "Hello & welcome", arts[0].Title)
				assert.Equal(t, "https://json.example.org/posts/1", arts[0].URL)
				assert.Equal(t, "A first post.", arts[0].Summary)
				assert.Equal(t, "<p>Hello, <em>world</em>.</p>", arts[0].Content)
				assert.Equal(t, []string{"Kim Lee"}, arts[0].Authors)
				assert.Equal(t, []string{"intro", "meta"}, arts[0].Categories)
				assert.Equal(t, time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC), arts[0].Published)
				assert.Equal(t, ArticleID("json", "", "2"), arts[1].ID)
				assert.Equal(t, "No link here.", arts[1].Content)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			feedID := tt.feedID
			feed, arts, err := Parse(feedID, readFeed(t, tt.file), "", fetchedAt)
			require.NoError(t, err)
			for _, a := range arts {
				assert.Equal(t, feedID, a.Feed)
				assert.Equal(t, fetchedAt, a.Fetched)
				assert.Len(t, a.ID, 32)
			}
			tt.check(t, feed, arts)
		})
	}
}

// item wraps item XML in a minimal RSS 2.0 channel.
func item(channelExtra, items string) []byte {
	return []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>` +
		`<title>T</title><link>https://site.example.org/news/</link>` + channelExtra + items + `</channel></rss>`)
}

func TestParseItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  []byte
		check func(t *testing.T, arts []Item)
	}{
		{
			name: "relative link against the channel link",
			body: item("", `<item><title>a</title><link>../2024/a.html#c</link></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 1)
				assert.Equal(t, "https://site.example.org/2024/a.html", arts[0].URL)
			},
		},
		{
			name: "permalink guid stands in for the link",
			body: item("", `<item><title>a</title><guid>HTTPS://Site.Example.org:443/p/1?utm_campaign=x</guid></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 1)
				assert.Equal(t, "https://site.example.org/p/1", arts[0].URL)
				assert.Equal(t, ArticleID("f", "https://site.example.org/p/1", ""), arts[0].ID)
			},
		},
		{
			name: "same article through two tracking links has one id",
			body: item("", `<item><title>a</title><link>https://x.example.org/a?utm_source=tw</link></item>`+
				`<item><title>a</title><link>https://X.example.org/a?fbclid=1#top</link></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 2)
				assert.Equal(t, arts[0].ID, arts[1].ID)
			},
		},
		{
			name: "neither link nor guid: title and date",
			body: item("", `<item><title>Same</title><pubDate>Tue, 14 May 2024 09:30:00 GMT</pubDate></item>`+
				`<item><title>Same</title><pubDate>Wed, 15 May 2024 09:30:00 GMT</pubDate></item>`+
				`<item><title>Same</title><pubDate>Tue, 14 May 2024 09:30:00 GMT</pubDate></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 3)
				assert.NotEqual(t, arts[0].ID, arts[1].ID, "another date, another article")
				assert.Equal(t, arts[0].ID, arts[2].ID, "same title and date, same article")
				assert.Empty(t, arts[0].URL)
			},
		},
		{
			name: "an item with nothing to identify it is skipped",
			body: item("", `<item></item><item><description>only text</description></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 1)
				assert.Equal(t, "only text", arts[0].Summary)
			},
		},
		{
			name: "title tags stripped, entities decoded, spaces collapsed",
			body: item("", `<item><title>  &lt;b&gt;Breaking:&lt;/b&gt;
				Tom &amp;amp; Jerry &lt;3 </title><link>https://x.example.org/t</link></item>`+
				`<item><title><![CDATA[<i>Q&amp;A</i>: 5 < 6]]></title><link>https://x.example.org/u</link></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 2)
				assert.Equal(t, "Breaking: Tom & Jerry <3", arts[0].Title)
				assert.Equal(t, "Q&A: 5 < 6", arts[1].Title)
			},
		},
		{
			name: "item language beats the channel's",
			body: item(`<language>IT-it</language>`, `<item><title>a</title><link>https://x.example.org/1</link></item>`+
				`<item><title>b</title><link>https://x.example.org/2</link><dc:language>fr-CA</dc:language></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 2)
				assert.Equal(t, "it", arts[0].Lang)
				assert.Equal(t, "fr", arts[1].Lang)
			},
		},
		{
			name: "no language declared",
			body: item("", `<item><title>a</title><link>https://x.example.org/1</link></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 1)
				assert.Empty(t, arts[0].Lang)
				assert.Zero(t, arts[0].LangConf)
				assert.True(t, arts[0].Published.IsZero())
			},
		},
		{
			name: "authors from author and dc:creator",
			body: item("", `<item><title>a</title><link>https://x.example.org/1</link><author>jdoe@example.org (Jane Doe)</author></item>`+
				`<item><title>b</title><link>https://x.example.org/2</link><dc:creator>Max Muster</dc:creator></item>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 2)
				assert.Equal(t, []string{"Jane Doe"}, arts[0].Authors)
				assert.Equal(t, []string{"Max Muster"}, arts[1].Authors)
			},
		},
		{
			name: "content encoded kept as html beside the description",
			body: []byte(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>` +
				`<item><title>a</title><link>https://x.example.org/1</link><description>Short.</description>` +
				`<content:encoded><![CDATA[<p>Long <a href="https://x.example.org/">text</a>.</p>]]></content:encoded></item></channel></rss>`),
			check: func(t *testing.T, arts []Item) {
				require.Len(t, arts, 1)
				assert.Equal(t, "Short.", arts[0].Summary)
				assert.Equal(t, `<p>Long <a href="https://x.example.org/">text</a>.</p>`, arts[0].Content)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, arts, err := Parse("f", tt.body, "application/rss+xml", fetchedAt)
			require.NoError(t, err)
			tt.check(t, arts)
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    []byte
		notFeed bool
		msg     string
	}{
		{name: "html page", body: []byte("<!DOCTYPE html><html><body>hi</body></html>"), notFeed: true, msg: "parse feed: not a feed: HTML page"},
		{name: "empty body", body: nil, notFeed: true, msg: "parse feed: not a feed: empty body"},
		{name: "blank body", body: []byte("\n \t\n"), notFeed: true, msg: "parse feed: not a feed: empty body"},
		{name: "xml that is not a feed", body: []byte(`<?xml version="1.0"?><note><to>you</to></note>`), notFeed: true, msg: "parse feed: not a feed: root element <note> is not RSS, Atom or JSON Feed"},
		{name: "json that is not a feed", body: []byte(`["a", "b"]`), notFeed: true, msg: "parse feed: not a feed: not RSS, Atom or JSON Feed"},
		{name: "plain text", body: []byte("502 Bad Gateway"), notFeed: true, msg: "parse feed: not a feed: no XML root element or JSON object"},
		{name: "broken json", body: []byte(`{"version": "1.0", "items": [`), msg: "parse feed: unexpected end of JSON input"},
		{name: "broken gzip", body: []byte{0x1f, 0x8b, 8, 0, 0, 0}, msg: "parse feed: decompress gzip: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			feed, arts, err := Parse("f", tt.body, "", fetchedAt)
			require.Error(t, err)
			assert.Nil(t, feed)
			assert.Nil(t, arts)
			if tt.notFeed {
				require.ErrorIs(t, err, ErrNotFeed)
			} else {
				assert.NotErrorIs(t, err, ErrNotFeed)
			}
			assert.EqualError(t, err, tt.msg)
		})
	}
}

func TestParseGzipBody(t *testing.T) {
	t.Parallel()
	_, arts, err := Parse("f", gzipped(t, []byte(testFeed)), "", fetchedAt)
	require.NoError(t, err)
	require.Len(t, arts, 1)
	assert.Equal(t, "One", arts[0].Title)
}

func TestRepairXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		changed bool
	}{
		{name: "well-formed untouched", in: `<a x="1">&amp;&lt;&#233;&#xE9;</a>`, want: `<a x="1">&amp;&lt;&#233;&#xE9;</a>`},
		{name: "bare ampersand", in: `<a>Fish & chips &</a>`, want: `<a>Fish &amp; chips &amp;</a>`, changed: true},
		{name: "ampersand in a query", in: `<a>/x?a=1&b=2</a>`, want: `<a>/x?a=1&amp;b=2</a>`, changed: true},
		{name: "html entities become numeric", in: `<a>&nbsp;&eacute;&hellip;</a>`, want: `<a>&#160;&#233;&#8230;</a>`, changed: true},
		{name: "unknown entity escaped", in: `<a>&bogus;</a>`, want: `<a>&amp;bogus;</a>`, changed: true},
		{name: "illegal character reference escaped", in: `<a>&#0;&#x1;</a>`, want: `<a>&amp;#0;&amp;#x1;</a>`, changed: true},
		{name: "cdata comments and instructions untouched", in: `<?p a&b?><!-- & --><a><![CDATA[& &nbsp;]]></a>`, want: `<?p a&b?><!-- & --><a><![CDATA[& &nbsp;]]></a>`},
		{name: "unquoted attribute", in: `<rss version=2.0><a/></rss>`, want: `<rss version="2.0"><a/></rss>`, changed: true},
		{name: "unquoted attribute before self-close", in: `<a href=/x/>`, want: `<a href="/x"/>`, changed: true},
		{name: "typographic quotes", in: "<feed xmlns=\u201chttp://www.w3.org/2005/Atom\u201d a=\u2018b\u2019/>", want: `<feed xmlns="http://www.w3.org/2005/Atom" a="b"/>`, changed: true},
		{name: "attribute without value", in: `<a checked x='1'/>`, want: `<a checked="checked" x='1'/>`, changed: true},
		{name: "missing final bracket", in: "<rss><channel></channel>\n</rss", want: "<rss><channel></channel>\n</rss>", changed: true},
		{name: "cut inside cdata", in: `<rss><channel><item><title>a</title></item><item><description><![CDATA[<p>cut`, want: `<rss><channel><item><title>a</title></item><item><description></description></item></channel></rss>`, changed: true},
		{name: "prefixed elements closed as written", in: `<rdf:RDF><item>`, want: `<rdf:RDF><item></item></rdf:RDF>`, changed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, changed := repairXML([]byte(tt.in))
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.changed, changed)
		})
	}
}

func TestRepairJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		changed bool
	}{
		{name: "valid untouched", in: `{"a": "b\n", "c": [1, {"d": "}"}]}`, want: `{"a": "b\n", "c": [1, {"d": "}"}]}`},
		{name: "raw newline escaped", in: "{\"a\": \"line\nbreak\\\"\tx\"}", want: `{"a": "line\u000abreak\"\u0009x"}`, changed: true},
		{name: "truncated after an item", in: `{"items": [{"id": "1"}, {"id": "2", "title": "cut`, want: `{"items": [{"id": "1"}]}`, changed: true},
		{name: "truncated without a complete container", in: `{"version": "1.0"`, want: `{"version": "1.0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, changed := repairJSON([]byte(tt.in))
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.changed, changed)
		})
	}
}

func TestNormalizeLang(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tag  string
		want string
	}{
		{name: "plain", tag: "de", want: "de"},
		{name: "region", tag: "en-US", want: "en"},
		{name: "underscore", tag: "pt_BR", want: "pt"},
		{name: "odd case", tag: "IT-it", want: "it"},
		{name: "mixed case", tag: "en-Us", want: "en"},
		{name: "three letters", tag: "fil", want: "fil"},
		{name: "deprecated code", tag: "iw", want: "he"},
		{name: "spaces", tag: " el ", want: "el"},
		{name: "empty", tag: "", want: ""},
		{name: "a word", tag: "English", want: ""},
		{name: "undetermined", tag: "und", want: ""},
		{name: "ill-formed after the language", tag: "de-DE-x-12345678901", want: "de"},
		{name: "unassigned code", tag: "qq", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, NormalizeLang(tt.tag))
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxFuzzInput {
			return
		}
		feed, arts, err := Parse("fuzz", body, "", fetchedAt)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse feed: ") {
				t.Fatalf("error does not say what failed: %v", err)
			}
			return
		}
		if feed == nil {
			t.Fatal("no feed and no error")
		}
		for _, a := range arts {
			if len(a.ID) != 32 {
				t.Fatalf("bad id %q", a.ID)
			}
			if !utf8.ValidString(a.Title) || !utf8.ValidString(a.Summary) || !utf8.ValidString(a.Content) {
				t.Fatalf("article text is not valid UTF-8: %+v", a)
			}
		}
	})
}

func TestDepth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want int
	}{
		{"rss", `<?xml version="1.0"?><rss><channel><item><title>a</title></item></channel></rss>`, 4},
		{"self-closing and comments", `<rss><!-- <a><b><c> --><channel><link href="x"/><![CDATA[<d><e>]]><x a=">"/></channel></rss>`, 2},
		{"quoted >", `<rss><channel title="a>b"><item/></channel></rss>`, 2},
		{"json", `{"items":[{"title":"[{[{"},{"a":[1,[2]]}]}`, 5},
		{"json strings with escapes", `{"a":"\"{{{{"}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, depth([]byte(tt.text)))
		})
	}
}

// A feed nested deeper than MaxDepth is refused before any parser sees it,
// whatever its format.
func TestParseRefusesDeepNesting(t *testing.T) {
	t.Parallel()
	n := MaxDepth + 10
	deepXML := `<rss version="2.0"><channel><title>t</title>` + strings.Repeat("<x>", n) + strings.Repeat("</x>", n) + `</channel></rss>`
	deepJSON := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[` + strings.Repeat("[", n) + strings.Repeat("]", n) + `]}`
	for name, body := range map[string]string{"xml": deepXML, "json": deepJSON, "json cut short": deepJSON[:len(deepJSON)-n]} {
		_, _, err := Parse("deep", []byte(body), "", fetchedAt)
		require.ErrorIs(t, err, ErrTooDeep, name)
		assert.ErrorContains(t, err, "parse feed: ")
	}
	// The shallow one still parses.
	_, items, err := Parse("ok", []byte(`<rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://e.org/a</link></item></channel></rss>`), "", fetchedAt)
	require.NoError(t, err)
	assert.Len(t, items, 1)
}

func TestParseContextCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := ParseContext(ctx, "f", readFeed(t, "rss-messy.xml"), "", fetchedAt, DefaultLimits())
	require.ErrorIs(t, err, context.Canceled)
}

// Repairing a deeply nested JSON document costs memory linear in its size
// (it copied the open-bracket stack on every closing bracket: 19.7 GB for
// 400 KB).
func TestRepairJSONIsLinear(t *testing.T) {
	const n = 200_000
	body := []byte(strings.Repeat("[", n) + strings.Repeat("]", n/2))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fixed, changed := repairJSON(body)
	runtime.ReadMemStats(&after)
	require.True(t, changed)
	assert.Len(t, fixed, n+n/2+n/2, "the open brackets are closed")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(40*len(body)), "allocated bytes stay linear in the input")
}

// Only http and https URLs become an item's URL; any other link is dropped
// and counted, and the item stays, identified by its feed and GUID.
func TestParseDropsUnsafeLinks(t *testing.T) {
	t.Parallel()
	body := []byte(`<rss version="2.0"><channel><title>T</title>` +
		`<item><title>a</title><link>javascript:alert(document.cookie)</link><guid isPermaLink="false">g1</guid></item>` +
		`<item><title>b</title><link>data:text/html;base64,PHNjcmlwdD4=</link><guid isPermaLink="false">g2</guid></item>` +
		`<item><title>c</title><link>ftp://files.example.org/c</link></item>` +
		`<item><title>d</title><link>/no/base/to/resolve</link></item>` +
		`<item><title>e</title><link>https://e.org/e</link></item>` +
		`</channel></rss>`)
	feed, items, err := Parse("f", body, "", fetchedAt)
	require.NoError(t, err)
	require.Len(t, items, 5, "no item is lost with its link")
	for _, it := range items[:4] {
		assert.Empty(t, it.URL, it.Title)
		assert.True(t, ValidID(it.ID), it.Title)
	}
	assert.Equal(t, ArticleID("f", "", "g1"), items[0].ID, "identified by feed and GUID")
	assert.Equal(t, "https://e.org/e", items[4].URL)
	assert.Equal(t, 4, feed.DroppedLinks)
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>T</title>`)
	b.WriteString(`<item><title>` + strings.Repeat("é", 3<<20) + `</title><link>https://e.org/big</link><description>` + strings.Repeat("x", 100) + `</description></item>`)
	for i := range 20 {
		fmt.Fprintf(&b, `<item><title>t%d</title><link>https://e.org/%d</link></item>`, i, i)
	}
	b.WriteString(`</channel></rss>`)
	lim := Limits{MaxItems: 10, MaxTitle: 4 << 10, MaxSummary: 50, MaxContent: 1 << 10, MaxList: 2}
	feed, items, err := ParseContext(context.Background(), "f", []byte(b.String()), "", fetchedAt, lim)
	require.NoError(t, err)
	require.Len(t, items, 10, "the first MaxItems items")
	assert.Equal(t, 11, feed.DroppedItems)
	assert.LessOrEqual(t, len(items[0].Title), 4<<10)
	assert.True(t, utf8.ValidString(items[0].Title), "cut at a rune boundary")
	assert.Len(t, items[0].Summary, 50)
	assert.Equal(t, 2, feed.Truncated, "the title and the summary")
	assert.Equal(t, "t0", items[1].Title, "the other items are whole")
}

// ValidID is the article id rule the pipeline applies.
func ValidID(id string) bool { return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == "" }
