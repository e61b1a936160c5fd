package htmltext

import (
	"html"
	"strings"
	"testing"
	"unicode"
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

func TestPlainPrefix(t *testing.T) {
	t.Parallel()
	in := "<p>Ein  <b>kurzer</b> Text</p><p>und &amp; mehr</p>"
	full := Plain(in)
	for n := 1; n <= len([]rune(full))+2; n++ {
		got := PlainPrefix(in, n)
		want := string([]rune(full)[:min(n, len([]rune(full)))])
		assert.Equal(t, want, got, "n=%d", n)
	}
}

// snippetAll is Snippet as it was first written: it collapses the whole
// text, then cuts. The windowed Snippet must give the same.
func snippetAll(text string, start, end, radius int) string {
	start = max(0, min(start, len(text)))
	end = max(start, min(end, len(text)))
	radius = max(radius, 0)
	var rs []Rune
	space := false
	Scan(text, func(p Rune) {
		if IsSpace(p.R) {
			space = len(rs) > 0
			return
		}
		if unicode.Is(unicode.Cf, p.R) && p.R != 0x200B {
			return
		}
		if space {
			rs = append(rs, Rune{' ', p.Start, p.Start})
			space = false
		}
		rs = append(rs, p)
	})
	hs := len(rs)
	for k, p := range rs {
		if p.Start >= start || p.End > start {
			hs = k
			break
		}
	}
	he := hs
	for he < len(rs) && rs[he].Start < end {
		he++
	}
	from := max(0, hs-radius)
	to := min(len(rs), he+radius)
	slack := radius/5 + 1
	if from > 0 {
		for k := from; k < hs && k < from+slack; k++ {
			if rs[k].R == ' ' {
				from = k + 1
				break
			}
		}
	}
	if to < len(rs) {
		for k := to - 1; k >= he && k > to-slack; k-- {
			if rs[k].R == ' ' {
				to = k
				break
			}
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	for k := from; k < to; k++ {
		if (k == from || k == to-1) && rs[k].R == ' ' {
			continue
		}
		b.WriteRune(rs[k].R)
	}
	if to < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}

func TestSnippetWindowIsSnippetAll(t *testing.T) {
	t.Parallel()
	texts := []string{
		"",
		"Venezuela",
		"  <p>Die USA eskalieren in der <b>Karibik</b>; Caracas protestiert.</p>  ",
		strings.Repeat("Ein Satz über Venezuela und die Karibik, mit &amp; Zeichen. ", 20),
		"<p>a</p><p>b</p>   <br>c\u200bd\u00ade<script>x</script>f",
	}
	for _, text := range texts {
		for start := 0; start <= len(text)+1; start += 1 + len(text)/50 {
			for _, width := range []int{0, 1, 5, 20} {
				for _, radius := range []int{0, 1, 3, 10, 60} {
					want := snippetAll(text, start, start+width, radius)
					got := Snippet(text, start, start+width, radius)
					require.Equal(t, want, got, "text %q start %d width %d radius %d", text, start, width, radius)
				}
			}
		}
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add("<p>Die USA eskalieren in der <b>Karibik</b>; Caracas protestiert.</p>", 30, 8, 10)
	f.Add("a  b\u00a0c", 1, 1, 0)
	f.Fuzz(func(t *testing.T, text string, start, width, radius int) {
		if len(text) > 4096 || radius > 200 || radius < -1 || width < 0 || width > 100 {
			return
		}
		want := snippetAll(text, start, start+width, radius)
		if got := Snippet(text, start, start+width, radius); got != want {
			t.Fatalf("Snippet(%q, %d, %d, %d) = %q, want %q", text, start, start+width, radius, got, want)
		}
	})
}
