package match

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testEntities covers every matching rule; the country gazetteer is off so
// that each case shows which configured name does the work.
func testEntities() []Entity {
	return []Entity{
		{ID: "venezuela", Kind: "place", Names: map[string][]string{
			"en": {"Venezuela"},
			"ru": {"Венесуэла"},
			"ar": {"فنزويلا"},
			"zh": {"委内瑞拉"},
			"ja": {"ベネズエラ"},
			"ko": {"베네수엘라"},
			"tr": {"Venezuela"},
			"el": {"Βενεζουέλα"},
		}},
		{ID: "caribbean", Kind: "place", Names: map[string][]string{
			"en": {"Caribbean"},
			"de": {"Karibik*"},
			"fr": {"Caraïbes"},
			"es": {"Caribe"},
		}},
		{ID: "maduro", Kind: "person", Names: map[string][]string{"es": {"Nicolás Maduro", "Maduro"}}},
		{ID: "istanbul", Names: map[string][]string{"tr": {"İstanbul"}}},
		{ID: "algeria", Kind: "place", Names: map[string][]string{"ar": {"الجزائر"}}},
		{ID: "cuba", Kind: "place", Names: map[string][]string{"ru": {"Куба"}, "ar": {"كوبا"}, "es": {"Cuba"}}},
		{ID: "street", Names: map[string][]string{"de": {"Hauptstraße"}}},
		{ID: "pyotr", Kind: "person", Names: map[string][]string{"ru": {"Пётр Ильич"}}},
		{ID: "summit", Names: map[string][]string{"ja": {"G20サミット"}}},
		{ID: "cote", Kind: "place", Names: map[string][]string{"fr": {"Côte d’Ivoire"}}},
	}
}

var testMatcher = sync.OnceValues(func() (*Matcher, error) {
	return NewMatcher(testEntities(), Options{})
})

// hitPairs renders hits as "id=surface".
func hitPairs(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID+"="+h.Surface)
	}
	return out
}

func TestFind(t *testing.T) {
	t.Parallel()
	m, err := testMatcher()
	require.NoError(t, err)
	tests := []struct {
		name string
		text string
		want []string
	}{
		// Word boundaries.
		{"whole word", "Crisis in Venezuela deepens", []string{"venezuela=Venezuela"}},
		{"not inside a longer word", "the Venezuelanisation of politics", nil},
		{"case folded", "VENEZUELA and venezuela", []string{"venezuela=VENEZUELA", "venezuela=venezuela"}},
		{"fullwidth", "ＶＥＮＥＺＵＥＬＡ", []string{"venezuela=ＶＥＮＥＺＵＥＬＡ"}},
		// Apostrophes split words.
		{"apostrophe ascii", "Venezuela'nın petrolü", []string{"venezuela=Venezuela"}},
		{"apostrophe typographic", "Venezuela’s oil", []string{"venezuela=Venezuela"}},
		{"apostrophe modifier letter", "Venezuelaʼs oil", []string{"venezuela=Venezuela"}},
		{"apostrophe inside a name", "in Côte d'Ivoire", []string{"cote=Côte d'Ivoire"}},
		// Scripts without spaces match as substrings.
		{"han substring", "委内瑞拉政府表示", []string{"venezuela=委内瑞拉"}},
		{"katakana", "ベネズエラ政府は", []string{"venezuela=ベネズエラ"}},
		{"halfwidth katakana", "ﾍﾞﾈｽﾞｴﾗ政府", []string{"venezuela=ﾍﾞﾈｽﾞｴﾗ"}},
		{"hangul with particle", "베네수엘라의 대통령", []string{"venezuela=베네수엘라"}},
		{"han split by punctuation", "委内，瑞拉", nil},
		{"latin word next to kana", "G20サミットで", []string{"summit=G20サミット"}},
		// Prefixes.
		{"prefix compound", "die Karibikregion und die Karibik", []string{"caribbean=Karibikregion", "caribbean=Karibik"}},
		{"prefix not matching", "Karibu means welcome", nil},
		// Stemming (language unknown: every stemmer, stems of 4 runes or more).
		{"russian inflection", "Санкции против Венесуэлы и Венесуэлой", []string{"venezuela=Венесуэлы", "venezuela=Венесуэлой"}},
		{"greek accent and case", "ΒΕΝΕΖΟΥΕΛΑ", []string{"venezuela=ΒΕΝΕΖΟΥΕΛΑ"}},
		{"german sharp s folds to ss", "HAUPTSTRASSE 5 and Hauptstrasse", []string{"street=HAUPTSTRASSE", "street=Hauptstrasse"}},
		// Turkish dotted and dotless i.
		{"turkish dotted capital", "İSTANBUL'da", []string{"istanbul=İSTANBUL"}},
		{"turkish dotless", "ıstanbul", []string{"istanbul=ıstanbul"}},
		{"turkish plain", "Istanbul", []string{"istanbul=Istanbul"}},
		// Cyrillic ё and stress marks.
		{"cyrillic yo", "Петр Ильич", []string{"pyotr=Петр Ильич"}},
		{"cyrillic stress mark", "Пё\u0301тр Ильи\u0301ч", []string{"pyotr=Пё\u0301тр Ильи\u0301ч"}},
		// Arabic proclitics.
		{"arabic wa fa", "وفنزويلا", []string{"venezuela=فنزويلا"}},
		{"arabic bi", "بفنزويلا", []string{"venezuela=فنزويلا"}},
		{"arabic wa bi", "وبفنزويلا", []string{"venezuela=فنزويلا"}},
		{"arabic article kept in name", "والجزائر", []string{"algeria=الجزائر"}},
		{"arabic li al", "للجزائر", []string{"algeria=لجزائر"}},
		{"arabic harakat", "فَنزوِيلا", []string{"venezuela=فَنزوِيلا"}},
		// Multi-word names.
		{"multi-word across punctuation", "Nicolas  -  Maduro said", []string{"maduro=Nicolas  -  Maduro"}},
		{"multi-word across a line", "Nicolás\nMaduro", []string{"maduro=Nicolás\nMaduro"}},
		{"multi-word decomposed accent", "Nicola\u0301s Maduro", []string{"maduro=Nicola\u0301s Maduro"}},
		{"shorter name inside longer one counts once", "NICOLÁS MADURO", []string{"maduro=NICOLÁS MADURO"}},
		{"shorter name alone", "Maduro", []string{"maduro=Maduro"}},
		// HTML.
		{"html tags stripped", "<p>Crisis in <b>Venezuela</b></p>", []string{"venezuela=Venezuela"}},
		{"html inline tag inside a word", "Vene<i>zuela</i>", []string{"venezuela=Venezuela"}},
		{"html block tag splits", "Vene<br>zuela", nil},
		{"html script skipped", "<script>var Venezuela = 1;</script>", nil},
		{"html comment skipped", "<!-- Venezuela -->", nil},
		{"html named reference", "Nicol&aacute;s Maduro", []string{"maduro=Nicolás Maduro"}},
		{"html decimal reference", "Nicol&#225;s Maduro", []string{"maduro=Nicolás Maduro"}},
		{"html hex reference", "&#x56;enezuela", []string{"venezuela=Venezuela"}},
		{"html amp", "Venezuela &amp; Cuba", []string{"venezuela=Venezuela", "cuba=Cuba"}},
		{"html attribute not text", `<a title="Venezuela" href="/x">link</a>`, nil},
		{"soft hyphen", "Vene\u00ADzuela", []string{"venezuela=Vene\u00ADzuela"}},
		// Hard negatives.
		{"venice", "Venice, Venedig, Venezia and Venecia", nil},
		{"caribou", "caribou, Karibu and the Carib people", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, hitPairs(m.Find("title", tt.text)))
		})
	}
}

// TestStemming covers inflection, with the article's language known (only
// its stemmer applies) or not (every stemmer, longer stems only).
func TestStemming(t *testing.T) {
	t.Parallel()
	m, err := testMatcher()
	require.NoError(t, err)
	tests := []struct {
		name string
		lang string
		text string
		want []string
	}{
		{"russian genitive", "ru", "Санкции против Венесуэлы", []string{"venezuela=Венесуэлы"}},
		{"russian short stem with known language", "ru", "Кубе грозит кризис", []string{"cuba=Кубе"}},
		{"russian short stem needs capital", "ru", "кубы льда", nil},
		{"russian short stem needs known language", "", "Кубе грозит кризис", nil},
		{"arabic short stem without case", "ar", "اشتباكات في محيط كوباني", nil},
		{"spanish plural of a lower-case noun", "es", "Los indios caribes", nil},
		{"spanish stem not in english text", "en", "Caribou herds shrink", nil},
		{"spanish stem of a shorter word", "es", "el pueblo Carib", nil},
		{"text word much longer", "en", "Venezuelanisationists", nil},
		{"greek genitive by the name inflection rules", "el", "Βενεζουέλας", []string{"venezuela=Βενεζουέλας"}},
		{"turkish suffix after apostrophe", "tr", "Venezuela'dan", []string{"venezuela=Venezuela"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, e := range tag(m, &doc{Title: tt.text, Lang: tt.lang}) {
				got = append(got, e.ID+"="+e.Surface)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestOffsets checks that Start and End index the text as passed.
func TestOffsets(t *testing.T) {
	t.Parallel()
	m, err := testMatcher()
	require.NoError(t, err)
	for _, text := range []string{
		"Crisis in Venezuela deepens",
		"<div class=\"x\"><p>Crisis in <b>Venezuela</b></p></div>",
		"Санкции против Венесуэлы",
		"据报道，委内瑞拉政府表示",
		"وفنزويلا والجزائر",
		"베네수엘라의 대통령",
		"Nicolás  -  Maduro",
		"Venezuela’s, İSTANBUL'da",
	} {
		hits := m.Find("content", text)
		require.NotEmpty(t, hits, text)
		for _, h := range hits {
			assert.Equal(t, text[h.Start:h.End], h.Surface, "%q", text)
			assert.Equal(t, "content", h.Field)
		}
	}
	hits := m.Find("content", "وفنزويلا")
	require.Len(t, hits, 1)
	assert.Equal(t, len("و"), hits[0].Start, "the proclitic is not part of the surface")

	hits = m.Find("title", "V&eacute;n&#233;zuela")
	require.Len(t, hits, 1)
	assert.Equal(t, 0, hits[0].Start)
	assert.Equal(t, len("V&eacute;n&#233;zuela"), hits[0].End)
	assert.Equal(t, "Vénézuela", hits[0].Surface, "a surface spelled with references is decoded")
}

func TestTag(t *testing.T) {
	t.Parallel()
	m, err := testMatcher()
	require.NoError(t, err)
	a := &doc{
		Title:   "Caribe: Maduro &amp; Cuba",
		Summary: "Venezuela",
		Content: "<p>Sanctions against <a href=\"/v\">Venezuela</a>.</p>",
		Lang:    "ja", // names apply whatever the article's language
	}
	before := *a
	got := tag(m, a)
	want := []Hit{
		{ID: "caribbean", Kind: "place", Surface: "Caribe", Field: "title", Start: 0, End: 6, Name: "Caribe", NameLang: "es"},
		{ID: "maduro", Kind: "person", Surface: "Maduro", Field: "title", Start: 8, End: 14, Name: "Maduro", NameLang: "es"},
		{ID: "cuba", Kind: "place", Surface: "Cuba", Field: "title", Start: 21, End: 25, Name: "Cuba", NameLang: "es"},
		{ID: "venezuela", Kind: "place", Surface: "Venezuela", Field: "summary", Start: 0, End: 9, Name: "Venezuela", NameLang: "en"},
		{ID: "venezuela", Kind: "place", Surface: "Venezuela", Field: "content", Start: 34, End: 43, Name: "Venezuela", NameLang: "en"},
	}
	assert.Equal(t, want, got)
	assert.Equal(t, before, *a, "Tag does not modify the article")

	istanbul := tag(m, &doc{Title: "Istanbul"})
	require.Len(t, istanbul, 1)
	assert.Equal(t, "other", istanbul[0].Kind, "kind defaults to other")
	assert.Nil(t, tag(m, &doc{Title: "nothing here"}))
}

func TestCountries(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]Entity{{ID: "germany", Kind: "place", Country: "de"}}, Options{})
	require.NoError(t, err)
	for _, name := range []string{"Germany", "Deutschland", "Allemagne", "Alemania", "Германия", "ドイツ", "독일", "德国", "ألمانيا", "Γερμανία", "Niemcy"} {
		hits := m.Find("title", "News from "+name+" today")
		require.Len(t, hits, 1, name)
		assert.Equal(t, "germany", hits[0].ID)
		assert.Equal(t, name, hits[0].Surface)
	}
	// The CLDR name's language says how it is stemmed.
	hits := tag(m, &doc{Title: "Санкции против Германии", Lang: "ru"})
	require.Len(t, hits, 1)
	assert.Equal(t, "ru", hits[0].NameLang)
	assert.Equal(t, "Германия", hits[0].Name)
}

func TestGazetteer(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]Entity{
		{ID: "fr", Kind: "org", Names: map[string][]string{"any": {"Hexagone"}}},
	}, Options{Countries: true})
	require.NoError(t, err)
	assert.Greater(t, m.Entities(), 240)
	assert.Greater(t, m.Names(), 10000)

	got := map[string]string{}
	for _, h := range m.Find("title", "France, l'Hexagone, Frankreich, Venezuela, Japón, 日本, Papua New Guinea, South Sudan") {
		got[h.Surface] = h.ID + ":" + h.Kind
	}
	assert.Equal(t, map[string]string{
		"France":           "fr:org", // the configured entity merges with the country: its kind wins
		"Hexagone":         "fr:org",
		"Frankreich":       "fr:org",
		"Venezuela":        "ve:place",
		"Japón":            "jp:place",
		"日本":               "jp:place",
		"Papua New Guinea": "pg:place", // not Guinea
		"South Sudan":      "ss:place", // not Sudan
	}, got)
	// 印度 (India) inside 印度尼西亚 (Indonesia) is not India.
	assert.Equal(t, []string{"id=印度尼西亚"}, hitPairs(m.Find("title", "印度尼西亚")))
	// Niger is not Nigeria.
	assert.Equal(t, []string{"ng=Nigeria"}, hitPairs(m.Find("title", "Nigeria")))
	// CLDR names are proper nouns: Danish Island (Iceland), Latvian Čada
	// (Chad), Tachelhit laws (Laos) and the short Nynorsk Man (Isle of Man)
	// do not match common words.
	assert.Empty(t, m.Find("title", "an island, cada año, new laws, a man and the end"))
	assert.Equal(t, []string{"is=Island"}, hitPairs(m.Find("title", "Vulkanausbruch auf Island")))
	assert.Equal(t, []string{"us=USA"}, hitPairs(m.Find("title", "USA")), "capitals are kept however short")
}

func TestNewMatcherErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		entities []Entity
		sentinel error
		contains []string
	}{
		{"star inside", []Entity{{ID: "c", Names: map[string][]string{"de": {"Ka*rib"}}}}, ErrInvalidName, []string{`"c"`, `"Ka*rib"`}},
		{"only punctuation", []Entity{{ID: "p", Names: map[string][]string{"en": {"!!!"}}}}, ErrInvalidName, []string{`"p"`, `"!!!"`}},
		{"lone star", []Entity{{ID: "s", Names: map[string][]string{"en": {"*"}}}}, ErrInvalidName, []string{`"s"`, `"*"`}},
		{"empty name", []Entity{{ID: "e", Names: map[string][]string{"en": {""}}}}, ErrInvalidName, []string{`"e"`}},
		{"unknown country", []Entity{{ID: "q", Country: "QQ"}}, ErrUnknownCountry, []string{`"q"`, `"QQ"`}},
		{"no id", []Entity{{Names: map[string][]string{"en": {"x"}}}}, ErrInvalidEntity, nil},
		{"no names", []Entity{{ID: "n"}}, ErrInvalidEntity, []string{`"n"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewMatcher(tt.entities, Options{})
			require.ErrorIs(t, err, tt.sentinel)
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
	// Every problem is reported.
	_, err := NewMatcher([]Entity{
		{ID: "a", Names: map[string][]string{"en": {"a*b"}}},
		{ID: "b", Names: map[string][]string{"en": {"..."}}},
	}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"a*b"`)
	assert.Contains(t, err.Error(), `"..."`)
	assert.True(t, errors.Is(err, ErrInvalidName))
}

func TestNames(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]Entity{
		{ID: "a", Names: map[string][]string{"en": {"Alpha", "Alpha", "Beta"}, "de": {"Alpha"}}},
		{ID: "a", Names: map[string][]string{"fr": {"Gamma"}}}, // same id: merged
	}, Options{})
	require.NoError(t, err)
	assert.Equal(t, 4, m.Names(), "distinct (entity, language, name)")
	assert.Equal(t, 1, m.Entities())
	assert.Equal(t, []string{"a=Gamma"}, hitPairs(m.Find("t", "Gamma")))
}

func TestCompileTerms(t *testing.T) {
	t.Parallel()
	m, err := CompileTerms([]Term{
		{ID: "oil", Text: "oil", Lang: "any"},
		{ID: "sanction*", Text: "sanction*", Lang: "any"},
		{ID: `"price cap"`, Text: "price cap", Lang: "any"},
		{ID: "embargo", Text: "embargo", Lang: "en"},
	})
	require.NoError(t, err)
	assert.Equal(t, 4, m.Names())
	hits := m.Find("content", "<p>Oil SANCTIONS and the price-cap; oily; Embargoes</p>")
	assert.Equal(t, []string{"oil=Oil", "sanction*=SANCTIONS", `"price cap"=price-cap`, "embargo=Embargoes"}, hitPairs(hits))
	for _, h := range hits {
		assert.Equal(t, "content", h.Field)
	}
	_, err = CompileTerms([]Term{{ID: "x", Text: "a*b"}})
	require.ErrorIs(t, err, ErrInvalidName)
}

func TestHolder(t *testing.T) {
	t.Parallel()
	var h Holder
	assert.Nil(t, h.Load())
	m1, err := CompileTerms([]Term{{ID: "a", Text: "alpha"}})
	require.NoError(t, err)
	m2, err := CompileTerms([]Term{{ID: "b", Text: "beta"}})
	require.NoError(t, err)
	h.Store(m1)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				hits := h.Load().Find("t", "alpha beta")
				assert.Len(t, hits, 1)
			}
		})
	}
	h.Store(m2)
	wg.Wait()
	assert.Equal(t, "b", h.Load().Find("t", "alpha beta")[0].ID)
}

// TestConcurrentUse runs one Matcher from many goroutines (meant for -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	m, err := testMatcher()
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got := tag(m, &doc{Title: "Венесуэлы и Кубе", Content: "<p>وفنزويلا 委内瑞拉政府</p>", Lang: "ru"})
				assert.Len(t, got, 4)
			}
		})
	}
	wg.Wait()
}

func TestSpacesInNamesOfScriptsWithoutSpaces(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]Entity{
		{ID: "car", Names: map[string][]string{"ko": {"중앙아프리카 공화국"}}},
		{ID: "nm", Names: map[string][]string{"ja": {"ニコラス・マドゥロ"}}},
	}, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"car=중앙아프리카공화국"}, hitPairs(m.Find("t", "중앙아프리카공화국의")))
	assert.Equal(t, []string{"car=중앙아프리카 공화국"}, hitPairs(m.Find("t", "중앙아프리카 공화국")))
	assert.Equal(t, []string{"nm=ニコラス・マドゥロ"}, hitPairs(m.Find("t", "ニコラス・マドゥロ大統領")))
	assert.Empty(t, m.Find("t", "中央アフリカ"))
}

func TestNilMatcher(t *testing.T) {
	t.Parallel()
	var m *Matcher
	assert.Nil(t, m.Find("title", "Venezuela"))
	assert.Nil(t, tag(m, &doc{Title: "Venezuela"}))
	assert.Zero(t, m.Names())
}

func TestGazetteerKind(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]Entity{{ID: "ve", Names: map[string][]string{"any": {"Bolivarian Republic"}}}}, Options{Countries: true})
	require.NoError(t, err)
	hits := m.Find("t", "Venezuela, the Bolivarian Republic")
	require.Len(t, hits, 2)
	for _, h := range hits {
		assert.Equal(t, "ve", h.ID)
		assert.Equal(t, "place", h.Kind, "a configured entity without kind takes the gazetteer's")
	}
}

// tag tags a doc's title, summary and content, as the tagger stage does.
func tag(m *Matcher, d *doc) []Hit {
	return m.Tag(d.Lang, []Field{{"title", d.Title}, {"summary", d.Summary}, {"content", d.Content}})
}
