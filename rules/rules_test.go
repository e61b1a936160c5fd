package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/query"
)

func testDoc() *Doc {
	return &Doc{
		Feed: "dw-de",
		Lang: "de",
		Fields: []match.Field{
			{Name: "title", Text: "Nicolás Maduro sichert Putin Unterstützung zu"},
			{Name: "summary", Text: "Telefonat mit dem venezolanischen Präsidenten."},
			{Name: "content", Text: "<p>Die USA eskalieren in der <b>Karibik</b>; Caracas protestiert.</p>"},
		},
		Entities: []Mention{
			{ID: "venezuela", Surface: "venezolanischen", Field: "summary", Start: 18, End: 33},
			{ID: "caribbean", Surface: "Karibik", Field: "content", Start: 32, End: 39},
		},
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		matches []Match // nil: does not fire
	}{
		{"entity", "entity:caribbean", []Match{
			{Term: "entity:caribbean", Surface: "Karibik", Field: "content", Snippet: "Die USA eskalieren in der Karibik; Caracas protestiert."},
		}},
		{"feed and lang have no snippet", "feed:dw-de lang:de", []Match{
			{Term: "feed:dw-de", Surface: "dw-de", Field: "feed"},
			{Term: "lang:de", Surface: "de", Field: "lang"},
		}},
		{"title term in the title", `title:Putin`, []Match{
			{Term: "title:Putin", Surface: "Putin", Field: "title", Snippet: "Nicolás Maduro sichert Putin Unterstützung zu"},
		}},
		{"title term elsewhere", `title:Caracas`, nil},
		{"entity not found", "entity:cuba", nil},
		{"NOT is no explanation", "Caracas AND NOT entity:cuba", []Match{
			{Term: "Caracas", Surface: "Caracas", Field: "content", Snippet: "Die USA eskalieren in der Karibik; Caracas protestiert."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile([]Rule{{ID: "r", Query: tt.query}})
			require.NoError(t, err)
			got := e.Evaluate(testDoc())
			if tt.matches == nil {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, Firing{Rule: "r", Query: tt.query, Matches: tt.matches}, got[0])
		})
	}
}

// A match's term is written as the query language writes it, so that it
// parses back to the same term: a prefix phrase keeps its '*' inside the
// quotes ("nicolás madur*"), where the query language requires it.
func TestMatchTermsParseBack(t *testing.T) {
	t.Parallel()
	for _, q := range []string{`"Nicolás Madur*"`, `title:"Maduro sichert"`, `Unterstütz*`, `title:Putin`, `"Karibik"`} {
		e, err := Compile([]Rule{{ID: "r", Query: q}})
		require.NoError(t, err)
		got := e.Evaluate(testDoc())
		require.Len(t, got, 1, q)
		require.NotEmpty(t, got[0].Matches, q)
		term := got[0].Matches[0].Term
		n, err := query.Parse(term)
		require.NoError(t, err, "the term %s of %s does not parse", term, q)
		want, _ := query.Parse(q)
		assert.Equal(t, want.String(), n.String(), q)
	}
}

func TestRulesInOrder(t *testing.T) {
	t.Parallel()
	e, err := Compile([]Rule{{ID: "b", Query: "entity:venezuela"}, {ID: "never", Query: "entity:cuba"}, {ID: "a", Query: "Karibik"}})
	require.NoError(t, err)
	got := e.Evaluate(testDoc())
	require.Len(t, got, 2)
	assert.Equal(t, "b", got[0].Rule)
	assert.Equal(t, "a", got[1].Rule)
}

func TestCompileNamesTheRule(t *testing.T) {
	t.Parallel()
	_, err := Compile([]Rule{{ID: "bad", Query: "entity:x AND ("}})
	var se *query.SyntaxError
	require.ErrorAs(t, err, &se)
	require.ErrorContains(t, err, `compile rule "bad": column 14`)
}
