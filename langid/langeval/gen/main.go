// Command gen converts lingua-go's n-gram models into the compact model file
// that package langid embeds (langid/model/ngrams.bin), and copies lingua's
// licence beside it. Run it from the langeval module:
//
//	cd langid/langeval && go run ./gen
//
// It reads lingua-go v1.4.0's unigram, bigram, trigram and quadrigram models
// (language-models/<code>/<n>grams.pb.bin.zip in the module, found with
// `go list -m`) of the languages that share a script with another language
// (langid tells the others by their script alone), and writes for every
// n-gram the amount by which it raises each language's score.
//
// # Scoring model
//
// lingua's models hold conditional probabilities: P1(c) for a letter, and
// P2(ab) = P(b|a), P3(abc) = P(c|ab), P4(abcd) = P(d|abc). langid scores a
// word letter by letter with their interpolation
//
//	V(d | abc) = ln(λ4·P4(abcd) + λ3·P3(bcd) + λ2·P2(cd) + λ1·P1(d) + λ0)
//
// where an n-gram a language's model lacks has probability 0. V only grows
// with each order that is present, so it is the sum of a floor ln(λ0) and
// one non-negative step per order: V1(d)-floor, V2(cd)-V1(d), V3(bcd)-V2(cd),
// V4(abcd)-V3(bcd). The file stores those steps, quantised to multiples of
// the scale, per n-gram and language, and langid adds the steps of every
// n-gram of a word that the file holds: the word's log-likelihood in each
// language up to a constant.
//
// Only the differences between the languages of a script matter, so an
// n-gram keeps only the steps of its script's languages, less the smallest
// of them; a step of 0 is not stored.
//
// Quadrigrams are many (3.9 million entries for the default languages); the
// file keeps, per language, the -quads of them that matter most: those with
// the highest joint probability P1·P2·P3·P4 times their step.
//
// # File layout
//
// A text preamble of lines starting with '#', then the 8 bytes "LGIDBIN2",
// then, little-endian:
//
//	u32 scale, in millionths of a nat
//	u32 number of groups, then per group: u8 base, u8 width, u8 number of
//	    languages n, n 2-byte ISO 639-1 codes (model indices base to
//	    base+n-1; base and width are multiples of 8, width ≥ n)
//	u32 number of letters C, then C u32 runes, sorted; letter i has id i+1
//	u64 hash seed
//	4 hash tables, of the unigrams, bigrams, trigrams and quadrigrams:
//	    u32 number of slots S, then S slots of (u32 fingerprint, u32 offset)
//	u32 length of the records stream, then the stream
//
// A key is an n-gram's letter ids packed 16 bits each, the last letter in
// the lowest bits. Its hash h = mix(key ^ seed) picks the home slot
// (h>>32)*S>>32 in the table of its order and its fingerprint uint32(h);
// slots are probed linearly. A slot's offset is where the key's record
// starts in the stream; an empty slot has offset 0 (the stream starts with
// a byte of padding). A table per order keeps the often read bigram table
// small enough for the processor's caches.
//
// A record is a header byte and its steps. Header bit 0x40 says that a
// longer key ends in this one (without it, langid looks no further). If bit
// 0x80 is set the steps are dense: the low 6 bits are a group number, and
// width bytes follow, the steps of the group's model indices base to
// base+width-1. Otherwise the low 6 bits are a count n, and n pairs (u8
// model index, u8 step) follow.
package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

// groups are the default languages of package langid whose script other
// default languages share, by script. The others (bn, el, he, hi, ja, ko,
// th, zh, and hy, ka, gu, kn, ml, pa, ta, te, si, km, my) need no model:
// their script tells them.
var groups = []group{
	{name: "latin", script: unicode.Latin, langs: []string{
		"af", "az", "bs", "ca", "cs", "da", "de", "en", "eo", "es", "et", "fi",
		"fr", "hr", "hu", "id", "it", "lt", "lv", "ms", "nb", "nl", "pl", "pt",
		"ro", "sk", "sl", "sq", "sv", "sw", "tr", "vi",
	}},
	{name: "cyrillic", script: unicode.Cyrillic, langs: []string{"be", "bg", "ru", "sr", "uk"}},
	{name: "arabic", script: unicode.Arabic, langs: []string{"ar", "fa", "ur"}},
}

// group is the languages of one script. They compete only with each other
// and only on n-grams of their script's letters.
type group struct {
	name   string
	script *unicode.RangeTable
	langs  []string
	base   int // model index of the first language, a multiple of 8
	width  int // len(langs) rounded up to a multiple of 8
}

// Interpolation weights of orders 1 to 4 and the floor λ0.
const (
	lambda1 = 0.05
	lambda2 = 0.15
	lambda3 = 0.30
	lambda4 = 0.50
	lambda0 = 1e-5
)

// folded are letters langid replaces before it looks n-grams up (Romanian
// s and t with comma below become the cedilla forms, which lingua's
// Romanian model mostly has); n-grams that contain them are never asked for.
const folded = "șțȘȚ"

const (
	magic     = "LGIDBIN2"
	hdrDense  = 0x80
	hdrLonger = 0x40
	maxIndex  = 0x7f
)

func main() {
	linguaDir := flag.String("lingua", "", "lingua-go module directory (default: go list -m github.com/pemistahl/lingua-go)")
	out := flag.String("out", "../model", "output directory")
	quads := flag.Int("quads", 20000, "quadrigrams kept per language")
	scale := flag.Float64("scale", 0.05, "quantisation step in nats")
	load := flag.Float64("load", 0.75, "hash table load factor")
	flag.Parse()
	log.SetFlags(0)

	if *linguaDir == "" {
		b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
		if err != nil {
			log.Fatalf("find lingua-go: %v (run from langid/langeval or pass -lingua)", err)
		}
		*linguaDir = strings.TrimSpace(string(b))
	}
	version := filepath.Base(*linguaDir)

	g := &generator{scale: *scale, quads: *quads, steps: map[string][]entry{}, freq: map[string]float64{}}
	base := 0
	var names []string
	for gi := range groups {
		gr := &groups[gi]
		gr.base = base
		gr.width = (len(gr.langs) + 7) &^ 7
		base += gr.width
		if base > maxIndex {
			log.Fatalf("more than %d model indices", maxIndex)
		}
		for i, code := range gr.langs {
			m, err := loadLanguage(*linguaDir, code)
			if err != nil {
				log.Fatal(err)
			}
			g.add(gi, gr.base+i, m)
			names = append(names, code)
		}
	}
	tab := g.build(*load)

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# langid n-gram model. Generated by langid/langeval/gen, do not edit; regenerate with\n")
	fmt.Fprintf(&buf, "#   cd langid/langeval && go run ./gen\n")
	fmt.Fprintf(&buf, "# Derived from the language models of %s (Apache-2.0, see LICENSE and NOTICE).\n", version)
	fmt.Fprintf(&buf, "# Languages: %s. Quadrigrams per language: %d. Step: %g nats.\n", strings.Join(names, " "), *quads, *scale)
	buf.WriteString(magic)
	w := func(v any) {
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			log.Fatal(err)
		}
	}
	w(uint32(math.Round(*scale * 1e6)))
	w(uint32(len(groups)))
	for _, gr := range groups {
		w([]uint8{uint8(gr.base), uint8(gr.width), uint8(len(gr.langs))})
		for _, code := range gr.langs {
			if len(code) != 2 {
				log.Fatalf("language code %q: want two letters", code)
			}
			buf.WriteString(code)
		}
	}
	w(uint32(len(tab.chars)))
	w(tab.chars)
	w(tab.seed)
	for _, slots := range tab.slots[1:] {
		w(uint32(len(slots) / 2))
		w(slots)
	}
	w(uint32(len(tab.stream)))
	buf.Write(tab.stream)

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "ngrams.bin"), buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	lic, err := os.ReadFile(filepath.Join(*linguaDir, "LICENSE"))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "LICENSE"), lic, 0o644); err != nil {
		log.Fatal(err)
	}
	nslots := 0
	for _, slots := range tab.slots {
		nslots += len(slots) / 2
	}
	log.Printf("%s: %d bytes; %d languages, %d letters, %d keys in %d slots, %d bytes of records (%d dense), %d steps (%d of quadrigrams)",
		filepath.Join(*out, "ngrams.bin"), buf.Len(), len(names), len(tab.chars), tab.keys, nslots,
		len(tab.stream), tab.dense, tab.entries, g.quadEntries)
}

// model is one language's conditional probabilities by order (1 to 4).
type model [5]map[string]float64

var orderNames = [5]string{"", "unigrams", "bigrams", "trigrams", "quadrigrams"}

func loadLanguage(dir, code string) (*model, error) {
	var m model
	for n := 1; n <= 4; n++ {
		p := filepath.Join(dir, "language-models", code, orderNames[n]+".pb.bin.zip")
		probs, err := readModel(p)
		if err != nil {
			return nil, fmt.Errorf("language %s: %w", code, err)
		}
		m[n] = probs
	}
	return &m, nil
}

func readModel(path string) (map[string]float64, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = z.Close() }()
	if len(z.File) != 1 {
		return nil, fmt.Errorf("%s: %d files, want 1", path, len(z.File))
	}
	f, err := z.File[0].Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	var sm serialization.SerializableLanguageModel
	if err := proto.Unmarshal(b, &sm); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	probs := make(map[string]float64, sm.TotalNgrams)
	for _, set := range sm.NgramSets {
		for _, ng := range set.Ngrams {
			if !strings.ContainsAny(ng, folded) {
				probs[ng] = set.Probability
			}
		}
	}
	return probs, nil
}

type entry struct {
	index uint8 // model index
	step  int
}

type generator struct {
	scale       float64
	quads       int
	steps       map[string][]entry // n-gram → its languages' steps
	freq        map[string]float64 // n-gram → its highest joint probability
	quadEntries int
}

// value is V of the n-gram ng (1 to 4 letters) in m: the interpolated
// probability of its last letter after the others.
func value(m *model, ng []rune) float64 {
	lambdas := [5]float64{0, lambda1, lambda2, lambda3, lambda4}
	p := lambda0
	for n := 1; n <= len(ng); n++ {
		p += lambdas[n] * m[n][string(ng[len(ng)-n:])]
	}
	return math.Log(p)
}

// level is V quantised: whole steps above the floor ln(λ0).
func (g *generator) level(m *model, ng []rune) int {
	return int(math.Round((value(m, ng) - math.Log(lambda0)) / g.scale))
}

// step is how far ng raises the level over its longest suffix in m.
func (g *generator) step(m *model, ng []rune) int {
	below := 0
	for n := len(ng) - 1; n >= 1; n-- {
		if _, ok := m[n][string(ng[len(ng)-n:])]; ok {
			below = g.level(m, ng[len(ng)-n:])
			break
		}
	}
	return g.level(m, ng) - below
}

// ofScript reports whether every letter of ng is of the script.
func ofScript(ng string, script *unicode.RangeTable) bool {
	for _, r := range ng {
		if !unicode.Is(script, r) {
			return false
		}
	}
	return true
}

// joint is the probability of ng in m: P1·P2·P3·P4 of its prefixes.
func joint(m *model, ng []rune) float64 {
	p := 1.0
	for n := 1; n <= len(ng); n++ {
		p *= m[n][string(ng[:n])]
	}
	return p
}

func (g *generator) put(m *model, index int, ng string, step int) {
	if step > 0 {
		g.steps[ng] = append(g.steps[ng], entry{uint8(index), step})
		g.freq[ng] = max(g.freq[ng], joint(m, []rune(ng)))
	}
}

func (g *generator) add(gi, index int, m *model) {
	script := groups[gi].script
	for n := 1; n <= 3; n++ {
		for ng := range m[n] {
			if ofScript(ng, script) {
				g.put(m, index, ng, g.step(m, []rune(ng)))
			}
		}
	}
	type scored struct {
		ng    string
		step  int
		score float64
	}
	var qs []scored
	for ng := range m[4] {
		if !ofScript(ng, script) {
			continue
		}
		r := []rune(ng)
		s := g.step(m, r)
		if s <= 0 {
			continue
		}
		qs = append(qs, scored{ng, s, joint(m, r) * float64(s)})
	}
	slices.SortFunc(qs, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), strings.Compare(a.ng, b.ng))
	})
	for _, q := range qs[:min(len(qs), g.quads)] {
		g.put(m, index, q.ng, q.step)
		g.quadEntries++
	}
}

type table struct {
	chars   []uint32
	seed    uint64
	slots   [5][]uint32 // by order: fingerprint, offset
	stream  []byte
	keys    int
	dense   int
	entries int
}

func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// groupOf returns the group of a model index.
func groupOf(index uint8) int {
	for gi, gr := range groups {
		if int(index) >= gr.base && int(index) < gr.base+gr.width {
			return gi
		}
	}
	panic("no group")
}

func (g *generator) build(load float64) *table {
	// Steps relative to the smallest of the script's languages: a key's
	// entries are all of one group (its letters' script).
	for ng, es := range g.steps {
		gr := groups[groupOf(es[0].index)]
		least := 0
		if len(es) == len(gr.langs) {
			least = slices.MinFunc(es, func(a, b entry) int { return cmp.Compare(a.step, b.step) }).step
		}
		var kept []entry
		for _, e := range es {
			if e.step -= least; e.step > 0 {
				kept = append(kept, entry{e.index, min(e.step, 255)})
			}
		}
		g.steps[ng] = kept
	}
	// Every suffix of a stored n-gram must be a key too: langid stops at
	// the first order of a letter that the table lacks, and at a key that
	// no longer key ends in.
	longer := map[string]bool{}
	for ng, es := range g.steps {
		if len(es) == 0 {
			continue
		}
		r := []rune(ng)
		for n := len(r) - 1; n >= 1; n-- {
			s := string(r[len(r)-n:])
			longer[s] = true
			if _, ok := g.steps[s]; !ok {
				g.steps[s] = nil
			}
		}
	}
	for ng, es := range g.steps {
		if len(es) == 0 && !longer[ng] {
			delete(g.steps, ng)
		}
	}
	charSet := map[rune]bool{}
	var ngrams []string
	for ng := range g.steps {
		ngrams = append(ngrams, ng)
		for _, r := range ng {
			charSet[r] = true
		}
	}
	// Records of frequent n-grams first, so that those Detect reads most
	// often share cache lines: by order, then by the highest probability
	// in any language (the keys only kept as suffixes have 0).
	slices.SortFunc(ngrams, func(a, b string) int {
		return cmp.Or(cmp.Compare(len([]rune(a)), len([]rune(b))), cmp.Compare(g.freq[b], g.freq[a]), strings.Compare(a, b))
	})
	var chars []uint32
	for r := range charSet {
		chars = append(chars, uint32(r))
	}
	slices.Sort(chars)
	if len(chars) >= 1<<16 {
		log.Fatalf("%d letters: more than 16 bits", len(chars))
	}
	id := map[rune]uint64{}
	for i, r := range chars {
		id[rune(r)] = uint64(i + 1)
	}
	key := func(ng string) uint64 {
		var k uint64
		for _, r := range ng {
			k = k<<16 | id[r]
		}
		return k
	}

	t := &table{chars: chars, keys: len(ngrams)}
	stream := []byte{0}
	offset := make(map[string]uint32, len(ngrams))
	for _, ng := range ngrams {
		es := g.steps[ng]
		offset[ng] = uint32(len(stream))
		var hdr byte
		if longer[ng] {
			hdr |= hdrLonger
		}
		if len(es) == 0 {
			stream = append(stream, hdr)
			continue
		}
		slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.index, b.index) })
		t.entries += len(es)
		gi := groupOf(es[0].index)
		gr := groups[gi]
		if 2*len(es) >= gr.width {
			// Dense is no larger, and quicker to add.
			stream = append(stream, hdr|hdrDense|byte(gi))
			vec := make([]byte, gr.width)
			for _, e := range es {
				vec[int(e.index)-gr.base] = byte(e.step)
			}
			stream = append(stream, vec...)
			t.dense++
			continue
		}
		stream = append(stream, hdr|byte(len(es)))
		for _, e := range es {
			stream = append(stream, e.index, byte(e.step))
		}
	}
	t.stream = stream

	byOrder := [5][]string{}
	for _, ng := range ngrams {
		n := len([]rune(ng))
		byOrder[n] = append(byOrder[n], ng)
	}
	for seed := uint64(0x6c616e676964); ; seed++ {
		ok := true
		for n := 1; n <= 4 && ok; n++ {
			t.slots[n], ok = fill(byOrder[n], seed, load, key, offset)
		}
		if ok {
			t.seed = seed
			return t
		}
		log.Printf("seed %#x: fingerprint clash, next seed", seed)
	}
}

// fill lays out a hash table of the keys; it fails if a lookup of a key
// would stop at another key's slot of the same fingerprint.
func fill(ngrams []string, seed uint64, load float64, key func(string) uint64, offset map[string]uint32) ([]uint32, bool) {
	n := uint64(math.Ceil(float64(len(ngrams))/load)) + 1
	slots := make([]uint32, 2*n)
	for _, ng := range ngrams {
		h := mix(key(ng) ^ seed)
		fp := uint32(h)
		i := (h >> 32) * n >> 32
		for slots[2*i+1] != 0 {
			if slots[2*i] == fp {
				return nil, false
			}
			if i++; i == n {
				i = 0
			}
		}
		slots[2*i], slots[2*i+1] = fp, offset[ng]
	}
	return slots, true
}
