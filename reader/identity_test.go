package reader

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCanonicalURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr bool
	}{
		{name: "already canonical", raw: "https://example.org/a/b?x=1", want: "https://example.org/a/b?x=1"},
		{name: "scheme and host lower-cased", raw: "HTTPS://Example.ORG/Path/Case", want: "https://example.org/Path/Case"},
		{name: "http default port removed", raw: "http://example.org:80/a", want: "http://example.org/a"},
		{name: "https default port removed", raw: "https://example.org:443/a", want: "https://example.org/a"},
		{name: "other port kept", raw: "https://example.org:8443/a", want: "https://example.org:8443/a"},
		{name: "http port on https kept", raw: "https://example.org:80/a", want: "https://example.org:80/a"},
		{name: "empty port removed", raw: "https://example.org:/a", want: "https://example.org/a"},
		{name: "empty path becomes slash", raw: "https://example.org", want: "https://example.org/"},
		{name: "fragment removed", raw: "https://example.org/a#comments", want: "https://example.org/a"},
		{name: "utm params removed", raw: "https://example.org/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x", want: "https://example.org/a"},
		{
			name: "well-known trackers removed",
			raw:  "https://example.org/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&yclid=5&_ga=6&igshid=7&msclkid=8&id=9",
			want: "https://example.org/a?id=9",
		},
		{name: "query sorted", raw: "https://example.org/a?b=2&a=1&c=3", want: "https://example.org/a?a=1&b=2&c=3"},
		{name: "repeated key keeps value order", raw: "https://example.org/a?t=2&s=0&t=1", want: "https://example.org/a?s=0&t=2&t=1"},
		{name: "empty pairs dropped", raw: "https://example.org/a?&b=2&&a=1&", want: "https://example.org/a?a=1&b=2"},
		{name: "lone question mark dropped", raw: "https://example.org/a?", want: "https://example.org/a"},
		{name: "escaping kept", raw: "https://example.org/caf%C3%A9?q=a%20b&p=%2F", want: "https://example.org/caf%C3%A9?p=%2F&q=a%20b"},
		{name: "escaped tracking key removed", raw: "https://example.org/a?utm%5Fsource=x&k=v", want: "https://example.org/a?k=v"},
		{name: "surrounding space trimmed", raw: "  https://example.org/a \n", want: "https://example.org/a"},
		{name: "tracker-like key kept", raw: "https://example.org/a?utm=1&gclid_x=2", want: "https://example.org/a?gclid_x=2&utm=1"},
		{name: "IDN host in punycode", raw: "https://мвд.рф/news/1", want: "https://xn--b1aew.xn--p1ai/news/1"},
		{name: "punycode host kept", raw: "https://xn--b1aew.xn--p1ai/news/1", want: "https://xn--b1aew.xn--p1ai/news/1"},
		{name: "IDN host with capitals and port", raw: "http://Bücher.de:8080/a", want: "http://xn--bcher-kva.de:8080/a"},
		{name: "trailing dot of the host dropped", raw: "https://example.com./a", want: "https://example.com/a"},
		{name: "escape after a lone percent kept", raw: "https://example.org/a?q=%%41a0", want: "https://example.org/a?q=%%41a0"},
		{name: "escape after a lone percent and a digit kept", raw: "https://example.org/a?q=%7%41", want: "https://example.org/a?q=%7%41"},
		{name: "ipv6 host with default port", raw: "http://[::1]:80/a", want: "http://[::1]/a"},
		{name: "space in query escaped", raw: "https://example.org/a?r= x&q=a b", want: "https://example.org/a?q=a%20b&r=%20x"},
		{name: "escaped unreserved decoded", raw: "https://example.org/a%2Db%7e/c%2fd%c3%a9?k%5Fx=%41%2f", want: "https://example.org/a-b~/c%2Fd%C3%A9?k_x=A%2F"},
		{name: "invalid escape kept", raw: "https://example.org/a?q=100%", want: "https://example.org/a?q=100%"},
		{name: "webtrekk tracker removed", raw: "http://www.heise.de/developer/meldung/x.html?wt_mc=rss.developer.beitrag.atom", want: "http://www.heise.de/developer/meldung/x.html"},
		{name: "relative reference", raw: "/news/1", wantErr: true},
		{name: "scheme-relative", raw: "//example.org/a", wantErr: true},
		{name: "no host", raw: "mailto:desk@example.org", wantErr: true},
		{name: "empty", raw: "", wantErr: true},
		{name: "unparsable", raw: "http://[::1/a", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := CanonicalURL(tt.raw)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "canonicalize url")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := CanonicalURL(got)
			require.NoError(t, err)
			assert.Equal(t, got, again, "canonical form must be a fixed point")
		})
	}
}

func TestArticleID(t *testing.T) {
	t.Parallel()
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:16])
	}
	tests := []struct {
		name string
		feed string
		url  string
		guid string
		want string
	}{
		{name: "from url", feed: "dw-es", url: "https://example.org/a", guid: "g1", want: hash("https://example.org/a")},
		{name: "url wins over guid and feed", feed: "other", url: "https://example.org/a", guid: "g2", want: hash("https://example.org/a")},
		{name: "from feed and guid without link", feed: "dw-es", guid: "tag:example.org,2024:1", want: hash("dw-es\x00tag:example.org,2024:1")},
		{name: "same guid in another feed differs", feed: "dw-en", guid: "tag:example.org,2024:1", want: hash("dw-en\x00tag:example.org,2024:1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ArticleID(tt.feed, tt.url, tt.guid)
			assert.Len(t, got, 32)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.NotEqual(t, ArticleID("a", "", "bc"), ArticleID("ab", "", "c"), "the NUL separator keeps feed and guid apart")
}

func FuzzCanonicalURL(f *testing.F) {
	for _, seed := range []string{
		"https://example.org/a?utm_source=x&b=2&a=1#frag",
		"HTTP://EXAMPLE.org:80",
		"http://[::1]:443/%zz",
		"https://user:pass@example.org:443/a%2Fb?q=%20",
		"/relative",
		"https://example.org/?&&=&a",
		"ftp://host/x;y?z",
		"A://0? #",
		"A://::",
		"A://0?!& 0",
		"http://x/%2d%2F%zz?%41=%e9",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CanonicalURL(raw)
		if err != nil {
			return
		}
		again, err := CanonicalURL(got)
		if err != nil {
			t.Fatalf("canonical %q of %q does not canonicalize: %v", got, raw, err)
		}
		if again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, got, again)
		}
	})
}
