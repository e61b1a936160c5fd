package query

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{name: "single word", query: "Maduro", want: "Maduro"},
		{name: "or of entities", query: "entity:venezuela OR entity:caribbean", want: "(entity:venezuela OR entity:caribbean)"},
		{name: "and binds tighter than or", query: "a OR b AND c", want: "(a OR (b AND c))"},
		{name: "and binds tighter than or on the left", query: "a AND b OR c", want: "((a AND b) OR c)"},
		{name: "parentheses override precedence", query: "a AND (b OR c)", want: "(a AND (b OR c))"},
		{name: "implicit and", query: "a b", want: "(a AND b)"},
		{name: "implicit and binds tighter than or", query: "a b OR c d", want: "((a AND b) OR (c AND d))"},
		{name: "implicit and mixes with explicit", query: "a AND b c", want: "(a AND b AND c)"},
		{name: "and groups left", query: "a AND b AND c", want: "(a AND b AND c)"},
		{name: "or groups left", query: "a OR b OR c", want: "(a OR b OR c)"},
		{name: "left parentheses are the default grouping", query: "(a AND b) AND c", want: "(a AND b AND c)"},
		{name: "right grouping is kept", query: "a AND (b AND c)", want: "(a AND (b AND c))"},
		{name: "right grouping of or is kept", query: "a OR (b OR c)", want: "(a OR (b OR c))"},
		{name: "redundant parentheses go", query: "((a))", want: "a"},
		{name: "not binds tighter than and", query: "NOT a b", want: "(NOT a AND b)"},
		{name: "not binds tighter than or", query: "NOT a OR b", want: "(NOT a OR b)"},
		{name: "not of a group", query: "NOT (a OR b)", want: "NOT (a OR b)"},
		{name: "not after and", query: "a AND NOT b", want: "(a AND NOT b)"},
		{name: "double not", query: "NOT NOT a", want: "NOT NOT a"},
		{name: "minus is not", query: "Karibik* -sport", want: "(Karibik* AND NOT sport)"},
		{name: "minus before a group", query: "a -(b OR c)", want: "(a AND NOT (b OR c))"},
		{name: "minus before a field", query: "Maduro -feed:dw-es", want: "(Maduro AND NOT feed:dw-es)"},
		{name: "minus before a phrase", query: `Maduro -"Nicolás Maduro"`, want: `(Maduro AND NOT "Nicolás Maduro")`},
		{name: "hyphen inside a word", query: "covid-19", want: "covid-19"},
		{name: "lower-case keywords are words", query: "a and b or not c", want: "(a AND and AND b AND or AND not AND c)"},
		{name: "mixed-case keywords are words", query: "And Or", want: "(And AND Or)"},
		{name: "keyword touching parenthesis", query: "NOT(a)AND(b)", want: "(NOT a AND b)"},
		{name: "realistic", query: `(Maduro OR "Nicolás Maduro") AND NOT feed:dw-es`, want: `((Maduro OR "Nicolás Maduro") AND NOT feed:dw-es)`},
		{name: "title phrase and lang", query: `title:"state of emergency" lang:es`, want: `(title:"state of emergency" AND lang:es)`},
		{name: "title word prefix", query: "title:Karib*", want: "title:Karib*"},
		{name: "field names ignore case", query: "Title:Maduro ENTITY:venezuela", want: "(title:Maduro AND entity:venezuela)"},
		{name: "phrase prefix", query: `"state of emerg*"`, want: `"state of emerg*"`},
		{name: "typographic quotes", query: "“estado de emergencia” „Ausnahmezustand“", want: `("estado de emergencia" AND "Ausnahmezustand")`},
		{name: "unicode words", query: "Венесуэла 委内瑞拉 Venezuela'nın Venezuela’s", want: "(Венесуэла AND 委内瑞拉 AND Venezuela'nın AND Venezuela’s)"},
		{name: "arabic with zero-width non-joiner", query: "فنزويلا OR می\u200cخواهم", want: "(فنزويلا OR می\u200cخواهم)"},
		{name: "in-word punctuation", query: "AT&T C++ U.S. #MeToo", want: "(AT&T AND C++ AND U.S. AND #MeToo)"},
		{name: "keywords in a phrase are text", query: `"AND" OR "rock and roll"`, want: `("AND" OR "rock and roll")`},
		{name: "quoted colon", query: `"12:30"`, want: `"12:30"`},
		{name: "language with region", query: "lang:pt-BR", want: "lang:pt-BR"},
		{name: "any whitespace separates", query: "a\tb\nOR\u00a0c", want: "((a AND b) OR c)"},
		{name: "ids with digits dash underscore", query: "feed:dw_es-2", want: "feed:dw_es-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, n.String())
		})
	}
}

func TestParseTree(t *testing.T) {
	t.Parallel()
	n, err := Parse(`a OR b -c`)
	require.NoError(t, err)
	want := Or{
		L: Term{Kind: KindText, Value: "a", Col: 1},
		R: And{
			L: Term{Kind: KindText, Value: "b", Col: 6},
			R: Not{X: Term{Kind: KindText, Value: "c", Col: 9}},
		},
	}
	assert.Equal(t, want, n)
}

func TestParseTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  []Term
	}{
		{
			name:  "fields",
			query: "entity:venezuela feed:dw-es lang:pt-BR",
			want: []Term{
				{Kind: KindEntity, Value: "venezuela", Col: 1},
				{Kind: KindFeed, Value: "dw-es", Col: 18},
				{Kind: KindLang, Value: "pt-BR", Col: 29},
			},
		},
		{
			name:  "text terms",
			query: `Karibik* "Nicolás Maduro" "estado de emerg*"`,
			want: []Term{
				{Kind: KindText, Value: "Karibik", Prefix: true, Col: 1},
				{Kind: KindText, Value: "Nicolás Maduro", Phrase: true, Col: 10},
				{Kind: KindText, Value: "estado de emerg", Phrase: true, Prefix: true, Col: 27},
			},
		},
		{
			name:  "title terms",
			query: `title:Maduro title:Karib* title:"estado de emergencia"`,
			want: []Term{
				{Kind: KindTitle, Value: "Maduro", Col: 1},
				{Kind: KindTitle, Value: "Karib", Prefix: true, Col: 14},
				{Kind: KindTitle, Value: "estado de emergencia", Phrase: true, Col: 27},
			},
		},
		{
			name:  "order of appearance with repeats and negation",
			query: "(a OR -b) AND NOT (a c)",
			want: []Term{
				{Kind: KindText, Value: "a", Col: 2},
				{Kind: KindText, Value: "b", Col: 8},
				{Kind: KindText, Value: "a", Col: 20},
				{Kind: KindText, Value: "c", Col: 22},
			},
		},
		{
			name:  "columns count runes",
			query: "Венесуэла 委内瑞拉 x",
			want: []Term{
				{Kind: KindText, Value: "Венесуэла", Col: 1},
				{Kind: KindText, Value: "委内瑞拉", Col: 11},
				{Kind: KindText, Value: "x", Col: 16},
			},
		},
		{
			name:  "phrase value as written",
			query: `" Nicolás  Maduro "`,
			want:  []Term{{Kind: KindText, Value: " Nicolás  Maduro ", Phrase: true, Col: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, Terms(n))
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		col     int
		message string // a part of the message
	}{
		{name: "empty", query: "", col: 1, message: "empty query"},
		{name: "blank", query: "  \t ", col: 1, message: "empty query"},
		{name: "unmatched open", query: "(a OR b", col: 1, message: `unmatched "("`},
		{name: "unmatched open inside", query: "x AND ((a OR b) c", col: 7, message: `unmatched "("`},
		{name: "lone open", query: "a (", col: 3, message: `unmatched "("`},
		{name: "unmatched close", query: "a OR b)", col: 7, message: `unmatched ")"`},
		{name: "unmatched close first", query: ") a", col: 1, message: `unmatched ")"`},
		{name: "unmatched close after group", query: "(a) b) c", col: 6, message: `unmatched ")"`},
		{name: "empty parentheses", query: "a () b", col: 3, message: "empty parentheses"},
		{name: "dangling and", query: "a AND", col: 3, message: "expected a term after AND"},
		{name: "dangling or before close", query: "(a OR) b", col: 4, message: "expected a term after OR"},
		{name: "dangling not", query: "a NOT", col: 3, message: "expected a term after NOT"},
		{name: "two operators", query: "a AND OR b", col: 7, message: "expected a term after AND, found OR"},
		{name: "leading and", query: "AND a", col: 1, message: "AND needs a term before it"},
		{name: "leading or in group", query: "a (OR b)", col: 4, message: "OR needs a term before it"},
		{name: "not before operator", query: "NOT AND a", col: 5, message: "expected a term after NOT, found AND"},
		{name: "dangling minus", query: "a -", col: 3, message: `"-" must be followed directly`},
		{name: "minus before space", query: "a - b", col: 3, message: `"-" must be followed directly`},
		{name: "minus before close", query: "(a -)", col: 4, message: `"-" must be followed directly`},
		{name: "minus before operator", query: "a -OR b", col: 4, message: `expected a term after "-", found OR`},
		{name: "unknown field", query: "Maduro foo:bar", col: 8, message: `unknown field "foo": the fields are entity:, feed:, lang: and title:`},
		{name: "colon without field", query: ":x", col: 1, message: `":" must follow a field name`},
		{name: "empty entity", query: "entity:", col: 8, message: `expected an entity id after "entity:"`},
		{name: "empty feed before paren", query: "(feed:)", col: 7, message: `expected a feed id after "feed:"`},
		{name: "space after colon", query: "lang: es", col: 6, message: "(no space after the colon)"},
		{name: "empty title", query: "title: x", col: 7, message: "expected a word or a quoted phrase"},
		{name: "quoted entity", query: `entity:"venezuela"`, col: 8, message: "entity: takes a value without quotes"},
		{name: "upper-case id", query: "entity:Venezuela", col: 8, message: `found "V" (ids are lower-case)`},
		{name: "bad id character", query: "a feed:dw.es", col: 10, message: `feed ids use only a-z, 0-9, "_" and "-"; found "."`},
		{name: "id with star", query: "entity:venez*", col: 13, message: `found "*"`},
		{name: "unicode id", query: "entity:venezuéla", col: 14, message: `found "é"`},
		{name: "bad language", query: "lang:e", col: 6, message: `bad language code "e"`},
		{name: "language with empty subtag", query: "lang:pt--br", col: 9, message: `bad language code "pt--br"`},
		{name: "language with digit first", query: "lang:1pt", col: 6, message: "bad language code"},
		{name: "language too long", query: "lang:pt-abcdefghi", col: 9, message: "bad language code"},
		{name: "unterminated quote", query: `a "state of emergency`, col: 3, message: "unterminated quote"},
		{name: "unterminated title quote", query: `title:"state`, col: 7, message: "unterminated quote"},
		{name: "unterminated quote after unicode", query: `委内瑞拉 "x`, col: 6, message: "unterminated quote"},
		{name: "empty phrase", query: `a ""`, col: 3, message: "empty phrase"},
		{name: "blank phrase", query: `"  "`, col: 1, message: "empty phrase"},
		{name: "phrase of punctuation", query: `"..."`, col: 1, message: "no letters or digits"},
		{name: "star inside phrase", query: `"emer* state"`, col: 6, message: `"*" is only allowed at the end`},
		{name: "star after space in phrase", query: `"state *"`, col: 8, message: `"*" must directly follow a word`},
		{name: "lone star in phrase", query: `"*"`, col: 2, message: `"*" must directly follow a word`},
		{name: "star inside word", query: "Kar*bik", col: 4, message: `"*" is only allowed at the end of a word`},
		{name: "double star", query: "Karibik**", col: 8, message: `"*" is only allowed at the end of a word`},
		{name: "lone star", query: "a *", col: 3, message: `"*" must follow the start of a word`},
		{name: "word glued to quote", query: `Maduro"s"`, col: 7, message: "put a space before the quote"},
		{name: "quote glued to word", query: `"Maduro"s`, col: 9, message: "put a space after the closing quote"},
		{name: "field glued to quote", query: `title:x"y"`, col: 8, message: "put a space before the quote"},
		{name: "double ampersand", query: "a && b", col: 3, message: `"&&" is not an operator here: write AND`},
		{name: "pipe", query: "a || b", col: 3, message: `unexpected "|": write OR`},
		{name: "bang", query: "!sport", col: 1, message: "write NOT term or -term"},
		{name: "comma", query: "Maduro, Guaidó", col: 7, message: `unexpected ","`},
		{name: "lucene fuzzy", query: "Maduro~", col: 7, message: `unexpected "~"`},
		{name: "colon in title word", query: "title:a:b", col: 8, message: `unexpected ":"`},
		{name: "no letters", query: "a ...", col: 3, message: `"..." has no letters or digits`},
		{name: "emoji", query: "🔥", col: 1, message: "has no letters or digits"},
		{name: "control character", query: "a\x00b", col: 2, message: "control character U+0000"},
		{name: "invalid utf-8", query: "ab\xffc", col: 3, message: "invalid UTF-8"},
		{name: "too deep parentheses", query: strings.Repeat("(", 101) + "a" + strings.Repeat(")", 101), col: 101, message: "nests too deeply"},
		{name: "too deep not", query: strings.Repeat("NOT ", 101) + "a", col: 401, message: "nests too deeply"},
		{name: "too deep tree", query: strings.Repeat("a OR b (", 60) + "a" + strings.Repeat(")", 60), col: 78, message: "nests too deeply"},
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
			assert.Equal(t, tt.query, se.Query)
			assert.Equal(t, fmt.Sprintf("column %d: %s", se.Col, se.Msg), se.Error())
		})
	}
}

func TestParseDepthLimit(t *testing.T) {
	t.Parallel()
	// The deepest query allowed parses, and so does its canonical form.
	q := strings.Repeat("(", maxDepth) + "a" + strings.Repeat(")", maxDepth)
	_, err := Parse(q)
	require.NoError(t, err)

	q = strings.Repeat("NOT ", maxDepth) + "a"
	n, err := Parse(q)
	require.NoError(t, err)
	_, err = Parse(n.String())
	require.NoError(t, err)

	// A long run of one operator is one level, however long.
	q = strings.TrimSuffix(strings.Repeat("a OR ", 10000), " OR ")
	n, err = Parse(q)
	require.NoError(t, err)
	assert.Len(t, Terms(n), 10000)
}

func TestSyntaxErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Parse("(Maduro OR Guaidó")
	require.EqualError(t, err, `column 1: unmatched "(": no ")" closes it`)
}

// TestStringRoundTrip builds random trees, including shapes the canonical
// form must keep apart (a right operand of the same operator, NOT of a
// group), and checks that their String parses back to the same tree.
func TestStringRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	leaves := []Term{
		{Kind: KindText, Value: "Maduro"},
		{Kind: KindText, Value: "Karibik", Prefix: true},
		{Kind: KindText, Value: "estado de emerg", Phrase: true, Prefix: true},
		{Kind: KindTitle, Value: "Nicolás Maduro", Phrase: true},
		{Kind: KindTitle, Value: "AND"},
		{Kind: KindText, Value: "OR", Phrase: true},
		{Kind: KindEntity, Value: "venezuela"},
		{Kind: KindFeed, Value: "dw-es"},
		{Kind: KindLang, Value: "pt-BR"},
	}
	var gen func(depth int) Node
	gen = func(depth int) Node {
		if depth == 0 || rng.IntN(4) == 0 {
			return leaves[rng.IntN(len(leaves))]
		}
		switch rng.IntN(3) {
		case 0:
			return Not{X: gen(depth - 1)}
		case 1:
			return And{L: gen(depth - 1), R: gen(depth - 1)}
		}
		return Or{L: gen(depth - 1), R: gen(depth - 1)}
	}
	for i := range 2000 {
		n := gen(6)
		got, err := Parse(n.String())
		require.NoError(t, err, "case %d: %s", i, n)
		require.Equal(t, stripCols(n), stripCols(got), "case %d: %s", i, n)
	}
}

// stripCols zeroes the columns of every term, to compare tree shapes.
func stripCols(n Node) Node {
	switch x := n.(type) {
	case Term:
		x.Col = 0
		return x
	case Not:
		return Not{X: stripCols(x.X)}
	case And:
		return And{L: stripCols(x.L), R: stripCols(x.R)}
	case Or:
		return Or{L: stripCols(x.L), R: stripCols(x.R)}
	}
	panic("unknown node")
}
