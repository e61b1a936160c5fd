package match

import (
	"fmt"
	"slices"
)

// The lexicon is a byte trie over the folded forms of every word of every
// name. Walking a text word through it once finds, in one pass over the
// word's bytes, the name words it equals, the prefix names (Karibik*) it
// starts with and the stemmers worth running on it.

// lexSlot is a node of the frozen trie, laid out as a double array: the
// child of the node in slot n by byte c is in slot base(n)+c if that slot's
// check is n. One slot is one memory access per byte walked.
type lexSlot struct {
	base  int32
	check int32 // parent slot (checkMask bits) and the info flags
}

// The check word of a slot holds its parent's slot and flags saying what
// lexicon.infos has for the node, so the walk reads infos only when it has
// something to find there (8-byte slots keep the hot array small).
const (
	infoExact  = 1 << 28
	infoPrefix = 1 << 29
	infoTrig   = 1 << 30
	infoInfl   = -1 << 31 // the sign bit: the node is a stem of proper-name inflection
	checkMask  = infoExact - 1
	maxSlots   = checkMask
)

// lexInfo is what a node says about the string that leads to it.
type lexInfo struct {
	exact  int32 // list of name words equal to this string, or -1
	prefix int32 // list of prefix name words equal to this string, or -1
	trig   int32 // index into lexicon.trigs, or -1
	infl   int32 // list of indexes into Matcher.inflStems: the name words an inflected form may be built on, or -1
}

// trigger says that words passing through a node may stem to a name word's
// stem with stemmer: worth stemming when their length is within bounds.
type trigger struct {
	stemmer  uint8
	minRunes int32
	maxRunes int32
}

// lexicon is the frozen, read-only trie.
type lexicon struct {
	// two maps a word's first two bytes to the slot they lead to (or -1)
	// in one access; skip1 marks first bytes whose node has a prefix name
	// or a trigger, which the shortcut would miss.
	two   []int32
	skip1 [256]bool
	slots []lexSlot
	info  []int32 // per slot: index into infos, or -1
	infos []lexInfo
	lists [][]int32
	trigs [][]trigger
}

// child returns the slot of the child of slot n by byte c, or -1.
func (l *lexicon) child(n int32, c byte) int32 {
	s := l.slots[n].base + int32(c)
	if uint(s) < uint(len(l.slots)) && l.slots[s].check&checkMask == n {
		return s
	}
	return -1
}

// lexBuilder builds a lexicon.
type lexBuilder struct {
	// The children of a node are a list through first and next, each
	// child with the byte that leads to it (label); the root's are also in
	// root, by byte, since every name starts there.
	first  []int32 // a node's first child, -1 for none
	next   []int32 // the next child of the same parent, -1 for none
	label  []byte
	root   [256]int32 // 0: none (the root is no one's child)
	parent []int32
	// end is the index in ends of what ends at a node, -1 for nothing:
	// most nodes are inside words, so a node costs 4 bytes here, not the
	// three slice headers of an end.
	end  []int32
	ends []nodeEnd
	infl map[int32][]int32 // few nodes: sparse
}

// nodeEnd is what ends at a node: the name words spelt by its string
// exactly or as a prefix, and the triggers of stems.
type nodeEnd struct {
	exact, prefix []int32
	trigs         []trigger
}

// endAt returns what ends at node n, making room for it.
func (b *lexBuilder) endAt(n int32) *nodeEnd {
	if b.end[n] < 0 {
		b.end[n] = int32(len(b.ends))
		b.ends = append(b.ends, nodeEnd{})
	}
	return &b.ends[b.end[n]]
}

// newLexBuilder returns a builder with room for the words of about names
// names (a name word takes about eight new nodes).
func newLexBuilder(names int) *lexBuilder {
	n := 8 * names
	b := &lexBuilder{
		first: make([]int32, 0, n), next: make([]int32, 0, n), label: make([]byte, 0, n),
		parent: make([]int32, 0, n), end: make([]int32, 0, n),
		infl: map[int32][]int32{},
	}
	b.node(-1)
	return b
}

func (b *lexBuilder) node(parent int32) int32 {
	b.first = append(b.first, -1)
	b.next = append(b.next, -1)
	b.label = append(b.label, 0)
	b.parent = append(b.parent, parent)
	b.end = append(b.end, -1)
	return int32(len(b.parent) - 1)
}

// child returns node n's child by byte c, creating it.
func (b *lexBuilder) child(n int32, c byte) int32 {
	if n == 0 {
		if k := b.root[c]; k != 0 {
			return k
		}
	} else {
		for k := b.first[n]; k >= 0; k = b.next[k] {
			if b.label[k] == c {
				return k
			}
		}
	}
	k := b.node(n)
	b.label[k], b.next[k], b.first[n] = c, b.first[n], k
	if n == 0 {
		b.root[c] = k
	}
	return k
}

// up returns the ancestor of node n that is k bytes shorter.
func (b *lexBuilder) up(n int32, k int) int32 {
	for ; k > 0; k-- {
		n = b.parent[n]
	}
	return n
}

// addInfl records that inflected forms may be built on the string of node n.
func (b *lexBuilder) addInfl(n, stem int32) {
	b.infl[n] = append(b.infl[n], stem)
}

// path returns the node of s, creating it.
func (b *lexBuilder) path(s string) int32 {
	n := int32(0)
	for i := 0; i < len(s); i++ {
		n = b.child(n, s[i])
	}
	return n
}

// addExact records name word w for string s and returns the node of s.
func (b *lexBuilder) addExact(s string, w int32) int32 {
	n := b.path(s)
	e := b.endAt(n)
	e.exact = append(e.exact, w)
	return n
}

func (b *lexBuilder) addPrefix(s string, w int32) {
	n := b.path(s)
	e := b.endAt(n)
	e.prefix = append(e.prefix, w)
}

func (b *lexBuilder) addTrigger(s string, t trigger) {
	n := b.path(s)
	e := b.endAt(n)
	for i := range e.trigs {
		if e.trigs[i].stemmer == t.stemmer {
			e.trigs[i].minRunes = min(e.trigs[i].minRunes, t.minRunes)
			e.trigs[i].maxRunes = max(e.trigs[i].maxRunes, t.maxRunes)
			return
		}
	}
	e.trigs = append(e.trigs, t)
}

// freeze lays the trie out as a double array.
func (b *lexBuilder) freeze() (lexicon, error) {
	var l lexicon
	slotOf := make([]int32, len(b.parent)) // builder node → slot
	slots := []lexSlot{{check: checkMask}} // the root has no parent
	var info []int32
	// free[i] leads to the lowest free slot >= i (a union-find with path
	// halving); slots beyond len(free) are free.
	free := []int32{1}
	grow := func(n int) {
		for len(slots) < n {
			slots = append(slots, lexSlot{check: checkMask})
			free = append(free, int32(len(free)))
		}
	}
	find := func(i int) int {
		for i < len(free) {
			nx := int(free[i])
			if nx == i {
				break
			}
			if nx < len(free) {
				free[i] = free[nx]
			}
			i = nx
		}
		return i
	}
	isFree := func(i int) bool { return i >= len(free) || int(free[i]) == i }
	take := func(i int) { free[i] = int32(i + 1) }
	grow(1)
	firstFree := 1
	queue := []int32{0}
	labels := make([]byte, 0, 256)
	var kid [256]int32 // the children of the node being laid out, by byte
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		s := slotOf[n]
		if in, flags := b.info(&l, n); in >= 0 {
			for len(info) <= int(s) {
				info = append(info, -1)
			}
			info[s] = in
			slots[s].check |= flags
		}
		if b.first[n] < 0 {
			continue
		}
		labels = labels[:0]
		for k := b.first[n]; k >= 0; k = b.next[k] {
			labels = append(labels, b.label[k])
			kid[b.label[k]] = k
		}
		slices.Sort(labels)
		// The lowest base that puts every child in a free slot, trying the
		// free slots for the first child; a crowded region where many
		// tries fail is given up for later nodes.
		first := int(labels[0])
		p := find(max(firstFree, first+1))
		tries := 0
	search:
		for ; ; p = find(p + 1) {
			tries++
			base := p - first
			for _, c := range labels[1:] {
				if !isFree(base + int(c)) {
					continue search
				}
			}
			break
		}
		if tries > 64 {
			firstFree = p
		}
		base := p - first
		grow(base + int(labels[len(labels)-1]) + 1)
		slots[s].base = int32(base)
		for _, c := range labels {
			cs := base + int(c)
			take(cs)
			slots[cs].check = s // no flags yet: set when cs is dequeued
			slotOf[kid[c]] = int32(cs)
			queue = append(queue, kid[c])
		}
	}
	if len(slots) > maxSlots {
		return l, fmt.Errorf("lay out %d trie nodes: %w", len(b.parent), ErrTooManyNames)
	}
	for len(info) < len(slots) {
		info = append(info, -1)
	}
	l.slots, l.info = slots, info
	l.two = make([]int32, 1<<16)
	for i := range l.two {
		c1 := l.child(0, byte(i>>8))
		if c1 < 0 {
			l.two[i] = -1
			continue
		}
		l.two[i] = l.child(c1, byte(i))
	}
	for c := 0; c < 256; c++ {
		if c1 := l.child(0, byte(c)); c1 >= 0 && l.slots[c1].check&(infoPrefix|infoTrig) != 0 {
			l.skip1[c] = true
		}
	}
	return l, nil
}

// info records node n's lists and triggers, returning their index (or -1)
// and the flags saying what they hold.
func (b *lexBuilder) info(l *lexicon, n int32) (int32, int32) {
	var e nodeEnd
	if b.end[n] >= 0 {
		e = b.ends[b.end[n]]
	}
	if len(e.exact) == 0 && len(e.prefix) == 0 && len(e.trigs) == 0 && len(b.infl[n]) == 0 {
		return -1, 0
	}
	in := lexInfo{exact: -1, prefix: -1, trig: -1, infl: -1}
	flags := int32(0)
	if ws := e.exact; len(ws) > 0 {
		in.exact = int32(len(l.lists))
		l.lists = append(l.lists, ws)
		flags |= infoExact
	}
	if ws := e.prefix; len(ws) > 0 {
		in.prefix = int32(len(l.lists))
		l.lists = append(l.lists, ws)
		flags |= infoPrefix
	}
	if ts := e.trigs; len(ts) > 0 {
		in.trig = int32(len(l.trigs))
		l.trigs = append(l.trigs, ts)
		flags |= infoTrig
	}
	if is := b.infl[n]; len(is) > 0 {
		in.infl = int32(len(l.lists))
		l.lists = append(l.lists, is)
		flags |= infoInfl
	}
	l.infos = append(l.infos, in)
	return int32(len(l.infos) - 1), flags
}
