package match

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/htmltext"
)

var fuzzSeeds = []string{
	"",
	"Venezuela'nın Venezuela’s Venezuelanisation",
	"<p>Nicol&aacute;s  -  Maduro</p> &amp; &#233; &#x56; &bogus; &",
	"委内瑞拉政府 ベネズエラ ﾍﾞﾈｽﾞｴﾗ 베네수엘라의 G20サミット",
	"وفنزويلا للجزائر فَنزوِيلا ﻻ",
	"Санкции против Венесуэлы, Пё\u0301тр",
	"İSTANBUL ıstanbul Hauptstraße ½ ㈱ ﬁ Ⅻ",
	"e\u0301\u0323 a\u0308\u0301 \u0301x \u200d\u00ad\u200b",
	"<script>x<y</script><!-- c --><a title=\"x>y\">z</a><br/><",
	"\xff\xfe\xc3 \xe3\x81",
	"𝐕𝐞𝐧𝐞𝐳𝐮𝐞𝐥𝐚 😀 𠀀",
}

// FuzzTokenize checks the normaliser and tokeniser: no panic, spans within
// the text and in order, valid UTF-8 output.
func FuzzTokenize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{false, true} {
			var z tokenizer
			prevStart, prevEnd, n := 0, 0, 0
			z.run(s, html, func(tok *token) {
				require.LessOrEqual(t, 0, tok.start)
				require.LessOrEqual(t, tok.start, tok.end)
				require.LessOrEqual(t, tok.end, len(s))
				require.LessOrEqual(t, prevStart, tok.start, "starts in order")
				require.LessOrEqual(t, prevEnd, tok.end, "ends in order")
				require.NotEmpty(t, tok.text)
				require.True(t, utf8.Valid(tok.text), "%q", tok.text)
				require.Equal(t, utf8.RuneCount(tok.text), tok.runes)
				require.Less(t, n, len(s)*8+1, "bounded")
				prevStart, prevEnd = tok.start, tok.end
				n++
			})
		}
		require.True(t, utf8.ValidString(htmltext.Plain(s)))
	})
}

// fuzzMatcher has names of every kind.
func fuzzMatcher(tb testing.TB) *Matcher {
	tb.Helper()
	m, err := NewMatcher([]Entity{
		{ID: "venezuela", Kind: "place", Country: "VE", Names: map[string][]string{"de": {"Venezuela*"}, "ar": {"فنزويل*"}}},
		{ID: "maduro", Names: map[string][]string{"es": {"Nicolás Maduro", "Maduro"}}},
		{ID: "summit", Names: map[string][]string{"ja": {"G20サミット"}}},
		{ID: "algeria", Names: map[string][]string{"ar": {"الجزائر"}}},
	}, Options{})
	require.NoError(tb, err)
	return m
}

// FuzzFind checks matching and snippets on arbitrary text.
func FuzzFind(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 7)
	}
	m := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, s string, radius int) {
		radius = max(0, min(radius, 200))
		hits := m.Find("content", s)
		prev := 0
		for _, h := range hits {
			require.LessOrEqual(t, 0, h.Start)
			require.Less(t, h.Start, h.End)
			require.LessOrEqual(t, h.End, len(s))
			require.LessOrEqual(t, prev, h.Start, "in text order")
			prev = h.Start
			require.True(t, utf8.ValidString(h.Surface))
			if !strings.ContainsAny(s[h.Start:h.End], "<&") {
				require.Equal(t, s[h.Start:h.End], h.Surface)
			}
			require.True(t, utf8.ValidString(htmltext.Snippet(s, h.Start, h.End, radius)))
		}
		require.True(t, utf8.ValidString(htmltext.Snippet(s, radius, radius*2, radius)))
		for _, lang := range []string{"", "ru", "ar", "xx"} {
			for _, e := range tag(m, &doc{Title: s, Summary: s, Content: s, Lang: lang}) {
				require.LessOrEqual(t, e.End, len(s))
			}
		}
	})
}

// FuzzNameFindsItself checks that a name is either refused or found in its
// own text.
func FuzzNameFindsItself(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "ru")
	}
	f.Add("Karibik*", "de")
	f.Add("Côte d’Ivoire", "fr")
	f.Fuzz(func(t *testing.T, name, lang string) {
		m, err := NewMatcher([]Entity{{ID: "x", Names: map[string][]string{lang: {name}}}}, Options{})
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidName)
			return
		}
		text := strings.TrimSuffix(strings.TrimSpace(name), "*")
		if strings.ContainsAny(text, "<&") {
			return // read as HTML in text, as plain text in a name
		}
		require.NotEmpty(t, m.Find("title", text), "name %q", name)
	})
}
