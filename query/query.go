package query

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is a node of a parsed query: And, Or, Not, Near or Term.
//
// String returns the canonical form of the node: every AND and OR group is
// parenthesised, a run of the same operator grouped to the left shares one
// pair of parentheses, and negation is written NOT. Parsing the canonical
// form yields the same tree.
type Node interface {
	String() string
}

// And is true when both L and R are.
type And struct{ L, R Node }

// Or is true when L or R is.
type Or struct{ L, R Node }

// Not is true when X is false.
type Not struct{ X Node }

// Kind says what a Term tests.
type Kind int

// The kinds of Term.
const (
	KindEntity     Kind = iota + 1 // entity:<id>
	KindFeed                       // feed:<id>
	KindLang                       // lang:<code>
	KindTitle                      // title:<word> or title:"phrase"
	KindText                       // a bare word or "phrase": title, summary and content
	KindEntityKind                 // kind:<entity kind>: an entity of that kind
)

func (k Kind) String() string {
	switch k {
	case KindEntity:
		return "entity"
	case KindFeed:
		return "feed"
	case KindLang:
		return "lang"
	case KindTitle:
		return "title"
	case KindText:
		return "text"
	case KindEntityKind:
		return "kind"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Term is a leaf of a query.
type Term struct {
	Kind Kind
	// Value is the id, language code, word or phrase as written, without
	// quotes and without a trailing "*".
	Value string
	// Phrase is set when the value was quoted (text and title terms).
	Phrase bool
	// Prefix is set when the value ended in "*" (text and title terms): it
	// matches any word that starts with the last word of Value.
	Prefix bool
	// Col is the 1-based rune column where the term starts in the query
	// (the field name, the word or the opening quote).
	Col int
}

func (t Term) String() string {
	var b strings.Builder
	switch t.Kind {
	case KindEntity, KindFeed, KindLang, KindTitle, KindEntityKind:
		b.WriteString(t.Kind.String())
		b.WriteByte(':')
	}
	if t.Phrase {
		b.WriteByte('"')
	}
	b.WriteString(t.Value)
	if t.Prefix {
		b.WriteByte('*')
	}
	if t.Phrase {
		b.WriteByte('"')
	}
	return b.String()
}

func (n And) String() string { return group(n, " AND ") }
func (n Or) String() string  { return group(n, " OR ") }
func (n Not) String() string { return "NOT " + n.X.String() }

// group prints a left-grouped run of one operator in one pair of
// parentheses: ((a AND b) AND c) prints as (a AND b AND c), which parses
// back to the same tree; a right operand of the same operator keeps its own
// parentheses.
func group(n Node, sep string) string {
	var operands []Node
	for {
		var l, r Node
		switch x := n.(type) {
		case And:
			l, r = x.L, x.R
		case Or:
			l, r = x.L, x.R
		}
		operands = append(operands, r)
		if !sameOp(n, l) {
			operands = append(operands, l)
			break
		}
		n = l
	}
	var b strings.Builder
	b.WriteByte('(')
	for i := len(operands) - 1; i >= 0; i-- {
		b.WriteString(operands[i].String())
		if i > 0 {
			b.WriteString(sep)
		}
	}
	b.WriteByte(')')
	return b.String()
}

func sameOp(a, b Node) bool {
	switch a.(type) {
	case And:
		_, ok := b.(And)
		return ok
	case Or:
		_, ok := b.(Or)
		return ok
	}
	return false
}

// Terms returns every term of n in order of appearance, repeats included,
// for the caller to check and compile (entity ids to validate, text terms to
// build a matcher from).
func Terms(n Node) []Term {
	var out []Term
	var walk func(Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case Term:
			out = append(out, x)
		case Near:
			out = append(out, x.L...)
			out = append(out, x.R...)
		case Not:
			walk(x.X)
		case And:
			walk(x.L)
			walk(x.R)
		case Or:
			walk(x.L)
			walk(x.R)
		default:
			panic(fmt.Sprintf("query: unknown node type %T", n))
		}
	}
	walk(n)
	return out
}

// MaxNear is the largest word distance NEAR/n takes.
const MaxNear = 100

// Near is true when a match of one side and a match of the other lie in
// the same field with at most N words between them, in either order. Each
// side is a text, title, entity or kind term, or several such terms joined
// by OR (any of them will do).
type Near struct {
	L, R []Term
	N    int
	// Col is the 1-based rune column of the NEAR operator (of the "~" for
	// the "a b"~n form).
	Col int
}

func (n Near) String() string {
	return nearSide(n.L) + " NEAR/" + strconv.Itoa(n.N) + " " + nearSide(n.R)
}

func nearSide(ts []Term) string {
	if len(ts) == 1 {
		return ts[0].String()
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// positional reports whether a term has a place in the text, so that it
// can be a side of NEAR.
func positional(k Kind) bool {
	switch k {
	case KindText, KindTitle, KindEntity, KindEntityKind:
		return true
	}
	return false
}
