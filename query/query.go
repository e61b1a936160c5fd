package query

import (
	"fmt"
	"strings"
)

// Node is a node of a parsed query: And, Or, Not or Term.
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
	KindEntity Kind = iota + 1 // entity:<id>
	KindFeed                   // feed:<id>
	KindLang                   // lang:<code>
	KindTitle                  // title:<word> or title:"phrase"
	KindText                   // a bare word or "phrase": title, summary and content
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
	case KindEntity, KindFeed, KindLang, KindTitle:
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
