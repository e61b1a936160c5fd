package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds how deeply a query may nest: open parentheses plus
// pending NOTs while parsing, and AND/OR/NOT levels in the tree. It keeps
// the parser's recursion bounded on hostile input; no real rule comes near.
const maxDepth = 100

// SyntaxError reports why a query does not parse, and where.
type SyntaxError struct {
	Col   int    // 1-based column, in runes, of the problem
	Msg   string // what is wrong, and how to fix it
	Query string // the query as given
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("column %d: %s", e.Col, e.Msg)
}

// Parse parses a rule query. A syntax error is returned as a *SyntaxError.
func Parse(q string) (Node, error) {
	l := lexer{query: q}
	toks, err := l.lex()
	if err != nil {
		return nil, err
	}
	p := parser{query: q, toks: toks}
	n, err := p.parse()
	if err != nil {
		return nil, err
	}
	return n, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot   // the keyword NOT
	tokMinus // a "-" directly before a term
	tokNear  // NEAR/n
	tokTerm
)

type token struct {
	kind tokKind
	col  int
	term Term
	n    int   // tokNear: the distance
	near *Near // tokTerm of a "a b"~n phrase: the NEAR it stands for
}

// name is how an error message refers to the token.
func (t token) name() string {
	switch t.kind {
	case tokEOF:
		return "the end of the query"
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokAnd:
		return "AND"
	case tokOr:
		return "OR"
	case tokNot:
		return "NOT"
	case tokMinus:
		return `"-"`
	case tokNear:
		return "NEAR/" + strconv.Itoa(t.n)
	}
	if t.near != nil {
		return fmt.Sprintf("%q", t.near.String())
	}
	return fmt.Sprintf("%q", t.term.String())
}

// startsOperand reports whether t can begin an operand; after an operand it
// means an implicit AND.
func (t token) startsOperand() bool {
	switch t.kind {
	case tokLParen, tokNot, tokMinus, tokTerm:
		return true
	}
	return false
}

type lexer struct {
	query string
	q     []rune
	pos   int // index into q
	toks  []token
}

func (l *lexer) errorf(col int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Col: col, Msg: fmt.Sprintf(format, args...), Query: l.query}
}

func (l *lexer) lex() ([]token, error) {
	col := 1
	for i, r := range l.query {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(l.query[i:]); size == 1 {
				return nil, l.errorf(col, "invalid UTF-8")
			}
		}
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return nil, l.errorf(col, "unexpected control character %U", r)
		}
		col++
	}
	l.q = []rune(l.query)
	for {
		for l.pos < len(l.q) && isSpace(l.q[l.pos]) {
			l.pos++
		}
		if l.pos == len(l.q) {
			l.toks = append(l.toks, token{kind: tokEOF, col: l.pos + 1})
			return l.toks, nil
		}
		r := l.q[l.pos]
		switch {
		case r == '(':
			l.emit(tokLParen)
		case r == ')':
			l.emit(tokRParen)
		case r == '-':
			if l.pos+1 == len(l.q) || isSpace(l.q[l.pos+1]) || l.q[l.pos+1] == ')' {
				return nil, l.errorf(l.pos+1, `"-" must be followed directly by the term to exclude, as in -sport`)
			}
			l.emit(tokMinus)
		case isQuote(r):
			if err := l.quoted(KindText, l.pos); err != nil {
				return nil, err
			}
		default:
			if err := l.word(); err != nil {
				return nil, err
			}
		}
	}
}

func (l *lexer) emit(k tokKind) {
	l.toks = append(l.toks, token{kind: k, col: l.pos + 1})
	l.pos++
}

// word lexes a keyword, a field or a bare word: a run of runes up to a
// space, a parenthesis or a quote.
func (l *lexer) word() error {
	start := l.pos
	for l.pos < len(l.q) && !endsWord(l.q[l.pos]) {
		l.pos++
	}
	run := l.q[start:l.pos]
	col := start + 1
	quoteNext := l.pos < len(l.q) && isQuote(l.q[l.pos])

	colon := -1
	for i, r := range run {
		if r == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		if quoteNext {
			return l.errorf(l.pos+1, "put a space before the quote")
		}
		switch string(run) {
		case "AND":
			l.toks = append(l.toks, token{kind: tokAnd, col: col})
			return nil
		case "OR":
			l.toks = append(l.toks, token{kind: tokOr, col: col})
			return nil
		case "NOT":
			l.toks = append(l.toks, token{kind: tokNot, col: col})
			return nil
		case "NEAR":
			return l.errorf(col, "NEAR needs a word distance, as in venezuela NEAR/5 tanker (to search for the word, write near)")
		}
		if rest, ok := strings.CutPrefix(string(run), "NEAR/"); ok {
			n, err := l.distance(rest, col+5)
			if err != nil {
				return err
			}
			l.toks = append(l.toks, token{kind: tokNear, col: col, n: n})
			return nil
		}
		value, prefix, err := l.checkWord(run, col)
		if err != nil {
			return err
		}
		l.addTerm(Term{Kind: KindText, Value: value, Prefix: prefix, Col: col})
		return nil
	}

	name := string(run[:colon])
	if name == "" {
		return l.errorf(col, `":" must follow a field name: entity, feed, lang, title or kind; to search for the text, put it in quotes`)
	}
	kind, ok := fieldKind(name)
	if !ok {
		return l.errorf(col, `unknown field %q: the fields are entity:, feed:, lang: and title:, and kind: (an entity's kind); to search for the text, put it in quotes`, name)
	}
	value := run[colon+1:]
	vcol := col + colon + 1
	if len(value) == 0 {
		if quoteNext {
			if kind != KindTitle {
				return l.errorf(l.pos+1, "%s: takes a value without quotes, as in %s", kind, example(kind))
			}
			return l.quoted(KindTitle, start)
		}
		msg := fmt.Sprintf("expected %s after %q, as in %s", what(kind), name+":", example(kind))
		if l.pos < len(l.q) && isSpace(l.q[l.pos]) {
			msg += " (no space after the colon)"
		}
		return l.errorf(vcol, "%s", msg)
	}
	if quoteNext {
		return l.errorf(l.pos+1, "put a space before the quote")
	}
	t := Term{Kind: kind, Value: string(value), Col: col}
	switch kind {
	case KindEntity, KindFeed, KindEntityKind:
		if err := l.checkID(kind, value, vcol); err != nil {
			return err
		}
	case KindLang:
		if err := l.checkLang(value, vcol); err != nil {
			return err
		}
	case KindTitle:
		v, prefix, err := l.checkWord(value, vcol)
		if err != nil {
			return err
		}
		t.Value, t.Prefix = v, prefix
	}
	l.addTerm(t)
	return nil
}

func (l *lexer) addTerm(t Term) {
	l.toks = append(l.toks, token{kind: tokTerm, col: t.Col, term: t})
}

// quoted lexes the quoted text opening at l.pos, a phrase or the "a b"~n
// form of NEAR; the term starts at start.
func (l *lexer) quoted(kind Kind, start int) error {
	open := l.pos
	end := open + 1
	for end < len(l.q) && !isQuote(l.q[end]) {
		end++
	}
	if end == len(l.q) {
		return l.errorf(open+1, "unterminated quote: the phrase opened here has no closing quote")
	}
	if end+1 < len(l.q) && l.q[end+1] == '~' {
		n, err := l.nearPhrase(kind, open, end)
		if err != nil {
			return err
		}
		l.toks = append(l.toks, token{kind: tokTerm, col: start + 1, near: n})
		return nil
	}
	t, err := l.phrase(kind, start, open, end)
	if err != nil {
		return err
	}
	l.addTerm(t)
	return nil
}

// nearPhrase lexes "a b"~n, the quote opening at open and closing at end:
// a NEAR/n b of the two words.
func (l *lexer) nearPhrase(kind Kind, open, end int) (*Near, error) {
	tilde := end + 1
	stop := tilde + 1
	for stop < len(l.q) && !endsWord(l.q[stop]) {
		stop++
	}
	n, err := l.distance(string(l.q[tilde+1:stop]), tilde+2)
	if err != nil {
		return nil, err
	}
	if stop < len(l.q) && isQuote(l.q[stop]) {
		return nil, l.errorf(stop+1, "put a space before the quote")
	}
	l.pos = stop
	var words []Term
	for i := open + 1; i < end; {
		if isSpace(l.q[i]) {
			i++
			continue
		}
		j := i
		for j < end && !isSpace(l.q[j]) {
			j++
		}
		value, prefix, err := l.checkWord(l.q[i:j], i+1)
		if err != nil {
			return nil, err
		}
		words = append(words, Term{Kind: kind, Value: value, Prefix: prefix, Col: i + 1})
		i = j
	}
	if len(words) != 2 {
		return nil, l.errorf(open+1, `"…"~%d takes two words, as in "venezuela tanker"~5; for names or phrases write venezuela NEAR/5 "oil tanker"`, n)
	}
	return &Near{L: words[:1], R: words[1:], N: n, Col: tilde + 1}, nil
}

// distance reads the n of NEAR/n or "a b"~n, which starts at column col.
func (l *lexer) distance(s string, col int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return 0, l.errorf(col, "expected a word distance from 0 to %d after NEAR/ or ~, as in NEAR/5; found %q", MaxNear, s)
	}
	if n > MaxNear {
		return 0, l.errorf(col, "word distance %d is too large: at most %d", n, MaxNear)
	}
	return n, nil
}

// phrase reads the phrase quoted from open to end; the term starts at
// start.
func (l *lexer) phrase(kind Kind, start, open, end int) (Term, error) {
	text := l.q[open+1 : end]
	l.pos = end + 1
	if l.pos < len(l.q) && !endsWord(l.q[l.pos]) {
		return Term{}, l.errorf(l.pos+1, "put a space after the closing quote")
	}
	prefix := false
	for i, r := range text {
		if r != '*' {
			continue
		}
		c := open + 2 + i
		if i != len(text)-1 {
			return Term{}, l.errorf(c, `"*" is only allowed at the end of a phrase's last word, as in "state of emerg*"`)
		}
		if i == 0 || isSpace(text[i-1]) {
			return Term{}, l.errorf(c, `"*" must directly follow a word, as in "state of emerg*"`)
		}
		prefix = true
		text = text[:i]
	}
	if !hasAlnum(text) {
		if strings.TrimFunc(string(text), isSpace) == "" {
			return Term{}, l.errorf(open+1, "empty phrase")
		}
		return Term{}, l.errorf(open+1, "the phrase has no letters or digits to match")
	}
	return Term{Kind: kind, Value: string(text), Phrase: true, Prefix: prefix, Col: start + 1}, nil
}

// checkWord validates a bare word (or a title: word) starting at column
// col, and splits off a trailing "*".
func (l *lexer) checkWord(run []rune, col int) (value string, prefix bool, err error) {
	for i, r := range run {
		switch r {
		case '*':
			if i != len(run)-1 {
				return "", false, l.errorf(col+i, `"*" is only allowed at the end of a word, as in Karibik*`)
			}
			if i == 0 {
				return "", false, l.errorf(col+i, `"*" must follow the start of a word, as in Karibik*`)
			}
			prefix = true
		case ':':
			return "", false, l.errorf(col+i, `unexpected ":"; to search for the text, put it in quotes`)
		case '!':
			return "", false, l.errorf(col+i, `unexpected "!": to exclude a term, write NOT term or -term`)
		case '|':
			return "", false, l.errorf(col+i, `unexpected "|": write OR`)
		case ',', ';':
			return "", false, l.errorf(col+i, "unexpected %q: separate terms with a space (AND) or with OR", string(r))
		case '?', '=', '<', '>', '[', ']', '{', '}', '\\', '^', '~', '`':
			return "", false, l.errorf(col+i, "unexpected %q: to search for it, put the text in quotes", string(r))
		}
	}
	if prefix {
		run = run[:len(run)-1]
	}
	if !hasAlnum(run) {
		if strings.Trim(string(run), "&") == "" {
			return "", false, l.errorf(col, "%q is not an operator here: write AND", string(run))
		}
		return "", false, l.errorf(col, "%q has no letters or digits to match", string(run))
	}
	return string(run), prefix, nil
}

func (l *lexer) checkID(kind Kind, id []rune, col int) error {
	for i, r := range id {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			continue
		}
		msg := fmt.Sprintf(`%s ids use only a-z, 0-9, "_" and "-"; found %q`, kind, string(r))
		if unicode.IsUpper(r) {
			msg += " (ids are lower-case)"
		}
		return l.errorf(col+i, "%s", msg)
	}
	return nil
}

// checkLang accepts a language tag: a primary subtag of 2 to 8 ASCII
// letters, then subtags of 1 to 8 ASCII letters or digits, joined by "-".
func (l *lexer) checkLang(code []rune, col int) error {
	bad := func(c int) error {
		return l.errorf(c, "bad language code %q: expected a code such as es or pt-BR", string(code))
	}
	start := 0
	for i := 0; i <= len(code); i++ {
		if i < len(code) && code[i] != '-' {
			r := code[i]
			letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			digit := r >= '0' && r <= '9'
			if !letter && !(digit && start > 0) {
				return bad(col + i)
			}
			continue
		}
		n := i - start
		if n == 0 || n > 8 || start == 0 && n < 2 {
			return bad(col + start)
		}
		start = i + 1
	}
	return nil
}

func fieldKind(name string) (Kind, bool) {
	switch strings.ToLower(name) {
	case "entity":
		return KindEntity, true
	case "feed":
		return KindFeed, true
	case "lang":
		return KindLang, true
	case "title":
		return KindTitle, true
	case "kind":
		return KindEntityKind, true
	}
	return 0, false
}

func what(k Kind) string {
	switch k {
	case KindEntity:
		return "an entity id"
	case KindFeed:
		return "a feed id"
	case KindLang:
		return "a language code"
	case KindEntityKind:
		return "an entity kind"
	}
	return "a word or a quoted phrase"
}

func example(k Kind) string {
	switch k {
	case KindEntity:
		return "entity:venezuela"
	case KindFeed:
		return "feed:dw-es"
	case KindLang:
		return "lang:es"
	case KindEntityKind:
		return "kind:person"
	}
	return `title:"state of emergency"`
}

// isSpace also treats the zero-width space and the byte-order mark as
// space: they are invisible in a pasted query.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

func isQuote(r rune) bool {
	return r == '"' || r == '“' || r == '”' || r == '„'
}

func endsWord(r rune) bool {
	return isSpace(r) || r == '(' || r == ')' || isQuote(r)
}

func hasAlnum(rs []rune) bool {
	for _, r := range rs {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

type parser struct {
	query string
	toks  []token
	i     int
	nest  int // open parentheses and pending NOTs
}

func (p *parser) errorf(col int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Col: col, Msg: fmt.Sprintf(format, args...), Query: p.query}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) parse() (Node, error) {
	n, _, err := p.or(nil)
	if err != nil {
		return nil, err
	}
	// or stops only at the end or at a ")" it cannot match.
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t.col, `unmatched ")"`)
	}
	return n, nil
}

// or parses a run of and-expressions joined by OR. prev is the token just
// before it (nil at the start of the query); each parse function also
// returns the depth of the tree it built, a run of one operator counting as
// one level, as the canonical form prints it.
func (p *parser) or(prev *token) (Node, int, error) {
	col := p.peek().col
	n, depth, err := p.and(prev)
	if err != nil {
		return nil, 0, err
	}
	for p.peek().kind == tokOr {
		op := p.next()
		r, d, err := p.and(&op)
		if err != nil {
			return nil, 0, err
		}
		if _, ok := n.(Or); !ok {
			// n starts a new run of OR: it counts one level below it.
			depth++
		}
		n = Or{L: n, R: r}
		depth = max(depth, d+1)
	}
	if depth > maxDepth {
		return nil, 0, p.errorf(col, "the query nests too deeply (more than %d levels)", maxDepth)
	}
	return n, depth, nil
}

// and parses a run of unary expressions joined by AND or by adjacency.
func (p *parser) and(prev *token) (Node, int, error) {
	col := p.peek().col
	n, depth, err := p.unary(prev)
	if err != nil {
		return nil, 0, err
	}
	for {
		t := p.peek()
		var r Node
		var d int
		switch {
		case t.kind == tokAnd:
			op := p.next()
			r, d, err = p.unary(&op)
		case t.startsOperand():
			r, d, err = p.unary(nil)
		default:
			if depth > maxDepth {
				return nil, 0, p.errorf(col, "the query nests too deeply (more than %d levels)", maxDepth)
			}
			return n, depth, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if _, ok := n.(And); !ok {
			// n starts a new run of AND: it counts one level below it.
			depth++
		}
		n = And{L: n, R: r}
		depth = max(depth, d+1)
	}
}

// unary parses NOT x, -x, or a primary with an optional NEAR/n and a second
// primary. prev is the token before it, for the error when there is no
// operand.
func (p *parser) unary(prev *token) (Node, int, error) {
	t := p.peek()
	switch t.kind {
	case tokTerm, tokLParen:
		x, d, err := p.primary(prev)
		if err != nil || p.peek().kind != tokNear {
			return x, d, err
		}
		op := p.next()
		l, err := p.side(x, t, op)
		if err != nil {
			return nil, 0, err
		}
		rt := p.peek()
		if rt.kind != tokTerm && rt.kind != tokLParen {
			return nil, 0, p.errorf(op.col, "expected a term after %s, found %s", op.name(), rt.name())
		}
		y, _, err := p.primary(&op)
		if err != nil {
			return nil, 0, err
		}
		r, err := p.side(y, rt, op)
		if err != nil {
			return nil, 0, err
		}
		if next := p.peek(); next.kind == tokNear {
			return nil, 0, p.errorf(next.col, "%s: a NEAR joins two sides; join another with AND, as in (a NEAR/5 b) AND (b NEAR/5 c)", next.name())
		}
		return Near{L: l, R: r, N: op.n, Col: op.col}, d + 1, nil
	case tokNear:
		if prev == nil || prev.kind == tokLParen {
			return nil, 0, p.errorf(t.col, "%s needs a term before it", t.name())
		}
		return nil, 0, p.errorf(t.col, "expected a term after %s, found %s", prev.name(), t.name())
	case tokNot, tokMinus:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, 0, err
		}
		x, d, err := p.unary(&t)
		if err != nil {
			return nil, 0, err
		}
		p.nest--
		return Not{X: x}, d + 1, nil
	}
	return p.primary(prev)
}

// side turns the primary x, which began with token t, into a side of the
// NEAR op: a positional term, or such terms joined by OR.
func (p *parser) side(x Node, t, op token) ([]Term, error) {
	bad := func(col int, what string) error {
		return p.errorf(col, "%s cannot be a side of %s: a side is a word, a phrase, a title:, entity: or kind: term, or such terms joined by OR in parentheses", what, op.name())
	}
	var out []Term
	var walk func(Node) error
	walk = func(n Node) error {
		switch y := n.(type) {
		case Term:
			if !positional(y.Kind) {
				return bad(y.Col, y.Kind.String()+":")
			}
			out = append(out, y)
			return nil
		case Or:
			if err := walk(y.L); err != nil {
				return err
			}
			return walk(y.R)
		case Near:
			return bad(t.col, "a NEAR")
		}
		return bad(t.col, "a group with AND or NOT")
	}
	if err := walk(x); err != nil {
		return nil, err
	}
	return out, nil
}

// primary parses a parenthesised group or a term.
func (p *parser) primary(prev *token) (Node, int, error) {
	t := p.peek()
	switch t.kind {
	case tokTerm:
		p.next()
		if t.near != nil {
			return *t.near, 1, nil
		}
		return t.term, 0, nil
	case tokLParen:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, 0, err
		}
		if p.peek().kind == tokRParen {
			return nil, 0, p.errorf(t.col, "empty parentheses")
		}
		x, d, err := p.or(&t)
		if err != nil {
			return nil, 0, err
		}
		if p.peek().kind != tokRParen {
			return nil, 0, p.errorf(t.col, `unmatched "(": no ")" closes it`)
		}
		p.next()
		p.nest--
		return x, d, nil
	case tokAnd, tokOr:
		if prev == nil || prev.kind == tokLParen {
			return nil, 0, p.errorf(t.col, "%s needs a term before it", t.name())
		}
		return nil, 0, p.errorf(t.col, "expected a term after %s, found %s", prev.name(), t.name())
	case tokRParen:
		if prev == nil {
			return nil, 0, p.errorf(t.col, `unmatched ")"`)
		}
	case tokEOF:
		if prev == nil {
			return nil, 0, p.errorf(1, "empty query")
		}
	}
	if prev.kind == tokLParen {
		return nil, 0, p.errorf(prev.col, `unmatched "(": no ")" closes it`)
	}
	// A ")" or the end right after an operator: the operator dangles.
	return nil, 0, p.errorf(prev.col, "expected a term after %s", prev.name())
}

func (p *parser) enter(t token) error {
	p.nest++
	if p.nest > maxDepth {
		return p.errorf(t.col, "the query nests too deeply (more than %d levels)", maxDepth)
	}
	return nil
}
