package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// article is a map-based Env: the entities it mentions, its feed and
// language, and the text terms (in canonical form, as String prints them)
// that match it.
type article struct {
	entities map[string]bool
	feed     string
	lang     string
	text     map[string]bool
	asked    map[string]int // how often Text was asked about each term
	kinds    map[string]bool
	spans    map[string][]Span // by the term's String, for NEAR
}

func (a *article) Entity(id string) bool { return a.entities[id] }
func (a *article) Feed() string          { return a.feed }
func (a *article) Lang() string          { return a.lang }
func (a *article) Text(t Term) bool {
	if a.asked == nil {
		a.asked = map[string]int{}
	}
	a.asked[t.String()]++
	return a.text[t.String()]
}
func (a *article) Kind(kind string) bool { return a.kinds[kind] }
func (a *article) Spans(t Term) []Span   { return a.spans[t.String()] }

func set(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func TestEvalTruthTables(t *testing.T) {
	t.Parallel()
	// Every combination of a and b for the operators.
	tests := []struct {
		name  string
		query string
		want  [4]bool // for (a,b) = (f,f), (f,t), (t,f), (t,t)
	}{
		{name: "and", query: "a AND b", want: [4]bool{false, false, false, true}},
		{name: "implicit and", query: "a b", want: [4]bool{false, false, false, true}},
		{name: "or", query: "a OR b", want: [4]bool{false, true, true, true}},
		{name: "not", query: "NOT a", want: [4]bool{true, true, false, false}},
		{name: "minus", query: "b -a", want: [4]bool{false, true, false, false}},
		{name: "and not", query: "a AND NOT b", want: [4]bool{false, false, true, false}},
		{name: "not binds tighter than or", query: "NOT a OR b", want: [4]bool{true, true, false, true}},
		{name: "not of a group", query: "NOT (a OR b)", want: [4]bool{true, false, false, false}},
		{name: "double not", query: "NOT NOT a", want: [4]bool{false, false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			for i, env := range []*article{
				{text: set()},
				{text: set("b")},
				{text: set("a")},
				{text: set("a", "b")},
			} {
				assert.Equal(t, tt.want[i], Eval(n, env), "a=%v b=%v", env.text["a"], env.text["b"])
			}
		})
	}
}

func TestEvalPrecedence(t *testing.T) {
	t.Parallel()
	// a OR b AND c is a OR (b AND c): with a true and c false it is true,
	// where (a OR b) AND c would be false.
	n, err := Parse("a OR b AND c")
	require.NoError(t, err)
	assert.True(t, Eval(n, &article{text: set("a")}))
	assert.False(t, Eval(n, &article{text: set("b")}))
	assert.True(t, Eval(n, &article{text: set("b", "c")}))
}

func TestEvalFields(t *testing.T) {
	t.Parallel()
	venezuelaES := &article{
		entities: set("venezuela", "maduro"),
		feed:     "efe-es",
		lang:     "es-VE",
		text:     set("Maduro", `title:"estado de emergencia"`, "Karib*"),
	}
	tests := []struct {
		name  string
		query string
		env   *article
		want  bool
	}{
		{name: "entity present", query: "entity:venezuela", env: venezuelaES, want: true},
		{name: "entity absent", query: "entity:caribbean", env: venezuelaES, want: false},
		{name: "either entity", query: "entity:venezuela OR entity:caribbean", env: venezuelaES, want: true},
		{name: "feed equal", query: "feed:efe-es", env: venezuelaES, want: true},
		{name: "feed differs", query: "feed:efe", env: venezuelaES, want: false},
		{name: "excluded feed", query: "entity:maduro -feed:dw-es", env: venezuelaES, want: true},
		{name: "lang primary subtag", query: "lang:es", env: venezuelaES, want: true},
		{name: "lang full tag ignores case", query: "lang:ES-ve", env: venezuelaES, want: true},
		{name: "lang other region", query: "lang:es-ES", env: venezuelaES, want: false},
		{name: "lang other language", query: "lang:pt", env: venezuelaES, want: false},
		{name: "lang unknown", query: "lang:es", env: &article{}, want: false},
		{name: "lang prefix is not a subtag", query: "lang:pt", env: &article{lang: "ptx"}, want: false},
		{name: "lang more specific than article", query: "lang:pt-BR", env: &article{lang: "pt"}, want: false},
		{name: "lang underscore", query: "lang:pt-br", env: &article{lang: "pt_BR"}, want: true},
		{name: "title phrase goes to Text", query: `title:"estado de emergencia" lang:es`, env: venezuelaES, want: true},
		{name: "text prefix goes to Text", query: "Karib* -sport", env: venezuelaES, want: true},
		{name: "realistic", query: `(Maduro OR "Nicolás Maduro") AND NOT feed:dw-es`, env: venezuelaES, want: true},
		{name: "realistic excluded", query: `(Maduro OR "Nicolás Maduro") AND NOT feed:efe-es`, env: venezuelaES, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, Eval(n, tt.env))
		})
	}
}

func TestEvalShortCircuits(t *testing.T) {
	t.Parallel()
	n, err := Parse("a OR b OR (c AND d)")
	require.NoError(t, err)
	env := &article{text: set("a")}
	require.True(t, Eval(n, env))
	assert.Equal(t, map[string]int{"a": 1}, env.asked)
}

func TestLangMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		want, have string
		match      bool
	}{
		{name: "equal", want: "pt", have: "pt", match: true},
		{name: "region", want: "pt", have: "pt-br", match: true},
		{name: "case", want: "pt", have: "PT-BR", match: true},
		{name: "underscore", want: "pt", have: "pt_BR", match: true},
		{name: "longer language", want: "pt", have: "ptx", match: false},
		{name: "shorter article", want: "pt-br", have: "pt", match: false},
		{name: "script", want: "zh-hant", have: "zh-Hant-TW", match: true},
		{name: "empty article", want: "pt", have: "", match: false},
		{name: "non-ascii article", want: "pt", have: "pté", match: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.match, langMatch(tt.want, tt.have))
		})
	}
}

func TestPositive(t *testing.T) {
	t.Parallel()
	env := &article{
		entities: set("venezuela"),
		feed:     "efe-es",
		lang:     "es",
		text:     set("Maduro", `"Nicolás Maduro"`, "sport", "Karib*"),
	}
	tests := []struct {
		name  string
		query string
		want  []string // String of each term
	}{
		{name: "single", query: "Maduro", want: []string{"Maduro"}},
		{name: "false query explains nothing", query: "Guaidó", want: nil},
		{name: "both or branches", query: `Maduro OR "Nicolás Maduro" OR Guaidó`, want: []string{"Maduro", `"Nicolás Maduro"`}},
		{name: "and with fields", query: "entity:venezuela lang:es feed:efe-es", want: []string{"entity:venezuela", "lang:es", "feed:efe-es"}},
		{name: "negated terms are left out", query: "Maduro -Guaidó NOT feed:dw-es", want: []string{"Maduro"}},
		{name: "true term under not is left out", query: "Maduro OR NOT sport", want: []string{"Maduro"}},
		{name: "true term in a false group is left out", query: "(sport AND Guaidó) OR Maduro", want: []string{"Maduro"}},
		{name: "deduplicated in order", query: `(Maduro entity:venezuela) OR (entity:venezuela Maduro Karib*)`, want: []string{"Maduro", "entity:venezuela", "Karib*"}},
		{name: "not of a false group", query: "Maduro NOT (sport Guaidó)", want: []string{"Maduro"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			var got []string
			for _, term := range Positive(n, env) {
				got = append(got, term.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPositiveAsksOncePerTerm(t *testing.T) {
	t.Parallel()
	n, err := Parse("(a b) OR (a c) OR (b c)")
	require.NoError(t, err)
	env := &article{text: set("b", "c")}
	got := Positive(n, env)
	require.Len(t, got, 2)
	assert.Equal(t, Term{Kind: KindText, Value: "b", Col: 20}, got[0])
	assert.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1}, env.asked)
}

func TestTermsKeepsColumns(t *testing.T) {
	t.Parallel()
	n, err := Parse("x (entity:venezuela OR feed:dw-es)")
	require.NoError(t, err)
	got := Terms(n)
	require.Len(t, got, 3)
	assert.Equal(t, 4, got[1].Col)
	assert.Equal(t, 24, got[2].Col)
}

func TestKindString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "entity", KindEntity.String())
	assert.Equal(t, "text", KindText.String())
	assert.Equal(t, "Kind(0)", Kind(0).String())
}

func BenchmarkEval(b *testing.B) {
	n, err := Parse(`(entity:venezuela OR entity:caribbean) (Maduro OR "Nicolás Maduro") -feed:dw-es lang:es`)
	require.NoError(b, err)
	env := benchEnv{}
	b.ReportAllocs()
	for b.Loop() {
		if !Eval(n, env) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	q := `(Maduro OR "Nicolás Maduro") AND NOT feed:dw-es title:"estado de emerg*" lang:es Karibik* -sport`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEnv answers without allocating, so that BenchmarkEval measures Eval.
type benchEnv struct{}

func (benchEnv) Entity(id string) bool { return id == "caribbean" }
func (benchEnv) Feed() string          { return "efe-es" }
func (benchEnv) Lang() string          { return "es-VE" }
func (benchEnv) Text(t Term) bool      { return t.Phrase && t.Value == "Nicolás Maduro" }
func (benchEnv) Kind(string) bool      { return false }
func (benchEnv) Spans(Term) []Span     { return nil }
