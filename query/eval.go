package query

import (
	"fmt"
	"sort"
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
	// Kind reports whether the article mentions an entity of this kind
	// (person, place, ...).
	Kind(kind string) bool
	// Spans returns where a term is found in the article, for NEAR: the
	// words a text or title term matched, the mentions of an entity or of
	// the entities of a kind. It is asked only about the sides of a NEAR.
	Spans(t Term) []Span
}

// Span is one place a term was found: a field, and the positions of the
// first and last words it covers (counted from 0 in that field). Start and
// End are the caller's own (byte offsets, say), carried for its
// explanation.
type Span struct {
	Field       string
	First, Last int
	Start, End  int
}

// Pair is a match of each side of a NEAR, within reach of each other.
type Pair struct {
	L, R Span
}

// Pairs returns up to limit pairs of places where the sides of n are
// found within reach of each other, in the order of the left side's
// places (limit <= 0: all of them). Two places that share a word are not a
// pair: a NEAR needs two things in the text.
func (n Near) Pairs(env Env, limit int) []Pair {
	var ls, rs []Span
	for _, t := range n.L {
		ls = append(ls, env.Spans(t)...)
	}
	if len(ls) == 0 {
		return nil
	}
	for _, t := range n.R {
		rs = append(rs, env.Spans(t)...)
	}
	if len(rs) == 0 {
		return nil
	}
	sortSpans(ls)
	sortSpans(rs)
	longest := 0
	for _, r := range rs {
		longest = max(longest, r.Last-r.First)
	}
	var out []Pair
	for _, l := range ls {
		// The right places that may be in reach start at most N+1 words
		// before l and end at most N+1 words after it.
		from := l.First - n.N - 1 - longest
		i := sort.Search(len(rs), func(i int) bool {
			return rs[i].Field > l.Field || rs[i].Field == l.Field && rs[i].First >= from
		})
		for ; i < len(rs) && rs[i].Field == l.Field && rs[i].First <= l.Last+n.N+1; i++ {
			r := rs[i]
			if near(l, r, n.N) {
				out = append(out, Pair{L: l, R: r})
				if len(out) == limit {
					return out
				}
			}
		}
	}
	return out
}

// near reports whether two places of one field are apart, with at most n
// words between them.
func near(a, b Span, n int) bool {
	switch {
	case a.Last < b.First:
		return b.First-a.Last-1 <= n
	case b.Last < a.First:
		return a.First-b.Last-1 <= n
	}
	return false // they share a word
}

func sortSpans(s []Span) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Field != s[j].Field {
			return s[i].Field < s[j].Field
		}
		if s[i].First != s[j].First {
			return s[i].First < s[j].First
		}
		return s[i].Last < s[j].Last
	})
}

// Eval reports whether the article env describes matches the query. It
// evaluates left to right and stops as soon as the result is known.
//
// Eval panics on a Node that Parse does not produce.
func Eval(n Node, env Env) bool {
	switch x := n.(type) {
	case Term:
		return evalTerm(x, env)
	case Near:
		return len(x.Pairs(env, 1)) > 0
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
	case KindEntityKind:
		return env.Kind(t.Value)
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

// Positive returns the terms (a Term, or a Near as a whole) that explain
// why the query matches: the true ones that are not under a NOT and that
// take part in making the whole query true (a true term inside an OR branch
// or an AND group that is false is left out). They come in order of
// appearance, each once (terms that differ only in Col count as one). It
// returns nil when the query does not match, and when it matches only
// through NOT (NOT sport).
func Positive(n Node, env Env) []Node {
	e := explainer{env: env, memo: map[termKey]bool{}, near: map[string]bool{}}
	if !e.eval(n) {
		return nil
	}
	seen := map[termKey]bool{}
	seenNear := map[string]bool{}
	var out []Node
	var collect func(Node) // n is true
	collect = func(n Node) {
		switch x := n.(type) {
		case Term:
			k := keyOf(x)
			if !seen[k] {
				seen[k] = true
				out = append(out, x)
			}
		case Near:
			if k := x.String(); !seenNear[k] {
				seenNear[k] = true
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
	near map[string]bool // by the Near's String
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
	case Near:
		k := x.String()
		v, ok := e.near[k]
		if !ok {
			v = Eval(x, e.env)
			e.near[k] = v
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
