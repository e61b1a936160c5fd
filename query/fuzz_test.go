package query

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, q := range []string{
		"entity:venezuela OR entity:caribbean",
		`(Maduro OR "Nicolás Maduro") AND NOT feed:dw-es`,
		`title:"state of emergency" lang:es`,
		"Karibik* -sport",
		`entity:venezuela (Maduro OR Guaidó) -"Copa América" lang:es`,
		`„Ausnahmezustand“ OR “estado de emergencia” lang:pt-BR`,
		"Венесуэла OR Венесуэлы OR 委内瑞拉 OR Venezuela'nın",
		`title:Karib* AND NOT (feed:dw-es OR feed:efe_es) "state of emerg*"`,
		"NOT NOT a b OR c AND -(d OR e)",
		"a and b or not c",
		"(a OR b",
		"a AND",
		"foo:bar",
		"entity:",
		`"unterminated`,
		"entity:Venezuela",
		"a && b || !c",
		"venezuela NEAR/5 tanker",
		`"venezuela tanker"~5 OR (Maduro OR "Nicolás Maduro") NEAR/10 entity:putin`,
		`title:"oil tanker"~3 kind:person -kind:org`,
		"a NEAR/5 b NEAR/3 c",
		"feed:x NEAR/2 y",
		`"a b c"~2`,
		"a NEAR b",
		"",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %v is not a *SyntaxError", q, err)
			}
			if runes := utf8.RuneCountInString(q); se.Col < 1 || se.Col > runes+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d: %v", q, se.Col, runes+1, err)
			}
			if se.Msg == "" || se.Query != q {
				t.Fatalf("Parse(%q): incomplete error %#v", q, se)
			}
			return
		}
		s := n.String()
		n2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", q, s, err)
		}
		if s2 := n2.String(); s2 != s {
			t.Fatalf("Parse(%q) = %s, which parses as %s", q, s, s2)
		}
		terms := Terms(n)
		if len(terms) == 0 || len(terms) != len(Terms(n2)) {
			t.Fatalf("Parse(%q): %d terms, %d after the round trip", q, len(terms), len(Terms(n2)))
		}
		for _, term := range terms {
			if term.Value == "" || term.Col < 1 || term.Col > utf8.RuneCountInString(q) {
				t.Fatalf("Parse(%q): bad term %#v", q, term)
			}
		}
		env := fuzzEnv{}
		got := Eval(n, env)
		if got != Eval(n2, env) {
			t.Fatalf("Parse(%q): Eval differs after the round trip", q)
		}
		pos := Positive(n, env)
		if !got && len(pos) > 0 {
			t.Fatalf("Parse(%q): false, yet Positive = %v", q, pos)
		}
		for _, term := range pos {
			if !Eval(term, env) {
				t.Fatalf("Parse(%q): Positive returned the false term %v", q, term)
			}
		}
	})
}

// fuzzEnv answers about any term, true or false, deterministically by its
// value.
type fuzzEnv struct{}

func (fuzzEnv) Entity(id string) bool { return len(id)%2 == 0 }
func (fuzzEnv) Feed() string          { return "dw-es" }
func (fuzzEnv) Lang() string          { return "pt-BR" }
func (fuzzEnv) Text(t Term) bool      { return strings.Count(t.Value, "a")%2 == 0 }
func (fuzzEnv) Kind(k string) bool    { return k == "person" }

// Spans puts a term at a few word positions derived from its value, so
// that some NEARs hold and others do not.
func (fuzzEnv) Spans(t Term) []Span {
	n := len(t.Value)
	return []Span{{Field: "title", First: n % 7, Last: n%7 + n%2}, {Field: "content", First: n * 3, Last: n * 3}}
}
