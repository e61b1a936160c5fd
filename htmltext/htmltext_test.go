package htmltext

import (
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"block tags become spaces", "<p>a &amp; b</p><p>c</p>", "a & b c"},
		{"whitespace collapsed and trimmed", "  Nicol&aacute;s\n\t<b>Maduro</b>  ", "Nicolás Maduro"},
		{"inline tags join", "Vene<i>zuela</i>", "Venezuela"},
		{"script and style skipped", "x<script>if (a<b) alert(1)</script>y<style>p{}</style>z", "x y z"},
		{"comment skipped", "a<!-- hidden -->b", "a b"},
		{"lone angle bracket is text", "a < b > c", "a < b > c"},
		{"unknown reference is text", "AT&T &bogus; &", "AT&T &bogus; &"},
		{"numeric references", "&#233;&#xE9;&#128;&#0;", "éé€\uFFFD"},
		{"references without semicolon", "&amp &lt", "& <"},
		{"nbsp is space", "a&nbsp;&nbsp;b", "a b"},
		{"invalid utf-8 replaced", "a\xffb", "a\uFFFDb"},
		{"quoted attribute with bracket", `<a title="x > y">link</a>`, "link"},
		{"soft hyphen dropped", "Vene\u00ADzuela", "Venezuela"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Plain(tt.in))
		})
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	html := "<p>Russia's president spoke on Thursday with the president of <b>Venezuela</b>, Nicolás Maduro, at a moment of high tension.</p>"
	start := strings.Index(html, "Venezuela")
	end := start + len("Venezuela")
	tests := []struct {
		name        string
		text        string
		start, end  int
		radius      int
		want        string
		wantContain string
	}{
		{"short text not cut", "Venezuela today", 0, 9, 50, "Venezuela today", ""},
		{"html around the hit", html, start, end, 20, "…the president of Venezuela, Nicolás Maduro,…", ""},
		{"radius zero", html, start, end, 0, "…Venezuela…", ""},
		{"references decoded", "Nicol&aacute;s Maduro", 0, len("Nicol&aacute;s Maduro"), 5, "Nicolás Maduro", ""},
		{"offsets clamped", "Venezuela", -5, 100, 3, "Venezuela", ""},
		{"empty hit", "abc def", 4, 4, 2, "…bc d…", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Snippet(tt.text, tt.start, tt.end, tt.radius)
			assert.True(t, utf8.ValidString(got))
			if tt.want != "" {
				assert.Equal(t, tt.want, got)
			}
			if tt.wantContain != "" {
				assert.Contains(t, got, tt.wantContain)
			}
		})
	}
}

// TestNamedRefs checks the allocation-free reference table against the
// standard library's.
func TestNamedRefs(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"rsquo", "lsquo", "rdquo", "ldquo", "sbquo", "bdquo", "laquo", "raquo", "ndash", "mdash",
		"hellip", "shy", "zwnj", "zwj", "thinsp", "ensp", "emsp", "bull", "middot", "copy", "reg", "trade", "euro", "pound",
		"deg", "times", "aacute", "eacute", "iacute", "oacute", "uacute", "agrave", "egrave", "ograve", "acirc", "ecirc",
		"ocirc", "auml", "ouml", "uuml", "Auml", "Ouml", "Uuml", "szlig", "ntilde", "ccedil", "Eacute", "atilde", "otilde",
		"amp", "lt", "gt", "quot", "apos", "nbsp"} {
		r, n, end, ok := Ref("&"+name+";", 0)
		require.True(t, ok, name)
		assert.Equal(t, len(name)+2, end)
		assert.Equal(t, html.UnescapeString("&"+name+";"), string(r[:n]), name)
	}
}
