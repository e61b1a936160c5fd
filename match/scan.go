package match

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"

	"github.com/mediawatch/mediawatch/htmltext"
)

// sym is a name word a text token (or a part of it) stands for.
type sym struct {
	w     int32
	start int32 // byte offset where the match would start
	q     uint8
}

// state is a partial match of a multi-word name.
type state struct {
	node  int32
	start int32
	q     uint8
}

// rawHit is a match before it is resolved and reported.
type rawHit struct {
	entity int32
	name   int32
	start  int32
	end    int32
	q      uint8
	field  uint8
}

// scratchPool keeps a Matcher's scratches between calls. Unlike a
// sync.Pool it does not drop them at garbage collection, so their stem
// caches stay warm; it keeps at most max idle ones.
type scratchPool struct {
	m    *Matcher
	max  int
	mu   sync.Mutex
	free []*scratch
}

func (p *scratchPool) get() *scratch {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		sc := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return sc
	}
	p.mu.Unlock()
	return newScratch(p.m)
}

func (p *scratchPool) put(sc *scratch) {
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, sc)
	}
	p.mu.Unlock()
}

// scratch is the per-call working memory, pooled per Matcher.
type scratch struct {
	m      *Matcher
	onTok  func(*token) // m.token bound to this scratch, made once
	tok    tokenizer
	syms   []sym
	trigs  []int32
	active []state
	next   []state
	hits   []rawHit
	all    []rawHit
	vbuf   []byte
	env    *snowballstem.Env
	cache  stemCache
	lang   int    // the stemmer of the text's language; -1: unknown, any
	infl   int    // the inflection rules of the text's language; 0: none
	lang2  string // the text's base language; "": unknown

	// Words of scripts without spaces: the hits that end on a katakana
	// rune (from kanaFrom on; -1: none) wait for the next token, and the
	// Hangul runes of the current word are counted.
	kanaFrom   int
	prevKana   bool
	hangulRun  int
	prevHangul rune
	excl       []rawHit
	inflAt     []inflAt
	curWord    []byte // the word lookupWord walks
	inflOn     bool   // it may be an inflected name
}

func newScratch(m *Matcher) *scratch {
	sc := &scratch{m: m, env: snowballstem.NewEnv(""), cache: stemCache{idx: map[uint64]int32{}}}
	sc.onTok = func(t *token) { m.token(sc, t) }
	return sc
}

// stemCache remembers, per stemmer, which stem list (or none) a text word
// maps to, so each distinct word is stemmed at most once per stemmer while
// the scratch lives (it survives across articles through the pool).
type stemCache struct {
	idx   map[uint64]int32
	ents  []stemEntry
	words []byte
}

type stemEntry struct {
	off, n  uint32
	stemmer uint8
	list    int32
}

// Bounds of a scratch's stem cache (a few MB); it is emptied when it
// reaches them.
const (
	maxCacheEntries = 1 << 16
	maxCacheBytes   = 1 << 20
)

func cacheKey(w []byte, st int) uint64 {
	h := uint64(14695981039346656037) ^ uint64(st)
	for _, c := range w {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// stemList returns the stem list that word w maps to with stemmer st, or -1.
func (m *Matcher) stemList(sc *scratch, st int, w []byte) int32 {
	c := &sc.cache
	k := cacheKey(w, st)
	i, hit := c.idx[k]
	if hit {
		e := c.ents[i]
		if int(e.stemmer) == st && bytes.Equal(c.words[e.off:e.off+e.n], w) {
			return e.list
		}
	}
	stem := stemWord(sc.env, st, string(w))
	list, ok := m.stems[st][stem]
	if !ok {
		list = -1
	}
	if hit {
		return list // a hash collision: do not cache
	}
	if len(c.ents) >= maxCacheEntries || len(c.words)+len(w) > maxCacheBytes {
		clear(c.idx)
		c.ents = c.ents[:0]
		c.words = c.words[:0]
	}
	c.idx[k] = int32(len(c.ents))
	c.ents = append(c.ents, stemEntry{off: uint32(len(c.words)), n: uint32(len(w)), stemmer: uint8(st), list: list})
	c.words = append(c.words, w...)
	return list
}

// addSym adds a name word to the current token's set, keeping the best
// quality for each (word, start).
func (sc *scratch) addSym(w int32, start int, q uint8) {
	for i := range sc.syms {
		s := &sc.syms[i]
		if s.w == w && s.start == int32(start) {
			s.q = min(s.q, q)
			return
		}
	}
	sc.syms = append(sc.syms, sym{w: w, start: int32(start), q: q})
}

// lookupWord walks a folded word through the lexicon and adds the name words
// it stands for: equal words, prefix names it starts with, and words that
// stem alike.
func (m *Matcher) lookupWord(sc *scratch, w []byte, runes int, start int, upper bool) {
	lex := &m.lex
	n := int32(0)
	sc.trigs = sc.trigs[:0]
	sc.inflAt = sc.inflAt[:0]
	sc.curWord = w
	// Stems of proper-name inflection matter in an article with rules, for
	// a capitalised word.
	mask := int32(infoPrefix | infoTrig)
	sc.inflOn = sc.infl > 0 && upper
	if sc.inflOn {
		mask |= infoInfl
	}
	i := 0
	if len(w) >= 2 && !lex.skip1[w[0]] {
		// The first two bytes in one step.
		n, i = lex.two[int(w[0])<<8|int(w[1])], 2
		if n >= 0 && lex.slots[n].check&mask != 0 {
			m.visit(sc, n, i, start)
		}
	}
	for ; i < len(w) && n >= 0; i++ {
		n = lex.child(n, w[i])
		if n >= 0 && lex.slots[n].check&mask != 0 {
			m.visit(sc, n, i+1, start)
		}
	}
	if n >= 0 && i == len(w) && lex.slots[n].check&infoExact != 0 {
		for _, x := range lex.lists[lex.infos[lex.info[n]].exact] {
			if x&strictWord != 0 {
				if !upper {
					continue
				}
				x &^= strictWord
			}
			sc.addSym(x, start, qExact)
		}
	}
	if len(sc.inflAt) > 0 {
		m.inflect(sc, w, runes, start)
	}
	if len(sc.trigs) == 0 {
		return
	}
	if sc.lang == unknownArticleLang && latinWord(w) {
		// The article's language is unknown (neither declared nor
		// detected): Latin-script languages share too many stems across
		// languages (Portuguese Caribe, stem carib, would find English
		// Caribou), so its Latin words match exactly or by prefix only.
		return
	}
	var done uint32
	for _, ti := range sc.trigs {
		for _, t := range lex.trigs[ti] {
			if done&(1<<t.stemmer) != 0 || int32(runes) < t.minRunes || int32(runes) > t.maxRunes ||
				sc.lang >= 0 && int(t.stemmer) != sc.lang {
				continue
			}
			done |= 1 << t.stemmer
			li := m.stemList(sc, int(t.stemmer), w)
			if li < 0 {
				continue
			}
			for _, x := range m.stemLists[li] {
				nw := &m.words[x]
				if int32(runes) >= nw.runes && int32(runes) <= nw.runes+maxExtraRunes && (upper || !nw.upper) &&
					(nw.stemRunes >= minLongStemRunes || sc.lang >= 0 && nw.upper) && bytes.HasPrefix(w, []byte(nw.form[:nw.keep])) {
					sc.addSym(x, start, qStem)
				}
			}
		}
	}
}

// visit collects the prefix names, triggers and inflection stems of lexicon
// slot n, reached after the first bytes of the word.
func (m *Matcher) visit(sc *scratch, n int32, bytes, start int) {
	in := &m.lex.infos[m.lex.info[n]]
	if in.infl >= 0 && sc.inflOn && bytes < len(sc.curWord) {
		sc.inflAt = append(sc.inflAt, inflAt{bytes: bytes, node: n})
	}
	if in.prefix >= 0 {
		for _, x := range m.lex.lists[in.prefix] {
			sc.addSym(x, start, qPrefix)
		}
	}
	if in.trig >= 0 {
		sc.trigs = append(sc.trigs, in.trig)
	}
}

// Arabic letters that may be proclitics.
const (
	arWaw   = 'و'
	arFa    = 'ف'
	arBa    = 'ب'
	arKaf   = 'ك'
	arLam   = 'ل'
	arAlef  = 'ا'
	arMaxPf = 4 // runes of the longest proclitic sequence: و + ب + ال
)

// arabicVariants looks the token up again without its proclitics: the
// conjunctions و ف, the prepositions ب ك ل and the article ال (ل + ال is
// written لل).
func (m *Matcher) arabicVariants(sc *scratch, t *token) {
	w := t.text
	var rs [arMaxPf + 2]rune
	var pos [arMaxPf + 3]int
	n := 0
	for p := 0; n < len(rs) && p < len(w); n++ {
		r, s := utf8.DecodeRune(w[p:])
		rs[n], pos[n] = r, p
		p += s
		pos[n+1] = p
	}
	at := func(i int) rune {
		if i < n {
			return rs[i]
		}
		return 0
	}
	try := func(skip int) {
		if skip == 0 || t.runes-skip < 2 {
			return
		}
		m.lookupWord(sc, w[pos[skip]:], t.runes-skip, arabicStart(sc.tok.src, t.start, t.end, skip), false)
	}
	conj := 0
	for {
		// conj: runes of the conjunction; prep: of the preposition.
		for prep := 0; prep <= 1; prep++ {
			if prep == 1 {
				if c := at(conj); c != arBa && c != arKaf && c != arLam {
					break
				}
			}
			p := conj + prep
			try(p)
			if at(p) == arAlef && at(p+1) == arLam {
				try(p + 2)
			}
		}
		if at(conj) == arLam && at(conj+1) == arLam && t.runes-conj-2 >= 2 {
			// لل: the preposition ل and the article ال; look up ال + rest.
			sc.vbuf = append(sc.vbuf[:0], "ال"...)
			sc.vbuf = append(sc.vbuf, w[pos[conj+2]:]...)
			m.lookupWord(sc, sc.vbuf, t.runes-conj, arabicStart(sc.tok.src, t.start, t.end, conj+1), false)
		}
		if conj == 1 || (at(0) != arWaw && at(0) != arFa) {
			break
		}
		conj = 1
	}
}

// Hebrew letters that may be proclitics: ב ה ו כ ל מ ש.
func hebrewProclitic(r rune) bool {
	switch r {
	case 'ב', 'ה', 'ו', 'כ', 'ל', 'מ', 'ש':
		return true
	}
	return false
}

// heMaxPf is the number of proclitics a Hebrew word is tried without: up
// to three (וכש, ומה, שב...).
const heMaxPf = 3

// hebrewVariants looks the token up again without up to three proclitics
// (ב ה ו כ ל מ ש, in any combination). A word that starts with ו doubles
// it after a proclitic (בוונצואלה: ב + ונצואלה), so a doubled ו is also
// tried as one.
func (m *Matcher) hebrewVariants(sc *scratch, t *token) {
	w := t.text
	p := 0
	for skip := 1; skip <= heMaxPf && skip <= t.runes-2; skip++ {
		r, size := utf8.DecodeRune(w[p:])
		if !hebrewProclitic(r) {
			return
		}
		p += size
		start := arabicStart(sc.tok.src, t.start, t.end, skip)
		m.lookupWord(sc, w[p:], t.runes-skip, start, false)
		if rest := w[p:]; len(rest) > 4 && string(rest[:4]) == "וו" {
			m.lookupWord(sc, rest[2:], t.runes-skip-1, start, false)
		}
	}
}

// isHebrewWord reports whether a folded word starts with a Hebrew letter.
func isHebrewWord(w []byte) bool {
	return len(w) >= 2 && w[0] == 0xD7 && w[1] >= 0x90 && w[1] <= 0xAA
}

// arabicStart returns the offset in src of the rune after the first skip
// letters of the word at src[start:end], skipping diacritics.
func arabicStart(src string, start, end, skip int) int {
	s := src[start:end]
	if strings.ContainsAny(s, "&<") {
		return start
	}
	i, c := 0, 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.Is(unicode.Mn, r) && r != 0x0640 && !unicode.Is(unicode.Cf, r) {
			if c == skip {
				break
			}
			c++
		}
		i += size
	}
	return start + i
}

// isArabicWord reports whether a folded word starts with an Arabic letter.
func isArabicWord(w []byte) bool {
	return len(w) >= 2 && w[0] >= 0xD8 && w[0] <= 0xDB
}

// scan finds every name in one field's text into sc.hits, resolved. lang is
// the text's stemmer: -1 when its language is unknown (every stemmer
// applies), 0 when the language has none.
func (m *Matcher) scan(sc *scratch, text string, html bool, lang int) {
	sc.lang = lang
	sc.hits = sc.hits[:0]
	sc.active = sc.active[:0]
	sc.kanaFrom, sc.prevKana, sc.hangulRun, sc.prevHangul = -1, false, 0, 0
	sc.tok.run(text, html, sc.onTok)
	m.resolve(sc)
}

// token matches one token of the text.
func (m *Matcher) token(sc *scratch, t *token) {
	noStart := false
	if t.cjk || sc.kanaFrom >= 0 || sc.prevKana || sc.hangulRun > 0 {
		noStart = m.cjkWord(sc, t)
	}
	sc.syms = sc.syms[:0]
	m.lookupWord(sc, t.text, t.runes, t.start, t.upper)
	if !t.cjk && t.runes >= 3 {
		if isArabicWord(t.text) {
			m.arabicVariants(sc, t)
		} else if isHebrewWord(t.text) {
			m.hebrewVariants(sc, t)
		}
	}
	if len(sc.syms) == 0 {
		sc.active = sc.active[:0]
		return
	}
	from := len(sc.hits)
	m.advance(sc, t, noStart)
	if sc.prevKana && len(sc.hits) > from {
		sc.kanaFrom = from
	}
}

// Korean prefixes a name may follow within a word: 대 (對, towards: 대쿠바
// 제재), 주 (駐, resident in), 친 (pro-), 반 (anti-), 재 (在, in), 방 (訪,
// visiting).
func hangulPrefix(r rune) bool {
	switch r {
	case '대', '주', '친', '반', '재', '방':
		return true
	}
	return false
}

// cjkWord applies the word rules of katakana and Hangul to token t before it
// is matched: the hits that ended on a katakana rune are dropped when t
// continues the katakana word (カリブ in カリブー, the caribou), and it
// reports whether a name may not start at t: inside a katakana word, or
// inside a Hangul word but for its first syllable or after a prefix (쿠바
// not in 스쿠바, scuba). Particles and suffixes may follow a Hangul name
// (쿠바의, 쿠바인).
func (m *Matcher) cjkWord(sc *scratch, t *token) bool {
	kana, hangul := false, rune(0)
	if t.cjk {
		r, _ := utf8.DecodeRune(t.text)
		kana = isKatakana(r)
		if r >= 0xAC00 && r <= 0xD7A3 || r >= 0x1100 && r <= 0x11FF || r >= 0x3130 && r <= 0x318F {
			hangul = r // syllables and jamo
		}
	}
	cont := kana && t.adj && sc.prevKana
	if sc.kanaFrom >= 0 {
		if cont {
			sc.hits = sc.hits[:sc.kanaFrom]
		}
		sc.kanaFrom = -1
	}
	noStart := cont
	if hangul != 0 && t.adj && sc.hangulRun > 0 {
		noStart = sc.hangulRun > 1 || !hangulPrefix(sc.prevHangul)
		sc.hangulRun++
	} else if hangul != 0 {
		sc.hangulRun = 1
	} else {
		sc.hangulRun = 0
	}
	sc.prevHangul = hangul
	sc.prevKana = kana
	return noStart
}

// isKatakana reports katakana letters and the long mark ー (text is folded:
// halfwidth forms are fullwidth).
func isKatakana(r rune) bool {
	return r >= 0x30A1 && r <= 0x30FA || r == 0x30FC || r >= 0x30FD && r <= 0x30FF || r >= 0x31F0 && r <= 0x31FF
}

// advance moves the partial matches over one token; with noStart no name
// starts at it.
func (m *Matcher) advance(sc *scratch, t *token, noStart bool) {
	if len(sc.syms) == 0 {
		sc.active = sc.active[:0]
		return
	}
	next := sc.next[:0]
	for _, s := range sc.syms {
		if n := m.root[s.w]; n >= 0 && !noStart {
			next = append(next, state{node: n, start: s.start, q: s.q})
		}
	}
	for _, st := range sc.active {
		for _, s := range sc.syms {
			if n := m.trans.get(transKey(st.node, false, s.w)); n >= 0 {
				next = append(next, state{node: n, start: st.start, q: max(st.q, s.q)})
			}
			if t.adj {
				if n := m.trans.get(transKey(st.node, true, s.w)); n >= 0 {
					next = append(next, state{node: n, start: st.start, q: max(st.q, s.q)})
				}
			}
		}
	}
	k := 0
	for _, st := range next {
		for _, o := range m.outs[m.outAt[st.node]:m.outAt[st.node+1]] {
			if n := &m.names[o.name]; n.own && sc.lang2 != "" && !ownLang(n.langs, sc.lang2) {
				// A CLDR name for articles of its own languages only (or
				// of an unknown language).
				continue
			}
			sc.hits = append(sc.hits, rawHit{entity: o.entity, name: o.name, start: st.start, end: int32(t.end), q: st.q})
		}
		if m.more[st.node] {
			next[k] = st
			k++
		}
	}
	sc.active, sc.next = next[:k], sc.active
}

// resolve sorts the hits of a field and drops the redundant ones: the same
// entity on the same span (the best name wins), a mention inside a longer
// mention of the same entity, and a CLDR country name inside a longer
// mention of another entity.
func (m *Matcher) resolve(sc *scratch) {
	if m.excludes > 0 {
		m.exclude(sc)
	}
	hits := sc.hits
	if len(hits) < 2 {
		return
	}
	slices.SortFunc(hits, func(a, b rawHit) int {
		switch {
		case a.start != b.start:
			return int(a.start - b.start)
		case a.end != b.end:
			return int(b.end - a.end)
		case a.q != b.q:
			return int(a.q) - int(b.q)
		case a.entity != b.entity:
			return int(a.entity - b.entity)
		}
		return int(a.name - b.name)
	})
	k := 0
	maxEnd := int32(-1)
	group := 0     // first kept hit of the current span
	exact := false // the current span has an exact match
	for _, h := range hits {
		if k == 0 || hits[group].start != h.start || hits[group].end != h.end {
			group, exact = k, false
		} else {
			if exact && h.q == qStem {
				continue // an inflection guess where another entity's name is written out
			}
			if i := slices.IndexFunc(hits[group:k], func(g rawHit) bool { return g.entity == h.entity }); i >= 0 {
				// The same entity on the same span: the first is best, but
				// for a name of the text's own language of equal quality
				// (a German Kuba is explained by the German name).
				if g := &hits[group+i]; g.q == h.q && sc.lang2 != "" && m.names[h.name].base == sc.lang2 && m.names[g.name].base != sc.lang2 {
					g.name = h.name
				}
				continue
			}
		}
		if maxEnd >= h.end && m.contained(hits[:k], h) {
			continue
		}
		exact = exact || h.q == qExact
		maxEnd = max(maxEnd, h.end)
		hits[k] = h
		k++
	}
	sc.hits = hits[:k]
}

// ownName returns the name of language lang that stands on the same words
// as name (its entity's first name there), or name itself.
func (m *Matcher) ownName(name int32, lang string) *nameInfo {
	for _, a := range m.alts[name] {
		if n := &m.names[a]; n.base == lang {
			return n
		}
	}
	return &m.names[name]
}

// ownLang reports whether base language lang is one of langs (" cs de pl ").
func ownLang(langs, lang string) bool {
	for langs != "" {
		var l string
		l, langs, _ = strings.Cut(langs, " ")
		if l == lang {
			return true
		}
	}
	return false
}

// exclude drops the exclusion hits from sc.hits, and every hit of an entity
// that lies inside one of that entity's exclusions.
func (m *Matcher) exclude(sc *scratch) {
	sc.excl = sc.excl[:0]
	for _, h := range sc.hits {
		if m.names[h.name].exclude {
			sc.excl = append(sc.excl, h)
		}
	}
	if len(sc.excl) == 0 {
		return
	}
	k := 0
	for _, h := range sc.hits {
		if m.names[h.name].exclude || slices.ContainsFunc(sc.excl, func(x rawHit) bool {
			return x.entity == h.entity && x.start <= h.start && h.end <= x.end
		}) {
			continue
		}
		sc.hits[k] = h
		k++
	}
	sc.hits = sc.hits[:k]
}

// contained reports whether h lies inside a kept hit that suppresses it.
func (m *Matcher) contained(kept []rawHit, h rawHit) bool {
	derived := m.names[h.name].derived
	for i := len(kept) - 1; i >= 0; i-- {
		g := kept[i]
		if g.end < h.end || g.end-g.start <= h.end-h.start {
			continue
		}
		if g.entity == h.entity || derived {
			return true
		}
	}
	return false
}

// surface returns the text of a hit as written: the original bytes, or for
// HTML with tags or references inside the span, its plain text.
func surface(text string, start, end int, html bool) string {
	s := text[start:end]
	if html && strings.ContainsAny(s, "<&") {
		return htmltext.Plain(s)
	}
	return s
}

func (m *Matcher) kind(e int32) string {
	if k := m.entities[e].kind; k != "" {
		return k
	}
	return "other"
}

// Find returns every name found in text, an HTML fragment or plain text (as
// an article's field carries it), in text order. field is copied into each
// Hit. The text's language is unknown, so every stemmer may apply (see the
// package documentation). A nil Matcher finds nothing.
func (m *Matcher) Find(field, text string) []Hit {
	if m == nil || text == "" {
		return nil
	}
	sc := m.pool.get()
	defer m.pool.put(sc)
	sc.infl, sc.lang2 = 0, ""
	m.scan(sc, text, true, -1)
	if len(sc.hits) == 0 {
		return nil
	}
	out := make([]Hit, len(sc.hits))
	for i, h := range sc.hits {
		n := &m.names[h.name]
		out[i] = Hit{
			ID:       m.entities[h.entity].id,
			Kind:     m.kind(h.entity),
			Field:    field,
			Surface:  surface(text, int(h.start), int(h.end), true),
			Start:    int(h.start),
			End:      int(h.end),
			Name:     n.text,
			NameLang: n.lang,
		}
	}
	return out
}

// Field is one named text of a document, such as an article's title,
// summary or content: HTML or plain text.
type Field struct {
	Name string
	Text string
}

// Tag returns every mention of an entity in the fields, in field order and
// in text order within a field; each Hit's Field is its field's Name. lang
// is the document's language (ISO 639-1) and decides which stemmer applies
// ("" or "und": unknown, see the package documentation). A nil Matcher finds
// nothing.
func (m *Matcher) Tag(lang string, fields []Field) []Hit {
	if m == nil || len(fields) == 0 {
		return nil
	}
	sc := m.pool.get()
	defer m.pool.put(sc)
	st := articleStemmer(lang)
	if st < 0 {
		st = unknownArticleLang
	}
	sc.lang2 = baseLang(lang)
	sc.infl = m.infl.inflectionFor(sc.lang2)
	sc.all = sc.all[:0]
	for f, field := range fields[:min(len(fields), 256)] {
		if field.Text == "" {
			continue
		}
		m.scan(sc, field.Text, true, st)
		for _, h := range sc.hits {
			h.field = uint8(f)
			sc.all = append(sc.all, h)
		}
	}
	if len(sc.all) == 0 {
		return nil
	}
	out := make([]Hit, len(sc.all))
	for i, h := range sc.all {
		n := &m.names[h.name]
		if n.base != sc.lang2 && sc.lang2 != "" {
			n = m.ownName(h.name, sc.lang2)
		}
		field := &fields[h.field]
		out[i] = Hit{
			ID:       m.entities[h.entity].id,
			Kind:     m.kind(h.entity),
			Field:    field.Name,
			Surface:  surface(field.Text, int(h.start), int(h.end), true),
			Start:    int(h.start),
			End:      int(h.end),
			Name:     n.text,
			NameLang: n.lang,
		}
	}
	return out
}

// unknownArticleLang is the text stemmer of an article whose language is
// unknown: like -1 (any stemmer may apply), except to Latin-script words.
const unknownArticleLang = -2

// latinWord reports whether a folded word is written in the Latin script
// (folding has already removed most diacritics, so most such words are
// ASCII).
func latinWord(w []byte) bool {
	if len(w) == 0 {
		return false
	}
	if w[0] < utf8.RuneSelf {
		return true
	}
	r, _ := utf8.DecodeRune(w)
	return unicode.Is(unicode.Latin, r)
}
