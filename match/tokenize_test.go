package match

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// tokens renders a text's tokens as "text[start:end]", with "+" before a
// token adjacent to the previous one.
func tokens(s string, html bool) []string {
	var out []string
	var z tokenizer
	z.run(s, html, func(t *token) {
		adj := ""
		if t.adj {
			adj = "+"
		}
		out = append(out, fmt.Sprintf("%s%s[%d:%d]", adj, t.text, t.start, t.end))
	})
	return out
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		html bool
		want []string
	}{
		{"words and punctuation", "Hello, World!", false, []string{"hello[0:5]", "world[7:12]"}},
		{"apostrophes split", "Venezuela’s d'Ivoire", false, []string{"venezuela[0:9]", "s[12:13]", "d[14:15]", "ivoire[16:22]"}},
		{"diacritics and case folded", "Ñandú ÉCOLE Straße", false, []string{"nandu[0:7]", "ecole[8:14]", "strasse[15:22]"}},
		{"turkish i", "İı", false, []string{"ii[0:4]"}},
		{"cyrillic yo folds, short i stays", "Ёлка Йемен", false, []string{"елка[0:8]", "йемен[9:19]"}},
		{"greek accents and final sigma", "Αθήνας", false, []string{"αθηνασ[0:12]"}},
		{"cjk runes adjacent", "委内A", false, []string{"委[0:3]", "+内[3:6]", "+a[6:7]"}},
		{"cjk split by space", "委 内", false, []string{"委[0:3]", "内[4:7]"}},
		{"compatibility characters", "ﬁ ①", false, []string{"fi[0:3]", "1[4:7]"}},
		{"decomposed accent in one segment", "e\u0301t\u00e9", false, []string{"ete[0:6]"}},
		{"soft hyphen inside a word", "Vene\u00adzuela", false, []string{"venezuela[0:11]"}},
		{"html block and inline tags", "<p>a<b>b</b></p>c", true, []string{"ab[3:8]", "c[16:17]"}},
		{"html references keep their span", "x&eacute;y &amp; z", true, []string{"xey[0:10]", "z[17:18]"}},
		{"not html: markup is text", "<b>x</b>", false, []string{"b[1:2]", "x[3:4]", "b[6:7]"}},
		{"arabic harakat dropped", "فَنزوِيلا", false, []string{"فنزويلا[0:18]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tokens(tt.in, tt.html))
		})
	}
}
