package query

import (
	"fmt"
	"strings"
)

// Env is what a query is evaluated against: one article, as the caller
// sees it.
type Env interface {
	// Entity reports whether the article mentions the entity with this id.
	Entity(id string) bool
	// Feed returns the id of the article's feed.
	Feed() string
	// Lang returns the article's language tag, such as "pt" or "pt-BR";
	// empty when unknown.
	Lang() string
	// Text reports whether a text term (KindText: title, summary and
	// content) or a title term (KindTitle) matches the article. How words
	// are normalised and matched is the caller's business.
	Text(t Term) bool
}

// Eval reports whether the article env describes matches the query. It
// evaluates left to right and stops as soon as the result is known.
//
// Eval panics on a Node that Parse does not produce.
func Eval(n Node, env Env) bool {
	switch x := n.(type) {
	case Term:
		return evalTerm(x, env)
	case Not:
		return !Eval(x.X, env)
	case And:
		return Eval(x.L, env) && Eval(x.R, env)
	case Or:
		return Eval(x.L, env) || Eval(x.R, env)
	}
	panic(fmt.Sprintf("query: unknown node type %T", n))
}

func evalTerm(t Term, env Env) bool {
	switch t.Kind {
	case KindEntity:
		return env.Entity(t.Value)
	case KindFeed:
		return env.Feed() == t.Value
	case KindLang:
		return langMatch(t.Value, env.Lang())
	case KindTitle, KindText:
		return env.Text(t)
	}
	panic(fmt.Sprintf("query: unknown term kind %v", t.Kind))
}

// langMatch reports whether the article language have falls under the
// query's tag want: equal, or want is a prefix of have ending at a subtag
// boundary, ignoring case ("pt" matches "pt-BR" and "pt_br", not "ptx").
func langMatch(want, have string) bool {
	if want == "" || have == "" {
		return false
	}
	have = strings.ReplaceAll(have, "_", "-")
	if len(have) < len(want) || !strings.EqualFold(have[:len(want)], want) {
		return false
	}
	return len(have) == len(want) || have[len(want)] == '-'
}

// Positive returns the terms that explain why the query matches: the true
// terms that are not under a NOT and that take part in making the whole
// query true (a true term inside an OR branch or an AND group that is false
// is left out). Terms come in order of appearance, each once (terms that
// differ only in Col count as one). It returns nil when the query does not
// match, and when it matches only through NOT (NOT sport).
func Positive(n Node, env Env) []Term {
	e := explainer{env: env, memo: map[termKey]bool{}}
	if !e.eval(n) {
		return nil
	}
	seen := map[termKey]bool{}
	var out []Term
	var collect func(Node) // n is true
	collect = func(n Node) {
		switch x := n.(type) {
		case Term:
			k := keyOf(x)
			if !seen[k] {
				seen[k] = true
				out = append(out, x)
			}
		case And:
			collect(x.L)
			collect(x.R)
		case Or:
			if e.eval(x.L) {
				collect(x.L)
			}
			if e.eval(x.R) {
				collect(x.R)
			}
		}
	}
	collect(n)
	return out
}

type termKey struct {
	kind   Kind
	value  string
	phrase bool
	prefix bool
}

func keyOf(t Term) termKey {
	return termKey{kind: t.Kind, value: t.Value, phrase: t.Phrase, prefix: t.Prefix}
}

// explainer evaluates like Eval, asking env about each distinct term once.
type explainer struct {
	env  Env
	memo map[termKey]bool
}

func (e *explainer) eval(n Node) bool {
	switch x := n.(type) {
	case Term:
		k := keyOf(x)
		v, ok := e.memo[k]
		if !ok {
			v = evalTerm(x, e.env)
			e.memo[k] = v
		}
		return v
	case Not:
		return !e.eval(x.X)
	case And:
		return e.eval(x.L) && e.eval(x.R)
	case Or:
		return e.eval(x.L) || e.eval(x.R)
	}
	panic(fmt.Sprintf("query: unknown node type %T", n))
}
