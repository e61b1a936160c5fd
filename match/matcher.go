// Package match is the text matcher: it finds names (of the people, places
// and organisations to watch, or the words of alert rules) in news text, in
// any language and script, and says where each was found.
//
// The Matcher is built once per configuration version and is then read-only
// and safe for concurrent use; a caller that reloads its configuration
// builds a new Matcher and swaps it in with a Holder (an atomic pointer).
//
// Matching semantics (see DESIGN.md, "Entity matching"):
//
//   - Text is HTML-stripped and its character references decoded, then
//     normalised per rune: NFKC, full case folding (ß → ss, İ and ı → i), and
//     the diacritics of Latin, Greek, Cyrillic, Arabic and Hebrew letters
//     removed (ё → е; й keeps its breve). Names get the same treatment.
//   - Scripts written with spaces match whole words; apostrophes split words
//     (Venezuela'nın, Venezuela’s). Han, kana, Hangul (and Thai, Lao, Khmer,
//     Myanmar) are matched rune by rune, so their names match as substrings.
//   - A name ending in '*' matches any word starting with it.
//   - Any other word of a name also matches the text words that stem like it
//     with the Snowball stemmer of the name's language (Венесуэла finds
//     Венесуэлы). For precision, the text word must start with the name's
//     word but for its last rune, be at least as long and at most 4 runes
//     longer; a capitalised name word only matches capitalised words; when
//     the article's language is known only its own stemmer applies (a
//     Portuguese stem says nothing about an English word), otherwise every
//     stemmer does but only for stems of 4 runes or more; a 3-rune stem
//     needs both a known language and a capitalised name (Куба finds Кубе).
//     Where another entity's name is written out exactly on the same span,
//     a stemmed match gives way (Nigeria is not an inflection of Niger).
//   - Arabic words are also tried without the proclitics و ف ب ك ل and the
//     article ال.
//   - The words of a multi-word name match across any run of spaces,
//     punctuation and tags.
//   - Where one entity's mention lies inside a longer mention of the same
//     entity, only the longer one counts; a country name from CLDR inside
//     a longer mention of another entity (Guinea in Papua New Guinea, 印度
//     in 印度尼西亚) does not count either.
//
// All names are compiled into one automaton: a byte trie of the folded name
// words (which also marks the prefixes worth stemming) feeding a trie over
// name words that is run as an Aho-Corasick style state set, so one pass over
// the text finds every name.
package match

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
)

// Errors returned (wrapped) by NewMatcher and CompileTerms.
var (
	// ErrInvalidName: a name that cannot match anything, or with a '*'
	// elsewhere than at its end.
	ErrInvalidName = errors.New("invalid name")
	// ErrUnknownCountry: an entity's country is not an ISO 3166 code CLDR
	// knows.
	ErrUnknownCountry = errors.New("unknown country")
	// ErrInvalidEntity: an entity without id, or without any name.
	ErrInvalidEntity = errors.New("invalid entity")
	// ErrTooManyNames: the names do not fit the automaton (hundreds of
	// millions of name bytes).
	ErrTooManyNames = errors.New("too many names")
	// ErrInvalidCase: an entity's case is neither proper nor any.
	ErrInvalidCase = errors.New("invalid case")
)

// Entity is a person, place, organisation or anything else to find, and the
// names it goes by.
type Entity struct {
	ID   string
	Kind string // person, place, org or other; "" reports "other"
	// Country, an ISO 3166 alpha-2 code, adds the country's names in every
	// language CLDR knows.
	Country string
	// Names by the language they are written in; the key says how a name is
	// stemmed ("any" or a language without a stemmer: not stemmed).
	Names map[string][]string
	// Exclude lists phrases (in any script, normalised as names are) that
	// a hit of this entity may lie inside without counting: 古巴比伦
	// (ancient Babylon) for 古巴 (Cuba), "Venezuela Avenue".
	Exclude []string
	// Case says whether the capitalised words of the configured names match
	// only capitalised text words (CaseProper) or any (CaseAny); "" is the
	// default of the entity's kind (see DefaultCase).
	Case string
}

// Case modes of an entity's names.
const (
	// CaseProper: a capitalised name word only matches a capitalised text
	// word (an all-capitals headline qualifies): Maduro, not maduro (ripe).
	CaseProper = "proper"
	// CaseAny: name words match whatever the case of the text.
	CaseAny = "any"
)

// DefaultCase is the case mode of an entity whose Case is empty: proper for
// people, whose names are often common words elsewhere (Maduro, Rubio,
// Costa), any for the other kinds.
func DefaultCase(kind string) string {
	if kind == "person" {
		return CaseProper
	}
	return CaseAny
}

// properCase reports whether an entity's configured names match capitalised
// text words only.
func properCase(e Entity) bool {
	c := strings.ToLower(strings.TrimSpace(e.Case))
	if c == "" {
		c = DefaultCase(e.Kind)
	}
	return c == CaseProper
}

// Options tunes NewMatcher.
type Options struct {
	// Countries adds every ISO 3166 country as an entity: id the lower-case
	// alpha-2 code, kind place, names from CLDR in every language
	// (see CountryCodes). A configured entity with the same id is
	// merged with it: its kind wins and its names come first.
	Countries bool
}

// Term is a text term of an alert rule: a bare word, a prefix (Text ending
// in '*') or a quoted phrase (several words in Text). Lang says how its words
// are stemmed ("any" or "": not stemmed).
type Term struct {
	ID   string
	Text string
	Lang string
}

// Hit is one match in a field's text. Start and End are byte offsets into
// the text exactly as passed (for HTML, the raw markup).
type Hit struct {
	ID       string // entity or term id
	Kind     string // entity kind ("other" for terms)
	Field    string // as passed to Find
	Surface  string // the matched text as written (tags removed, references decoded)
	Start    int
	End      int
	Name     string // the configured name that matched
	NameLang string // the language that name is filed under
}

// Holder holds the Matcher in use so a configuration reload can swap in a
// new one atomically while taggers keep matching. The zero value holds nil.
type Holder struct {
	p atomic.Pointer[Matcher]
}

// Load returns the current Matcher (nil before the first Store).
func (h *Holder) Load() *Matcher { return h.p.Load() }

// Store makes m the current Matcher.
func (h *Holder) Store(m *Matcher) { h.p.Store(m) }

// Matcher finds names in text. It is safe for concurrent use: its compiled
// names never change after NewMatcher or CompileTerms returns; it only keeps
// a pool of working memory (with each worker's stem cache) for its calls.
type Matcher struct {
	entities []entityInfo
	names    []nameInfo

	lex       lexicon
	words     []nameWord
	stems     [numStemmers + 1]map[string]int32 // stem → index into stemLists
	stemLists [][]int32                         // name words by stem

	alts      map[int32][]int32 // name → the names of other languages of its entity on the same words
	inflStems []inflStem        // what lexicon nodes flagged infoInfl say (lexInfo.infl)
	infl      inflectionTable

	root  []int32    // name word → automaton node after it, or -1
	trans transTable // (node, adjacent, name word) → node
	outAt []int32    // per automaton node n: its outputs are outs[outAt[n]:outAt[n+1]]
	outs  []output   // the names ending at each node
	more  []bool     // per automaton node: has transitions

	excludes int // names that are exclusions

	pool scratchPool
}

type entityInfo struct {
	id, kind string
}

// nameInfo is one compiled name.
type nameInfo struct {
	entity  int32
	text    string
	lang    string
	exclude bool   // an exclusion phrase, not a name
	derived bool   // from CLDR rather than configured
	own     bool   // applies only to articles of its own language (see ownLanguageOnly)
	base    string // the base language of lang ("" for any)
	langs   string // of a CLDR name: the base languages that write it, space-separated
}

// nameWord is a word of a name as the automaton sees it: a folded form, the
// stemmer that also lets its inflections match (0: none), whether it is a
// prefix.
type nameWord struct {
	form      string
	stem      uint8
	star      bool
	upper     bool // capitalised: a stemmed match must be capitalised too
	strict    bool // capitalised CLDR name word: any match must be capitalised
	runes     int32
	keep      int32 // bytes of form an inflected form must start with: all but the last rune
	stemRunes int32 // runes of the form's stem
}

// strictWord flags a name word id in the lexicon's exact lists whose match
// must be capitalised.
const strictWord = 1 << 30

// output is a name recognised at an automaton node.
type output struct {
	entity int32
	name   int32
}

// Match qualities, best first: a hit keeps the best name for its span.
const (
	qExact uint8 = iota
	qPrefix
	qStem
)

// NewMatcher compiles the names of entities (and, with opts.Countries, of
// every country) into a Matcher. Every problem is reported, joined; each
// names the entity id and the offending name or country.
func NewMatcher(entities []Entity, opts Options) (*Matcher, error) {
	names := 0
	for _, e := range entities {
		for _, ns := range e.Names {
			names += len(ns)
		}
	}
	b := newBuilder(names)
	var errs []error
	type pending struct {
		idx     int32
		country string
	}
	byID := map[string]int32{}
	var order []pending
	for _, e := range entities {
		id := strings.TrimSpace(e.ID)
		if id == "" {
			errs = append(errs, fmt.Errorf("entity with names %v: empty id: %w", e.Names, ErrInvalidEntity))
			continue
		}
		idx, ok := byID[id]
		if !ok {
			idx = b.entity(id, e.Kind)
			byID[id] = idx
		} else if e.Kind != "" {
			b.m.entities[idx].kind = e.Kind
		}
		var proper bool
		switch strings.ToLower(strings.TrimSpace(e.Case)) {
		case "", CaseProper, CaseAny:
			proper = properCase(e)
		default:
			errs = append(errs, fmt.Errorf("entity %q: case %q: must be %s or %s: %w", id, e.Case, CaseProper, CaseAny, ErrInvalidCase))
		}
		for _, lang := range sortedKeys(e.Names) {
			for _, name := range e.Names[lang] {
				if err := b.addName(idx, lang, name, nameOpts{proper: proper}); err != nil {
					errs = append(errs, err)
				}
			}
		}
		for _, phrase := range e.Exclude {
			if err := b.addName(idx, "any", phrase, nameOpts{exclude: true}); err != nil {
				errs = append(errs, err)
			}
		}
		if e.Country != "" {
			if _, ok := countryNames(e.Country); !ok {
				errs = append(errs, fmt.Errorf("entity %q: country %q: %w", id, e.Country, ErrUnknownCountry))
				continue
			}
			order = append(order, pending{idx, e.Country})
		}
	}
	// CLDR names come after every configured name, so that a configured
	// name is the one reported for a span both match.
	for _, p := range order {
		names, _ := countryNames(p.country)
		b.addCountry(p.idx, names)
	}
	if opts.Countries {
		ct := countries()
		for _, code := range ct.codes {
			id := strings.ToLower(code)
			idx, ok := byID[id]
			if !ok {
				idx = b.entity(id, "place")
				byID[id] = idx
			} else if b.m.entities[idx].kind == "" {
				b.m.entities[idx].kind = "place"
			}
			b.addCountry(idx, ct.names[code])
		}
	}
	for i, n := range b.count {
		if n == 0 {
			errs = append(errs, fmt.Errorf("entity %q: no names: %w", b.m.entities[i].id, ErrInvalidEntity))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("compile entities: %w", errors.Join(errs...))
	}
	m, err := b.finish()
	if err != nil {
		return nil, fmt.Errorf("compile entities: %w", err)
	}
	return m, nil
}

// CompileTerms compiles the text terms of alert rules into a Matcher whose
// Find reports each term's ID.
func CompileTerms(terms []Term) (*Matcher, error) {
	b := newBuilder(len(terms))
	var errs []error
	byID := map[string]int32{}
	for _, t := range terms {
		idx, ok := byID[t.ID]
		if !ok {
			idx = b.entity(t.ID, "")
			byID[t.ID] = idx
		}
		if err := b.addName(idx, t.Lang, t.Text, nameOpts{}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("compile terms: %w", errors.Join(errs...))
	}
	m, err := b.finish()
	if err != nil {
		return nil, fmt.Errorf("compile terms: %w", err)
	}
	return m, nil
}

// Names returns the number of names compiled: distinct (entity, language,
// name) triples, CLDR's included, exclusions not.
func (m *Matcher) Names() int {
	if m == nil {
		return 0
	}
	return len(m.names) - m.excludes
}

// Entities returns the number of entities compiled.
func (m *Matcher) Entities() int {
	if m == nil {
		return 0
	}
	return len(m.entities)
}

// builder compiles names.
type builder struct {
	m        *Matcher
	count    []int // names per entity
	wordIDs  map[nameWord]int32
	lb       *lexBuilder
	tok      tokenizer
	toks     []nameToken
	env      *snowballstem.Env
	rootMap  map[int32]int32
	nodes    int32
	seen     map[nameInfo]bool
	outs     map[int32][]output
	trans    map[uint64]int32
	stemmed  map[stemKey]string
	more     map[int32]bool
	countrys map[int32]bool
	wordNode []int32 // name word → its lexicon builder node (-1: a prefix or CJK word)
	langKeys map[string]langKey
}

// langKey is what a name's language key says: its stemmer and its base
// language (parsed once per key, not once per name).
type langKey struct {
	stemmer int
	base    string
}

func (b *builder) langKey(lang string) langKey {
	k, ok := b.langKeys[lang]
	if !ok {
		k = langKey{stemmerFor(lang), baseLang(lang)}
		b.langKeys[lang] = k
	}
	return k
}

// collect keeps a name's token.
func (b *builder) collect(t *token) {
	c := *t
	c.text = nil
	b.toks = append(b.toks, nameToken{token: c, form: string(t.text)})
}

// newBuilder returns a builder with room for about names names.
func newBuilder(names int) *builder {
	return &builder{
		m:        &Matcher{names: make([]nameInfo, 0, names)},
		trans:    make(map[uint64]int32, names),
		stemmed:  map[stemKey]string{},
		wordIDs:  make(map[nameWord]int32, names),
		lb:       newLexBuilder(names),
		env:      snowballstem.NewEnv(""),
		rootMap:  map[int32]int32{},
		nodes:    1,
		seen:     make(map[nameInfo]bool, names),
		outs:     make(map[int32][]output, names),
		more:     map[int32]bool{},
		countrys: map[int32]bool{},
		langKeys: map[string]langKey{},
	}
}

func (b *builder) entity(id, kind string) int32 {
	b.m.entities = append(b.m.entities, entityInfo{id: id, kind: kind})
	b.count = append(b.count, 0)
	return int32(len(b.m.entities) - 1)
}

// addCountry adds CLDR names to an entity, once.
func (b *builder) addCountry(idx int32, names []cldrName) {
	if b.countrys[idx] {
		return
	}
	b.countrys[idx] = true
	for _, n := range names {
		// CLDR's names are well formed; one that normalises to nothing is
		// skipped rather than reported.
		_ = b.addName(idx, n.lang, n.name, nameOpts{derived: true, own: n.own, langs: n.langs})
	}
}

// nameOpts says what kind of name addName compiles.
type nameOpts struct {
	derived bool   // from CLDR
	own     bool   // CLDR name for articles of its languages only
	langs   string // the base languages that write a CLDR name, space-separated
	exclude bool   // an exclusion phrase
	proper  bool   // capitalised words match capitalised text words only
}

// addName compiles one name of entity idx.
func (b *builder) addName(idx int32, lang, text string, o nameOpts) error {
	id := b.m.entities[idx].id
	bad := func(reason string) error {
		if o.exclude {
			return fmt.Errorf("entity %q: exclude %q: %s: %w", id, text, reason, ErrInvalidName)
		}
		return fmt.Errorf("entity %q: name %q (%s): %s: %w", id, text, lang, reason, ErrInvalidName)
	}
	raw := strings.TrimSpace(text)
	star := strings.HasSuffix(raw, "*")
	if star {
		raw = strings.TrimSpace(strings.TrimSuffix(raw, "*"))
	}
	if strings.Contains(raw, "*") {
		return bad("'*' is allowed only at the end")
	}
	if !utf8.ValidString(raw) {
		return bad("not valid UTF-8")
	}
	key := nameInfo{entity: idx, text: text, lang: lang, exclude: o.exclude}
	if b.seen[key] {
		return nil
	}
	lk := b.langKey(lang)
	st := lk.stemmer
	if o.exclude {
		st = 0
	}
	b.toks = b.toks[:0]
	b.tok.run(raw, false, b.collect)
	if len(b.toks) == 0 {
		return bad("no letters or digits to match")
	}
	base := lk.base
	langs := o.langs
	path := make([]int32, len(b.toks))
	for i, t := range b.toks {
		w := nameWord{form: t.form, runes: int32(t.runes)}
		switch {
		case t.cjk:
		case star && i == len(b.toks)-1:
			w.star = true
		case st != 0:
			w.stem = uint8(st)
			w.upper = t.upper
		}
		// A country name from CLDR is a proper noun: folded, too many of
		// them are common words elsewhere (Danish Island is English
		// island, Latvian Čada Spanish cada), so they only match
		// capitalised words; so do the names of an entity in proper case.
		w.strict = (o.derived || o.proper) && t.upper && !t.cjk && !w.star
		path[i] = b.intern(w)
		if !t.cjk && !w.star && !o.exclude {
			b.inflectable(path[i], base, langs, o.derived) // exclusions are not inflected
		}
	}
	b.seen[key] = true
	key.derived, key.own, key.base = o.derived, o.own, base
	key.langs = langs
	b.m.names = append(b.m.names, key)
	if o.exclude {
		b.m.excludes++
	} else {
		b.count[idx]++
	}
	name := int32(len(b.m.names) - 1)

	node := int32(0)
	for i, w := range path {
		node = b.step(node, i > 0 && b.toks[i].adj, w)
	}
	for _, out := range b.outs[node] {
		if n := &b.m.names[out.name]; out.entity == idx && n.exclude == o.exclude {
			// Another name of the entity already ends here; one of
			// another language is kept aside, for the hits in articles of
			// that language to report.
			if n.base != base && !slices.Contains(b.m.alts[out.name], name) {
				if b.m.alts == nil {
					b.m.alts = map[int32][]int32{}
				}
				b.m.alts[out.name] = append(b.m.alts[out.name], name)
			}
			return nil
		}
	}
	b.outs[node] = append(b.outs[node], output{entity: idx, name: name})
	return nil
}

// inflectable registers name word id, of a name filed under language base,
// for proper-name inflection: text words made of the word, or of the word
// without its final vowel, plus an ending. A CLDR name inflects only in the
// articles of a language that writes it (Estonian Kubani, the Kuban, is no
// case form of German Kuba; Estonian writes Kuuba).
func (b *builder) inflectable(id int32, base, langs string, derived bool) {
	w := &b.m.words[id]
	if w.runes < minInflectRunes {
		return
	}
	node := b.wordNode[id]
	if node < 0 {
		return
	}
	add := func(n int32, drop bool) {
		st := inflStem{word: id, drop: drop, lang: base, derived: derived, langs: langs}
		for _, i := range b.lb.infl[n] {
			if b.m.inflStems[i] == st {
				return
			}
		}
		b.lb.addInfl(n, int32(len(b.m.inflStems)))
		b.m.inflStems = append(b.m.inflStems, st)
	}
	add(node, false)
	if last, size := utf8.DecodeLastRuneInString(w.form); isFinalVowel(last) && w.runes-1 >= minInflectRunes {
		add(b.lb.up(node, size), true)
	}
}

// nameToken is a token of a name being compiled.
type nameToken struct {
	token
	form string
}

func (b *builder) intern(w nameWord) int32 {
	if id, ok := b.wordIDs[w]; ok {
		return id
	}
	var stem string
	if w.stem != 0 {
		stem = b.stem(int(w.stem), w.form)
		if utf8.RuneCountInString(stem) < minStemRunes {
			// Too short to stem: the same word as an unstemmed one ("de"
			// in Spanish and French names), which keeps the automaton and
			// each token's set of name words small.
			return b.intern(nameWord{form: w.form, runes: w.runes, strict: w.strict})
		}
	}
	id := int32(len(b.m.words))
	b.wordIDs[w] = id
	_, size := utf8.DecodeLastRuneInString(w.form)
	w.keep = int32(len(w.form) - size)
	b.m.words = append(b.m.words, w)
	if w.star {
		b.lb.addPrefix(w.form, id)
		b.wordNode = append(b.wordNode, -1)
		return id
	}
	var node int32
	if w.strict {
		node = b.lb.addExact(w.form, id|strictWord)
	} else {
		node = b.lb.addExact(w.form, id)
	}
	b.wordNode = append(b.wordNode, node)
	if w.stem == 0 {
		return id
	}
	sr := utf8.RuneCountInString(stem)
	b.m.words[id].stemRunes = int32(sr)
	m := b.m.stems[w.stem]
	if m == nil {
		m = map[string]int32{}
		b.m.stems[w.stem] = m
	}
	li, ok := m[stem]
	if !ok {
		li = int32(len(b.m.stemLists))
		m[stem] = li
		b.m.stemLists = append(b.m.stemLists, nil)
	}
	b.m.stemLists[li] = append(b.m.stemLists[li], id)
	// An inflected form keeps the word but for its last rune (Венесуэла,
	// Венесуэлы; Куба, Кубе), and the part of the stem the stemmer did not
	// rewrite (Peru, stem peru: not percent): only text words starting so
	// are stemmed.
	keep := max(int(b.m.words[id].keep), commonPrefix(stem, w.form))
	b.m.words[id].keep = int32(keep)
	b.lb.addTrigger(w.form[:keep], trigger{stemmer: w.stem, minRunes: w.runes, maxRunes: w.runes + maxExtraRunes})
	return id
}

// stem stems a name word, remembering the result.
func (b *builder) stem(st int, form string) string {
	k := stemKey{st, form}
	if s, ok := b.stemmed[k]; ok {
		return s
	}
	s := stemWord(b.env, st, form)
	b.stemmed[k] = s
	return s
}

type stemKey struct {
	stemmer int
	form    string
}

// step returns the automaton node reached from node by name word w.
func (b *builder) step(node int32, adj bool, w int32) int32 {
	if node == 0 {
		if n, ok := b.rootMap[w]; ok {
			return n
		}
		n := b.nodes
		b.nodes++
		b.rootMap[w] = n
		return n
	}
	k := transKey(node, adj, w)
	if n, ok := b.trans[k]; ok {
		return n
	}
	n := b.nodes
	b.nodes++
	b.trans[k] = n
	b.more[node] = true
	return n
}

// transTable is an open-addressing hash table from transKey to automaton
// node, faster than a map on the hot path. Keys are never 0 (node > 0).
type transTable struct {
	slots []transSlot
	shift uint
}

type transSlot struct {
	key  uint64
	node int32
}

func newTransTable(m map[uint64]int32) transTable {
	bits := uint(4)
	for 1<<bits < 2*len(m) {
		bits++
	}
	t := transTable{slots: make([]transSlot, 1<<bits), shift: 64 - bits}
	mask := uint64(len(t.slots) - 1)
	for k, n := range m {
		i := (k * 0x9E3779B97F4A7C15) >> t.shift
		for t.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = transSlot{key: k, node: n}
	}
	return t
}

// get returns the node for key k, or -1.
func (t *transTable) get(k uint64) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> t.shift; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == k {
			return s.node
		}
		if s.key == 0 {
			return -1
		}
	}
}

// commonPrefix returns the length in bytes of the longest common prefix of a
// and b that ends on a rune boundary.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) {
		r, size := utf8.DecodeRuneInString(a[n:])
		if r2, size2 := utf8.DecodeRuneInString(b[n:]); r != r2 || size != size2 {
			break
		}
		n += size
	}
	return n
}

func transKey(node int32, adj bool, w int32) uint64 {
	k := uint64(uint32(node))<<33 | uint64(uint32(w))
	if adj {
		k |= 1 << 32
	}
	return k
}

// finish freezes the automaton.
func (b *builder) finish() (*Matcher, error) {
	m := b.m
	lex, err := b.lb.freeze()
	if err != nil {
		return nil, err
	}
	m.lex = lex
	m.root = make([]int32, len(m.words))
	for i := range m.root {
		m.root[i] = -1
	}
	for w, n := range b.rootMap {
		m.root[w] = n
	}
	m.outAt = make([]int32, b.nodes+1)
	for n := int32(0); n < b.nodes; n++ {
		m.outAt[n] = int32(len(m.outs))
		m.outs = append(m.outs, b.outs[n]...)
	}
	m.outAt[b.nodes] = int32(len(m.outs))
	m.trans = newTransTable(b.trans)
	m.more = make([]bool, b.nodes)
	for n := range b.more {
		m.more[n] = true
	}
	m.infl = inflections()
	m.pool = scratchPool{m: m, max: max(4, 2*runtime.GOMAXPROCS(0))}
	return m, nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
