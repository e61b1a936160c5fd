package match

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		html       bool
		want       []string
	}{
		{"latin folded", "Caracas’ CRISIS, Ñandú", false, []string{"caracas", "crisis", "nandu"}},
		{"html", "<p>Über &amp; <b>Maduro</b></p>", true, []string{"uber", "maduro"}},
		{"han runes", "委内瑞拉选举", false, []string{"委", "内", "瑞", "拉", "选", "举"}},
		{"empty", "", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			Words(tc.text, tc.html, func(w []byte) bool { got = append(got, string(w)); return true })
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestWordsStops(t *testing.T) {
	var got []string
	Words("one two <b>three</b> four five", true, func(w []byte) bool {
		got = append(got, string(w))
		return len(got) < 3
	})
	assert.Equal(t, []string{"one", "two", "three"}, got)
}
