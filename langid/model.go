package langid

import (
	"bytes"
	_ "embed" // the n-gram model
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unicode"
)

// modelFile is the n-gram model that langeval/gen derives from lingua-go's
// models; its layout is described there.
//
//go:embed model/ngrams.bin
var modelFile []byte

const (
	modelMagic = "LGIDBIN2"
	// maxModelLanguages bounds a model's indices, which are 7 bits.
	maxModelLanguages = 0x80
	chunks            = maxModelLanguages / 8
	// Record header bits; see langeval/gen.
	hdrDense  = 0x80
	hdrLonger = 0x40
	hdrLow    = 0x3f
	// tableRunes is where the rune table ends; runes above it are looked up
	// more slowly.
	tableRunes = 0x2000
)

// runeInfo is what the detector needs to know of a rune: the id of its lower
// case in the model (0 if no n-gram of the model has it), its script and
// whether it is upper case.
type runeInfo struct {
	id     uint16
	script script
	upper  bool
}

// scores are the model languages' summed steps, by model index.
type scores [maxModelLanguages]uint32

// lanes add up the steps of one word, eight languages to a chunk: model
// index 8k+i is 16-bit lane i/2 of lanes[k][i%2]. A dense record adds eight
// steps with two additions. A lane holds 64 letters' steps (4 orders × 255
// each) before it must be drained.
type lanes [chunks][2]uint64

const laneLetters = 64

// group is the languages of one script in the model, at model indices base
// to base+n-1; dense records hold width steps.
type group struct {
	base, width, n int
}

// hashTable is the keys of one order.
type hashTable struct {
	n     uint64
	slots []byte // n × (u32 fingerprint, u32 offset)
}

// ngramModel is the parsed model. Its slots and records are slices of the
// embedded file: loading copies nothing.
type ngramModel struct {
	langs  [maxModelLanguages]string // model index → ISO 639-1 code
	index  map[string]uint8
	groups []group
	scale  float64 // nats per step
	seed   uint64
	tables [4]hashTable // by order less 1
	stream []byte       // records
	chars  []uint32
	uni    []int // letter id → offset of its unigram's record, 0 if none
	table  [tableRunes]runeInfo
}

var (
	loadOnce  sync.Once
	loaded    *ngramModel
	errLoaded error
)

// sharedModel parses the embedded model once per process.
func sharedModel() (*ngramModel, error) {
	loadOnce.Do(func() {
		loaded, errLoaded = parseModel(modelFile)
	})
	return loaded, errLoaded
}

// folds are letters replaced before lookup: Romanian s and t with comma
// below by the cedilla forms that lingua's Romanian model mostly holds (the
// generator drops n-grams with the comma forms).
var folds = map[rune]rune{'ș': 'ş', 'ț': 'ţ', 'Ș': 'ş', 'Ț': 'ţ'}

// lower is the lower case of r as the model spells it.
func lower(r rune) rune {
	if f, ok := folds[r]; ok {
		return f
	}
	return unicode.ToLower(r)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errors.New("truncated")
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *reader) u32() uint32 {
	if b := r.next(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.next(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func parseModel(file []byte) (*ngramModel, error) {
	i := bytes.Index(file, []byte(modelMagic))
	if i < 0 {
		return nil, errors.New("langid model: no magic")
	}
	r := &reader{b: file[i+len(modelMagic):]}
	m := &ngramModel{index: map[string]uint8{}}
	m.scale = float64(r.u32()) / 1e6
	ng := int(r.u32())
	if ng > hdrLow {
		return nil, fmt.Errorf("langid model: %d groups", ng)
	}
	end := 0
	for range ng {
		h := r.next(3)
		if h == nil {
			break
		}
		g := group{base: int(h[0]), width: int(h[1]), n: int(h[2])}
		if g.base < end || g.base%8 != 0 || g.width%8 != 0 || g.n > g.width || g.base+g.width > maxModelLanguages {
			return nil, fmt.Errorf("langid model: group %+v", g)
		}
		end = g.base + g.width
		for li := g.base; li < g.base+g.n; li++ {
			code := string(r.next(2))
			m.langs[li] = code
			m.index[code] = uint8(li)
		}
		m.groups = append(m.groups, g)
	}
	nc := int(r.u32())
	if nc >= 1<<16 {
		return nil, fmt.Errorf("langid model: %d letters", nc)
	}
	cb := r.next(4 * nc)
	if r.err != nil {
		return nil, fmt.Errorf("langid model: %w", r.err)
	}
	m.chars = make([]uint32, nc)
	for i := range m.chars {
		m.chars[i] = binary.LittleEndian.Uint32(cb[4*i:])
	}
	m.seed = r.u64()
	for n := 1; n <= 4; n++ {
		t := &m.tables[n-1]
		t.n = uint64(r.u32())
		t.slots = r.next(8 * int(t.n))
		if r.err == nil && t.n == 0 {
			return nil, fmt.Errorf("langid model: no slots of order %d", n)
		}
	}
	m.stream = r.next(int(r.u32()))
	if r.err != nil {
		return nil, fmt.Errorf("langid model: %w", r.err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("langid model: %d bytes after the records", len(r.b))
	}
	if !slices.IsSorted(m.chars) {
		return nil, errors.New("langid model: malformed")
	}
	m.uni = make([]int, nc+1)
	for id := range m.uni[1:] {
		m.uni[id+1] = m.find(1, uint64(id+1))
	}
	for r := range rune(tableRunes) {
		m.table[r] = runeInfo{id: m.charID(lower(r)), script: scriptOf(r), upper: unicode.IsUpper(r)}
	}
	return m, nil
}

// check verifies that every slot's record lies in the stream and names only
// model indices of the model's languages. parseModel leaves it out, because
// reading all slots would fault the whole model into memory and cost the
// first New about 15 ms; the tests run it on the embedded model, and a
// record that breaks it would make Detect panic, not answer wrongly.
func (m *ngramModel) check() error {
	for n := 1; n <= 4; n++ {
		t := &m.tables[n-1]
		for i := range t.n {
			if err := m.checkRecord(int(binary.LittleEndian.Uint32(t.slots[8*i+4:]))); err != nil {
				return fmt.Errorf("order %d, slot %d: %w", n, i, err)
			}
		}
	}
	return nil
}

func (m *ngramModel) checkRecord(off int) error {
	if off == 0 {
		return nil
	}
	if off >= len(m.stream) {
		return fmt.Errorf("offset %d of %d", off, len(m.stream))
	}
	hdr := m.stream[off]
	if hdr&hdrDense != 0 {
		gi := int(hdr & hdrLow)
		if gi >= len(m.groups) || off+1+m.groups[gi].width > len(m.stream) {
			return fmt.Errorf("dense record at offset %d", off)
		}
		return nil
	}
	n := int(hdr & hdrLow)
	if off+1+2*n > len(m.stream) {
		return fmt.Errorf("record at offset %d", off)
	}
	for j := range n {
		li := int(m.stream[off+1+2*j])
		if li >= maxModelLanguages || m.langs[li] == "" {
			return fmt.Errorf("record at offset %d: model index %d", off, li)
		}
	}
	return nil
}

// groupOf returns the group of the model index li, -1 if none.
func (m *ngramModel) groupOf(li uint8) int {
	for gi, g := range m.groups {
		if int(li) >= g.base && int(li) < g.base+g.n {
			return gi
		}
	}
	return -1
}

// charID is the model's id of the lower-case letter r, 0 if it has none.
func (m *ngramModel) charID(r rune) uint16 {
	i, ok := slices.BinarySearch(m.chars, uint32(r))
	if !ok {
		return 0
	}
	return uint16(i + 1)
}

// info returns the id of r's lower case and r's script.
func (m *ngramModel) info(r rune) runeInfo {
	if r < tableRunes {
		return m.table[r]
	}
	s := scriptOf(r)
	if s == scNone {
		return runeInfo{}
	}
	return runeInfo{id: m.charID(lower(r)), script: s, upper: unicode.IsUpper(r)}
}

func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// find returns the offset of the record of the n-gram key of the order (1
// to 4; letter ids 16 bits each, the last letter lowest), 0 if the model
// lacks it.
func (m *ngramModel) find(order int, key uint64) int {
	t := &m.tables[(order-1)&3]
	h := mix(key ^ m.seed)
	fp := uint32(h)
	i := (h >> 32) * t.n >> 32
	for {
		s := t.slots[8*i : 8*i+8]
		off := binary.LittleEndian.Uint32(s[4:])
		if off == 0 {
			return 0
		}
		if binary.LittleEndian.Uint32(s[:4]) == fp {
			return int(off)
		}
		if i++; i == t.n {
			i = 0
		}
	}
}

// add adds the steps of the record at off to l and reports whether a
// longer n-gram ends in this one. A word's n-grams are all of one script,
// so a dense record is of group gi, whose lanes are the chunks c0 to
// c0+nc-1; one of another group (a model inconsistent with the rune
// table) is ignored.
func (m *ngramModel) add(off int, l *lanes, gi, c0, nc int) bool {
	hdr := m.stream[off]
	rec := m.stream[off+1:]
	if hdr&hdrDense != 0 && int(hdr&hdrLow) != gi {
		return false
	}
	if hdr&hdrDense != 0 {
		if nc == 4 {
			// The Latin languages: unrolled.
			x0 := binary.LittleEndian.Uint64(rec[0:8])
			x1 := binary.LittleEndian.Uint64(rec[8:16])
			x2 := binary.LittleEndian.Uint64(rec[16:24])
			x3 := binary.LittleEndian.Uint64(rec[24:32])
			a := l[c0&(chunks-1) : c0&(chunks-1)+4 : c0&(chunks-1)+4]
			_ = a[3]
			a[0][0] += x0 & evenBytes
			a[0][1] += x0 >> 8 & evenBytes
			a[1][0] += x1 & evenBytes
			a[1][1] += x1 >> 8 & evenBytes
			a[2][0] += x2 & evenBytes
			a[2][1] += x2 >> 8 & evenBytes
			a[3][0] += x3 & evenBytes
			a[3][1] += x3 >> 8 & evenBytes
			return hdr&hdrLonger != 0
		}
		for k := range nc {
			x := binary.LittleEndian.Uint64(rec[8*k : 8*k+8])
			c := (c0 + k) & (chunks - 1)
			l[c][0] += x & evenBytes
			l[c][1] += x >> 8 & evenBytes
		}
		return hdr&hdrLonger != 0
	}
	n := int(hdr & hdrLow)
	for j := 0; j < n; j++ {
		li, step := rec[2*j], rec[2*j+1]
		l[li>>3&(chunks-1)][li&1] += uint64(step) << (16 * (li >> 1 & 3))
	}
	return hdr&hdrLonger != 0
}

const evenBytes = 0x00ff00ff00ff00ff

// lane returns the sum of model index li in l.
func (l *lanes) lane(li uint8) uint32 {
	return uint32(l[li>>3&(chunks-1)][li&1] >> (16 * (li >> 1 & 3)) & 0xffff)
}
