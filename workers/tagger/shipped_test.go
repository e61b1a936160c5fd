package tagger

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
)

// The shipped config finds what the mission promises, in the languages and
// scripts it names, and none of its hard negatives.
func TestShippedConfigMissionExamples(t *testing.T) {
	m := shippedMatcher(t)
	tests := []struct {
		lang, title string
		want        []string
	}{
		{"de", "Neue Spannungen in der Karibikregion", []string{"caribbean"}},
		{"de", "Die venezolanische Regierung protestiert", []string{"venezuela"}},
		{"ru", "Путин обсудил ситуацию вокруг Венесуэлы", []string{"venezuela"}},
		{"zh", "委内瑞拉总统发表讲话", []string{"venezuela"}},
		{"ar", "وزير الخارجية يزور كاراكاس وفنزويلا", []string{"venezuela"}},
		{"tr", "Venezuela'nın kıyıları alarmda", []string{"venezuela"}},
		{"fr", "Tempête dans les Caraibes", []string{"caribbean"}},
		{"en", "Venezuela’s opposition calls for talks", []string{"venezuela"}},
		{"es", "El Gobierno venezolano denuncia sanciones en el Caribe", []string{"venezuela", "caribbean"}},
		{"nl", "De Venezolaanse regering protesteert", []string{"venezuela"}},
		{"af", "Storm oor die Karibiese eilande", []string{"caribbean"}},
		{"pl", "Huragan nad Karaibami, rząd wenezuelski milczy", []string{"venezuela", "caribbean"}},
		{"cs", "Venezuelská vláda a karibské ostrovy", []string{"venezuela", "caribbean"}},
		{"sv", "Orkan i Karibien", []string{"caribbean"}},
		{"uk", "Венесуельський уряд і Карибське море", []string{"venezuela", "caribbean"}},
		{"be", "Шторм у Карыбскім моры", []string{"caribbean"}},
		{"tr", "Karayipler'de fırtına", []string{"caribbean"}},
		{"el", "Τυφώνας στην Καραϊβική", []string{"caribbean"}},
		{"ko", "카리브해에 허리케인", []string{"caribbean"}},
		{"de", "Hochwasser in Venedig", nil},
		{"it", "Acqua alta a Venezia", nil},
		{"en", "Venice floods again", nil},
		{"en", "Caribou herds move north", nil},
		{"sw", "Karibu Zanzibar", nil},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) { checkShipped(t, m, tt.lang, tt.title, tt.want, false) })
	}
}

// shippedMatcher is the tagger's matcher of the shipped config.
func shippedMatcher(t *testing.T) *match.Matcher {
	t.Helper()
	cfg, err := config.Load("../../config/mediawatch.yaml", func(string) string { return "" })
	require.NoError(t, err)
	m, err := compile(ConfigFrom(cfg))
	require.NoError(t, err)
	return m
}

// checkShipped tags a title in its language and (unless declaredOnly) in
// none, and wants the entities want found.
func checkShipped(t *testing.T, m *match.Matcher, lang, title string, want []string, declaredOnly bool) {
	t.Helper()
	langs := []string{lang, ""} // declared, and unknown
	if declaredOnly {
		langs = langs[:1]
	}
	for _, lang := range langs {
		var got []string
		for _, e := range Tag(m, &pipeline.Article{Title: title, Lang: lang}) {
			if !slices.Contains(got, e.ID) {
				got = append(got, e.ID)
			}
		}
		assert.ElementsMatch(t, want, got, "lang %q", lang)
	}
}
