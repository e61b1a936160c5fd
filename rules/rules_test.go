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

func nearDoc() *Doc {
	title := "Venezuela seizes an Iranian oil tanker off its coast"
	content := "<p>The navy said on Monday that the <b>tanker</b>, which had sailed from Bandar Abbas, " +
		"was boarded near Margarita. President Nicolás Maduro praised the crew.</p><p>委内瑞拉扣押油轮。</p>"
	return &Doc{
		Feed: "efe-en",
		Lang: "en",
		Fields: []match.Field{
			{Name: "title", Text: title},
			{Name: "summary", Text: ""},
			{Name: "content", Text: content},
		},
		Entities: []Mention{
			{ID: "venezuela", Kind: "place", Surface: "Venezuela", Field: "title", Start: 0, End: 9},
			{ID: "maduro", Kind: "person", Surface: "Nicolás Maduro", Field: "content", Start: 125, End: 140},
			{ID: "venezuela", Kind: "place", Surface: "委内瑞拉", Field: "content", Start: 165, End: 177},
			{ID: "ghost", Kind: "org", Surface: "x", Field: "media", Start: 3, End: 4}, // a field the rules do not see
		},
	}
}

func TestEvaluateNear(t *testing.T) {
	t.Parallel()
	d := nearDoc()
	require.Equal(t, "Nicolás Maduro", d.Fields[2].Text[125:140])
	require.Equal(t, "委内瑞拉", d.Fields[2].Text[165:177])
	tests := []struct {
		name    string
		query   string
		matches []Match // nil: does not fire
	}{
		{"words within reach", "venezuela NEAR/4 tanker", []Match{
			{Term: "venezuela NEAR/4 tanker", Surface: "Venezuela … tanker", Field: "title", Snippet: "Venezuela seizes an Iranian oil tanker off its coast"},
		}},
		{"one word short", "venezuela NEAR/3 tanker", nil},
		{"either order, the alias", `"tanker venezuela"~4`, []Match{
			{Term: "tanker NEAR/4 venezuela", Surface: "Venezuela … tanker", Field: "title", Snippet: "Venezuela seizes an Iranian oil tanker off its coast"},
		}},
		{"adjacent phrase and word", `"Iranian oil" NEAR/0 tanker`, []Match{
			{Term: `"Iranian oil" NEAR/0 tanker`, Surface: "Iranian oil tanker", Field: "title", Snippet: "Venezuela seizes an Iranian oil tanker off its coast"},
		}},
		{"entity and word across markup", "entity:maduro NEAR/20 tanker", []Match{
			{Term: "entity:maduro NEAR/20 tanker", Surface: "tanker … Nicolás Maduro", Field: "content",
				Snippet: "The navy said on Monday that the tanker, which had sailed from Bandar Abbas, was boarded near Margarita. President Nicolás Maduro praised the crew. 委内瑞拉扣押油轮。"},
		}},
		{"entity too far", "entity:maduro NEAR/10 tanker", nil},
		{"kind side", "kind:person NEAR/3 Margarita", []Match{
			{Term: "kind:person NEAR/3 Margarita", Surface: "Margarita … Nicolás Maduro", Field: "content",
				Snippet: "…which had sailed from Bandar Abbas, was boarded near Margarita. President Nicolás Maduro praised the crew. 委内瑞拉扣押油轮。"},
		}},
		{"characters count as words in Han text", "entity:venezuela NEAR/2 油轮", []Match{
			{Term: "entity:venezuela NEAR/2 油轮", Surface: "委内瑞拉 … 油轮", Field: "content",
				Snippet: "…near Margarita. President Nicolás Maduro praised the crew. 委内瑞拉扣押油轮。"},
		}},
		{"han one character short", "entity:venezuela NEAR/1 油轮", nil},
		{"title side stays in the title", `title:"venezuela tanker"~4 AND NOT title:"tanker navy"~9`, []Match{
			{Term: "title:venezuela NEAR/4 title:tanker", Surface: "Venezuela … tanker", Field: "title", Snippet: "Venezuela seizes an Iranian oil tanker off its coast"},
		}},
		{"kind", "kind:person", []Match{
			{Term: "kind:person", Surface: "Nicolás Maduro", Field: "content",
				Snippet: "…from Bandar Abbas, was boarded near Margarita. President Nicolás Maduro praised the crew. 委内瑞拉扣押油轮。"},
		}},
		{"kind not found", "kind:org NEAR/5 tanker", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile([]Rule{{ID: "r", Query: tt.query}})
			require.NoError(t, err)
			got := e.Evaluate(nearDoc())
			if tt.matches == nil {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, tt.matches, got[0].Matches)
		})
	}
}

func TestWordStarts(t *testing.T) {
	t.Parallel()
	text := "<p>Venezuela'nın &amp; covid-19</p>委内 x"
	ws := wordStarts(text)
	var words []string
	for _, s := range ws {
		words = append(words, text[s:s+1])
	}
	assert.Equal(t, []string{"V", "n", "c", "1", "\xe5", "\xe5", "x"}, words)
	assert.Equal(t, 0, wordAt(ws, 0))
	assert.Equal(t, 2, wordAt(ws, ws[2]+3))
}
