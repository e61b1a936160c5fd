// Package alerter evaluates alert rules on tagged articles and publishes one
// alert per (rule, article) on alerts.<rule>.
package alerter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers/alerter/query"
	"github.com/mediawatch/mediawatch/workers/tagger"
)

// snippetRadius is how many characters of context a match's snippet keeps
// on each side.
const snippetRadius = 60

// maxMatchesPerTerm bounds the explanation of one term.
const maxMatchesPerTerm = 3

// Engine holds the compiled rules. It is immutable and safe for concurrent
// use.
type Engine struct {
	rules []rule
	terms *tagger.Matcher // every text term of every rule, compiled once
}

type rule struct {
	id, query string
	node      query.Node
}

// NewEngine compiles rules; an error names the rule and the column.
func NewEngine(rules []config.Rule) (*Engine, error) {
	e := &Engine{}
	var terms []tagger.Term
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
			text := t.Value
			if t.Prefix {
				text += "*"
			}
			terms = append(terms, tagger.Term{ID: key, Text: text, Lang: "any"})
		}
	}
	m, err := tagger.CompileTerms(terms)
	if err != nil {
		return nil, fmt.Errorf("compile rule terms: %w", err)
	}
	e.terms = m
	return e, nil
}

// termKey identifies a text term independently of its field: title:"x"
// and "x" share one compiled name.
func termKey(t query.Term) string {
	k := t.Value
	if t.Prefix {
		k += "*"
	}
	return k
}

// hit is a text term found in one field.
type hit struct {
	field      string
	start, end int
	surface    string
}

// env answers a query's questions about one article.
type env struct {
	a        *pipeline.Article
	entities map[string]bool
	text     map[string][]hit
}

func (v *env) Entity(id string) bool { return v.entities[id] }
func (v *env) Feed() string          { return v.a.Feed }
func (v *env) Lang() string          { return v.a.Lang }
func (v *env) Text(t query.Term) bool {
	for _, h := range v.text[termKey(t)] {
		if t.Kind != query.KindTitle || h.field == "title" {
			return true
		}
	}
	return false
}

// Evaluate returns an alert for every rule the article fires.
func (e *Engine) Evaluate(a *pipeline.Article, now time.Time) []pipeline.Alert {
	v := &env{a: a, entities: map[string]bool{}, text: map[string][]hit{}}
	var ids []string
	for _, ent := range a.Entities {
		if !v.entities[ent.ID] {
			v.entities[ent.ID] = true
			ids = append(ids, ent.ID)
		}
	}
	for _, f := range pipeline.TextFields {
		for _, h := range e.terms.Find(f, a.Field(f)) {
			v.text[h.ID] = append(v.text[h.ID], hit{field: f, start: h.Start, end: h.End, surface: h.Surface})
		}
	}
	var alerts []pipeline.Alert
	for _, r := range e.rules {
		if !query.Eval(r.node, v) {
			continue
		}
		art := *a
		art.Content = ""
		alerts = append(alerts, pipeline.Alert{
			Schema:   pipeline.AlertSchema,
			ID:       AlertID(r.id, a.ID),
			Rule:     r.id,
			Query:    r.query,
			Created:  now.UTC(),
			Article:  art,
			Entities: append([]string{}, ids...),
			Matches:  e.explain(r, v),
		})
	}
	return alerts
}

// AlertID is the id of the alert of rule on article.
func AlertID(rule, article string) string {
	sum := sha256.Sum256([]byte("alert:" + rule + ":" + article))
	return hex.EncodeToString(sum[:16])
}

// explain lists what made the rule fire: every term that is true and not
// under a NOT, with where it was found.
func (e *Engine) explain(r rule, v *env) []pipeline.Match {
	matches := []pipeline.Match{}
	for _, t := range query.Positive(r.node, v) {
		term := termString(t)
		n := 0
		add := func(surface, fieldName string, start, end int) {
			if n >= maxMatchesPerTerm {
				return
			}
			n++
			snippet := ""
			if text := v.a.Field(fieldName); text != "" {
				snippet = tagger.Snippet(text, start, end, snippetRadius)
			}
			matches = append(matches, pipeline.Match{Term: term, Surface: surface, Field: fieldName, Snippet: snippet})
		}
		switch t.Kind {
		case query.KindEntity:
			for _, ent := range v.a.Entities {
				if ent.ID == t.Value {
					add(ent.Surface, ent.Field, ent.Start, ent.End)
				}
			}
		case query.KindFeed:
			add(v.a.Feed, "feed", 0, 0)
		case query.KindLang:
			add(v.a.Lang, "lang", 0, 0)
		default:
			for _, h := range v.text[termKey(t)] {
				if t.Kind == query.KindTitle && h.field != "title" {
					continue
				}
				add(h.surface, h.field, h.start, h.end)
			}
		}
	}
	return matches
}

// termString writes a term as a query would.
func termString(t query.Term) string {
	v := t.Value
	if t.Phrase || strings.ContainsAny(v, " \t") {
		v = `"` + v + `"`
	}
	if t.Prefix {
		v += "*"
	}
	switch t.Kind {
	case query.KindEntity:
		return "entity:" + v
	case query.KindFeed:
		return "feed:" + v
	case query.KindLang:
		return "lang:" + v
	case query.KindTitle:
		return "title:" + v
	}
	return v
}
