package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseNearAndKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{name: "near", query: "venezuela NEAR/5 tanker", want: "venezuela NEAR/5 tanker"},
		{name: "phrase alias", query: `"venezuela tanker"~5`, want: "venezuela NEAR/5 tanker"},
		{name: "alias with prefixes and spaces", query: `" venez*  tank* "~3`, want: "venez* NEAR/3 tank*"},
		{name: "title alias", query: `title:"oil tanker"~2`, want: "title:oil NEAR/2 title:tanker"},
		{name: "names and phrases on both sides", query: `"Nicolás Maduro" NEAR/10 entity:putin`, want: `"Nicolás Maduro" NEAR/10 entity:putin`},
		{name: "or groups as sides", query: `(seiz* OR seizure) NEAR/5 (tanker OR "oil ship")`, want: `(seiz* OR seizure) NEAR/5 (tanker OR "oil ship")`},
		{name: "near binds tighter than and", query: "a b NEAR/2 c", want: "(a AND b NEAR/2 c)"},
		{name: "near binds tighter than not", query: "NOT a NEAR/2 c", want: "NOT a NEAR/2 c"},
		{name: "minus before near", query: "x -a NEAR/2 c", want: "(x AND NOT a NEAR/2 c)"},
		{name: "near in or", query: "a NEAR/1 b OR c", want: "(a NEAR/1 b OR c)"},
		{name: "zero means adjacent", query: "a NEAR/0 b", want: "a NEAR/0 b"},
		{name: "lower-case near is a word", query: "a near b", want: "(a AND near AND b)"},
		{name: "kind", query: "kind:person entity:venezuela", want: "(kind:person AND entity:venezuela)"},
		{name: "kind near a word", query: "kind:person NEAR/3 sanctions", want: "kind:person NEAR/3 sanctions"},
		{name: "kind field name ignores case", query: "KIND:org", want: "kind:org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, n.String())
			back, err := Parse(n.String())
			require.NoError(t, err)
			assert.Equal(t, n.String(), back.String(), "the canonical form parses back")
		})
	}
}

func TestParseNearTree(t *testing.T) {
	t.Parallel()
	n, err := Parse(`"venezuela tanker"~5 kind:person`)
	require.NoError(t, err)
	assert.Equal(t, And{
		L: Near{L: []Term{{Kind: KindText, Value: "venezuela", Col: 2}}, R: []Term{{Kind: KindText, Value: "tanker", Col: 12}}, N: 5, Col: 19},
		R: Term{Kind: KindEntityKind, Value: "person", Col: 22},
	}, n)
	assert.Equal(t, []Term{
		{Kind: KindText, Value: "venezuela", Col: 2},
		{Kind: KindText, Value: "tanker", Col: 12},
		{Kind: KindEntityKind, Value: "person", Col: 22},
	}, Terms(n), "Terms lists both sides of a NEAR")
}

func TestParseNearErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		col     int
		message string
	}{
		{name: "no distance", query: "a NEAR b", col: 3, message: "NEAR needs a word distance"},
		{name: "bad distance", query: "a NEAR/x b", col: 8, message: `expected a word distance from 0 to 100 after NEAR/ or ~, as in NEAR/5; found "x"`},
		{name: "empty distance", query: "a NEAR/ b", col: 8, message: "expected a word distance"},
		{name: "negative distance", query: "a NEAR/-1 b", col: 8, message: "expected a word distance"},
		{name: "too far", query: "a NEAR/101 b", col: 8, message: "at most 100"},
		{name: "leading near", query: "NEAR/5 b", col: 1, message: "NEAR/5 needs a term before it"},
		{name: "near in group start", query: "x (NEAR/5 b)", col: 4, message: "NEAR/5 needs a term before it"},
		{name: "dangling near", query: "a NEAR/5", col: 3, message: "expected a term after NEAR/5, found the end of the query"},
		{name: "near then not", query: "a NEAR/5 NOT b", col: 3, message: "expected a term after NEAR/5, found NOT"},
		{name: "near after and", query: "a AND NEAR/5 b", col: 7, message: "expected a term after AND, found NEAR/5"},
		{name: "chained near", query: "a NEAR/5 b NEAR/3 c", col: 12, message: "a NEAR joins two sides"},
		{name: "feed side", query: "feed:x NEAR/2 y", col: 1, message: "feed: cannot be a side of NEAR/2"},
		{name: "lang side in group", query: "y NEAR/2 (x OR lang:es)", col: 16, message: "lang: cannot be a side"},
		{name: "and group side", query: "(a b) NEAR/2 c", col: 1, message: "a group with AND or NOT cannot be a side"},
		{name: "near as side", query: "(a NEAR/1 b) NEAR/2 c", col: 1, message: "a NEAR cannot be a side"},
		{name: "alias as side", query: `"a b"~1 NEAR/2 c`, col: 1, message: "a NEAR cannot be a side"},
		{name: "alias of three words", query: `"a b c"~2`, col: 1, message: "takes two words"},
		{name: "alias of one word", query: `"tanker"~2`, col: 1, message: "takes two words"},
		{name: "alias without distance", query: `"a b"~ x`, col: 7, message: "expected a word distance"},
		{name: "alias with bad distance", query: `"a b"~5x`, col: 7, message: `found "5x"`},
		{name: "alias glued to quote", query: `"a b"~5"c"`, col: 8, message: "put a space before the quote"},
		{name: "alias star inside word", query: `"ve*n b"~2`, col: 4, message: `"*" is only allowed at the end of a word`},
		{name: "kind without value", query: "kind:", col: 6, message: `expected an entity kind after "kind:", as in kind:person`},
		{name: "kind upper case", query: "kind:Person", col: 6, message: "(ids are lower-case)"},
		{name: "quoted kind", query: `kind:"person"`, col: 6, message: "kind: takes a value without quotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.Error(t, err, "parsed as %v", n)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.col, se.Col, "column; message %q", se.Msg)
			assert.Contains(t, se.Msg, tt.message)
		})
	}
}

func TestEvalNear(t *testing.T) {
	t.Parallel()
	// "Venezuela has seized the oil tanker" in the title; Maduro far away
	// in the content.
	env := &article{
		kinds: set("person"),
		spans: map[string][]Span{
			"venezuela":        {{Field: "title", First: 0, Last: 0}},
			"tanker":           {{Field: "title", First: 5, Last: 5}},
			`"oil tanker"`:     {{Field: "title", First: 4, Last: 5}},
			"tank*":            {{Field: "title", First: 5, Last: 5}, {Field: "content", First: 40, Last: 40}},
			"entity:maduro":    {{Field: "content", First: 30, Last: 31}},
			"kind:person":      {{Field: "content", First: 30, Last: 31}},
			"oil":              {{Field: "title", First: 4, Last: 4}},
			"title:venezuela":  {{Field: "title", First: 0, Last: 0}},
			"title:tanker":     {{Field: "title", First: 5, Last: 5}},
			"title:oil":        {{Field: "title", First: 4, Last: 4}},
			"entity:venezuela": {{Field: "title", First: 0, Last: 0}},
		},
	}
	tests := []struct {
		name  string
		query string
		want  bool
	}{
		{name: "within reach", query: "venezuela NEAR/4 tanker", want: true},
		{name: "exactly the distance", query: "venezuela NEAR/4 tanker", want: true},
		{name: "one word short", query: "venezuela NEAR/3 tanker", want: false},
		{name: "either order", query: "tanker NEAR/4 venezuela", want: true},
		{name: "alias", query: `"tanker venezuela"~4`, want: true},
		{name: "adjacent", query: "oil NEAR/0 tanker", want: true},
		{name: "phrase side", query: `"oil tanker" NEAR/3 venezuela`, want: true},
		{name: "overlapping places are not a pair", query: `"oil tanker" NEAR/5 tanker`, want: false},
		{name: "other field", query: "entity:maduro NEAR/50 venezuela", want: false},
		{name: "entity and prefix in content", query: "entity:maduro NEAR/8 tank*", want: true},
		{name: "kind side", query: "kind:person NEAR/8 tank*", want: true},
		{name: "or side", query: "(nothing OR entity:venezuela) NEAR/4 tanker", want: true},
		{name: "missing side", query: "nothing NEAR/100 tanker", want: false},
		{name: "title alias", query: `title:"venezuela tanker"~4`, want: true},
		{name: "negated", query: "NOT venezuela NEAR/4 tanker", want: false},
		{name: "kind", query: "kind:person", want: true},
		{name: "kind absent", query: "kind:org", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, Eval(n, env))
		})
	}
}

func TestNearPairs(t *testing.T) {
	t.Parallel()
	env := &article{spans: map[string][]Span{
		"a": {{Field: "content", First: 1, Last: 1}, {Field: "content", First: 20, Last: 20}, {Field: "title", First: 0, Last: 0}},
		"b": {{Field: "content", First: 3, Last: 3}, {Field: "content", First: 18, Last: 18}, {Field: "content", First: 90, Last: 90}},
	}}
	n, err := Parse("a NEAR/2 b")
	require.NoError(t, err)
	pairs := n.(Near).Pairs(env, 0)
	assert.Equal(t, []Pair{
		{L: Span{Field: "content", First: 1, Last: 1}, R: Span{Field: "content", First: 3, Last: 3}},
		{L: Span{Field: "content", First: 20, Last: 20}, R: Span{Field: "content", First: 18, Last: 18}},
	}, pairs)
	assert.Len(t, n.(Near).Pairs(env, 1), 1, "limit")
}

func TestPositiveNear(t *testing.T) {
	t.Parallel()
	env := &article{
		text:  set("Maduro"),
		spans: map[string][]Span{"a": {{Field: "title", First: 0, Last: 0}}, "b": {{Field: "title", First: 1, Last: 1}}},
	}
	n, err := Parse("(a NEAR/1 b OR x NEAR/1 b) Maduro a NEAR/1 b")
	require.NoError(t, err)
	var got []string
	for _, p := range Positive(n, env) {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{"a NEAR/1 b", "Maduro"}, got, "a NEAR is explained as a whole, once")
}
