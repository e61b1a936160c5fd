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
	text     map[string][]hit
}

func (v *env) Entity(id string) bool { return v.entities[id] }
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
	v := &env{d: d, entities: map[string]bool{}, text: map[string][]hit{}}
	for _, ent := range d.Entities {
		v.entities[ent.ID] = true
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
	for _, t := range query.Positive(r.node, v) {
		term := t.String()
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
		case query.KindEntity:
			for _, ent := range v.d.Entities {
				if ent.ID == t.Value {
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
