// Package rules evaluates alert rules on one article: each rule's query
// (package query), its words and phrases matched with the text matcher
// (package match), and an explanation of what made it fire, with snippets.
//
// It sees an article as plain values (a Doc): its feed, language, texts and
// the entities found in it. What becomes of a firing (an alert, a backtest
// line) is the caller's business.
package rules

import (
	"fmt"
	"sort"
	"unicode"

	"github.com/mediawatch/mediawatch/htmltext"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/query"
)

// SnippetRadius is how many characters of context a match's snippet keeps
// on each side.
const SnippetRadius = 60

// maxMatchesPerTerm bounds the explanation of one term.
const maxMatchesPerTerm = 3

// TitleField is the name of the field title: terms look in.
const TitleField = "title"

// Rule is an alert rule: an id and a query.
type Rule struct {
	ID    string
	Query string
}

// Doc is one article as the rules see it.
type Doc struct {
	Feed string
	Lang string
	// Fields are the texts words and phrases are looked for in (title,
	// summary, content), HTML or plain; title: terms look in the one named
	// TitleField.
	Fields []match.Field
	// Entities are the mentions of entities found in the Fields.
	Entities []Mention
}

// Mention is an entity found in a field of a Doc; Start and End are byte
// offsets into that field's text.
type Mention struct {
	ID      string
	Kind    string // person, place, org, other
	Surface string
	Field   string
	Start   int
	End     int
}

// Firing is a rule a Doc matches, and why.
type Firing struct {
	Rule    string
	Query   string
	Matches []Match
}

// Match is one thing that made a rule fire: a term as the query language
// writes it, the text it matched, where, and a snippet around it.
type Match struct {
	Term    string
	Surface string
	Field   string
	Snippet string
}

// Engine holds compiled rules. It is immutable and safe for concurrent use.
type Engine struct {
	rules []rule
	terms *match.Matcher // every text term of every rule, compiled once
}

type rule struct {
	id, query string
	node      query.Node
}

// Compile parses every rule's query and compiles their text terms into one
// matcher; an error names the rule and the column.
func Compile(rules []Rule) (*Engine, error) {
	e := &Engine{}
	var terms []match.Term
	seen := map[string]bool{}
	for _, r := range rules {
		n, err := query.Parse(r.Query)
		if err != nil {
			return nil, fmt.Errorf("compile rule %q: %w", r.ID, err)
		}
		e.rules = append(e.rules, rule{id: r.ID, query: r.Query, node: n})
		for _, t := range query.Terms(n) {
			if t.Kind != query.KindText && t.Kind != query.KindTitle {
				continue
			}
			key := termKey(t)
			if seen[key] {
				continue
			}
			seen[key] = true
			terms = append(terms, match.Term{ID: key, Text: key, Lang: "any"})
		}
	}
	if len(terms) == 0 {
		return e, nil // no words to look for: the texts are not read
	}
	m, err := match.CompileTerms(terms)
	if err != nil {
		return nil, fmt.Errorf("compile rule terms: %w", err)
	}
	e.terms = m
	return e, nil
}

// termKey identifies a text term independently of its field: title:"x"
// and "x" share one compiled name. It is the name the matcher compiles: the
// words, with a '*' when the last one is a prefix.
func termKey(t query.Term) string {
	if t.Prefix {
		return t.Value + "*"
	}
	return t.Value
}

// hit is a text term found in one field.
type hit struct {
	field      string
	start, end int
	surface    string
}

// env answers a query's questions about one Doc.
type env struct {
	d        *Doc
	entities map[string]bool
	kinds    map[string]bool
	text     map[string][]hit
	words    map[string][]int // by field, for NEAR: where each word starts
}

func (v *env) Entity(id string) bool { return v.entities[id] }
func (v *env) Kind(kind string) bool { return v.kinds[kind] }
func (v *env) Feed() string          { return v.d.Feed }
func (v *env) Lang() string          { return v.d.Lang }
func (v *env) Text(t query.Term) bool {
	for _, h := range v.text[termKey(t)] {
		if t.Kind != query.KindTitle || h.field == TitleField {
			return true
		}
	}
	return false
}

// Spans says where a term was found, in words, for NEAR.
func (v *env) Spans(t query.Term) []query.Span {
	var out []query.Span
	add := func(field string, start, end int) {
		if start < 0 || start >= end || end > len(v.field(field)) {
			return // a mention outside the texts the rules see
		}
		ws := v.wordStarts(field)
		out = append(out, query.Span{Field: field, First: wordAt(ws, start), Last: wordAt(ws, end-1), Start: start, End: end})
	}
	switch t.Kind {
	case query.KindEntity, query.KindEntityKind:
		for _, m := range v.d.Entities {
			if t.Kind == query.KindEntity && m.ID == t.Value || t.Kind == query.KindEntityKind && m.Kind == t.Value {
				add(m.Field, m.Start, m.End)
			}
		}
	case query.KindText, query.KindTitle:
		for _, h := range v.text[termKey(t)] {
			if t.Kind != query.KindTitle || h.field == TitleField {
				add(h.field, h.start, h.end)
			}
		}
	}
	return out
}

// wordStarts returns where each word of a field starts, computed once per
// field and Doc.
func (v *env) wordStarts(field string) []int {
	if ws, ok := v.words[field]; ok {
		return ws
	}
	if v.words == nil {
		v.words = map[string][]int{}
	}
	ws := wordStarts(v.field(field))
	v.words[field] = ws
	return ws
}

// field returns the text of the field named name ("" if there is none).
func (v *env) field(name string) string {
	for _, f := range v.d.Fields {
		if f.Name == name {
			return f.Text
		}
	}
	return ""
}

// Evaluate returns a Firing for every rule d matches, in rule order.
func (e *Engine) Evaluate(d *Doc) []Firing {
	v := &env{d: d, entities: map[string]bool{}, kinds: map[string]bool{}, text: map[string][]hit{}}
	for _, ent := range d.Entities {
		v.entities[ent.ID] = true
		v.kinds[ent.Kind] = true
	}
	for _, f := range d.Fields {
		if e.terms == nil {
			break
		}
		for _, h := range e.terms.Find(f.Name, f.Text) {
			v.text[h.ID] = append(v.text[h.ID], hit{field: f.Name, start: h.Start, end: h.End, surface: h.Surface})
		}
	}
	var out []Firing
	for _, r := range e.rules {
		if !query.Eval(r.node, v) {
			continue
		}
		out = append(out, Firing{Rule: r.id, Query: r.query, Matches: e.explain(r, v)})
	}
	return out
}

// explain lists what made the rule fire: every term that is true and not
// under a NOT, with where it was found.
func (e *Engine) explain(r rule, v *env) []Match {
	matches := []Match{}
	for _, p := range query.Positive(r.node, v) {
		term := p.String()
		if near, ok := p.(query.Near); ok {
			for _, pair := range near.Pairs(v, maxMatchesPerTerm) {
				matches = append(matches, v.nearMatch(term, pair))
			}
			continue
		}
		t := p.(query.Term)
		n := 0
		add := func(surface, fieldName string, start, end int) {
			if n >= maxMatchesPerTerm {
				return
			}
			n++
			snippet := ""
			if text := v.field(fieldName); text != "" {
				snippet = htmltext.Snippet(text, start, end, SnippetRadius)
			}
			matches = append(matches, Match{Term: term, Surface: surface, Field: fieldName, Snippet: snippet})
		}
		switch t.Kind {
		case query.KindEntity, query.KindEntityKind:
			for _, ent := range v.d.Entities {
				if t.Kind == query.KindEntity && ent.ID == t.Value || t.Kind == query.KindEntityKind && ent.Kind == t.Value {
					add(ent.Surface, ent.Field, ent.Start, ent.End)
				}
			}
		case query.KindFeed:
			add(v.d.Feed, "feed", 0, 0)
		case query.KindLang:
			add(v.d.Lang, "lang", 0, 0)
		default:
			for _, h := range v.text[termKey(t)] {
				if t.Kind == query.KindTitle && h.field != TitleField {
					continue
				}
				add(h.surface, h.field, h.start, h.end)
			}
		}
	}
	return matches
}

// nearMatch explains one pair of a NEAR: both sides' words, in text order
// ("Venezuela … tanker"), and a snippet around them both.
func (v *env) nearMatch(term string, p query.Pair) Match {
	a, b := p.L, p.R
	if b.Start < a.Start {
		a, b = b, a
	}
	text := v.field(a.Field)
	sep := " … "
	if b.First-a.Last <= 1 {
		sep = " "
	}
	surface := htmltext.Plain(text[a.Start:a.End]) + sep + htmltext.Plain(text[b.Start:b.End])
	return Match{Term: term, Surface: surface, Field: a.Field, Snippet: htmltext.Snippet(text, a.Start, b.End, SnippetRadius)}
}

// wordStarts returns the byte offset in text (HTML or plain) where each of
// its words starts, for NEAR's word distances: a word is a run of letters,
// marks and digits (apostrophes, hyphens and other punctuation separate
// words, as they do for the matcher), and in the scripts written without
// spaces (Han, kana, Thai, Lao, Khmer, Myanmar) each character counts as a
// word.
func wordStarts(text string) []int {
	var out []int
	in := false
	htmltext.Scan(text, func(p htmltext.Rune) {
		r := p.R
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar):
			out = append(out, p.Start)
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) && in:
			if !in {
				out = append(out, p.Start)
				in = true
			}
		default:
			in = false
		}
	})
	return out
}

// wordAt is the position of the word that holds byte offset b, given where
// the words start (the word before it when b falls between words).
func wordAt(starts []int, b int) int {
	return max(0, sort.SearchInts(starts, b+1)-1)
}
