// Package story clusters news articles into stories: the copies of one
// piece carried by several outlets (syndicated wire copy with a rewritten
// headline, a byline, boilerplate, trimmed or reordered paragraphs).
//
// An article's Signature is a MinHash of the 3-word shingles of its
// normalised title and of the first LeadWords words of its lead, in the
// normal form entity matching uses (NFKC, case folded, no diacritics; in
// scripts written without spaces every letter is a word). Two articles are
// copies when their estimated Jaccard similarity reaches MinJaccard, or
// when the smaller one is mostly contained in the larger (a trimmed copy):
// containment of at least MinContainment with at least MinShared shingles
// in common. An Index finds the candidates with locality-sensitive hashing
// (Bands bands of Rows values) and keeps the articles of a sliding window;
// a story is a connected component of copies within the window, named by
// its earliest article.
package story

import (
	"math/bits"
	"slices"

	"github.com/mediawatch/mediawatch/match"
)

// Parameters of the signature and of the copy test. They were tuned on the
// labelled split of testdata (see TestLabelled), never on the held-out one.
const (
	NumHashes   = 128 // MinHash values per signature
	ShingleSize = 3   // words per shingle
	LeadWords   = 150 // words of the lead that are signed
	Bands       = 32  // LSH bands ...
	Rows        = 2   // ... of Rows values each, over the first Bands*Rows values

	// MinShingles is the fewest shingles an article needs to be compared
	// at all: below it, an article is a story of its own.
	MinShingles = 6
	// MinJaccard is the estimated Jaccard similarity from which two
	// articles are copies.
	MinJaccard = 0.3
	// MinContainment and MinShared: a smaller article that shares at least
	// MinShared shingles with a larger one, MinContainment of its own, is a
	// trimmed copy of it.
	MinContainment = 0.55
	MinShared      = 12
)

// Signature is what an article is compared by.
type Signature struct {
	Mins     [NumHashes]uint32 // the least value of each hash function
	Shingles int               // distinct shingles signed
}

// Comparable reports whether the signature has enough shingles to be
// compared with others.
func (s *Signature) Comparable() bool { return s.Shingles >= MinShingles }

// seeds are the multipliers and addends of the hash functions: fixed, so
// that every process computes the same signature.
// Each of the NumHashes/2 functions a*h+b (mod 2^64) gives two values: the
// high and the low 32 bits of its result.
var seeds = func() (s [NumHashes / 2][2]uint64) {
	x := uint64(0x6d656469617761)
	for i := range s {
		x = splitmix(x)
		s[i][0] = x | 1
		x = splitmix(x)
		s[i][1] = x
	}
	return s
}()

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// wordHash is FNV-1a of a word.
func wordHash(w []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range w {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// shingler collects the shingles of word sequences.
type shingler struct {
	win  [ShingleSize]uint64
	n    int // words of the current sequence
	out  []uint64
	stop int // words to take in all (0: no limit)
	took int
}

// word takes the next word of a sequence; it reports whether it wants
// more.
func (s *shingler) word(w []byte) bool {
	if s.stop > 0 && s.took >= s.stop {
		return false
	}
	s.took++
	copy(s.win[:], s.win[1:])
	s.win[ShingleSize-1] = wordHash(w)
	if s.n++; s.n >= ShingleSize {
		s.emit(ShingleSize)
	}
	return s.stop == 0 || s.took < s.stop
}

func (s *shingler) emit(k int) {
	h := uint64(0)
	for i := ShingleSize - k; i < ShingleSize; i++ {
		h = bits.RotateLeft64(h, 23) ^ s.win[i]
	}
	s.out = append(s.out, splitmix(h))
}

// end closes a sequence: one shorter than a shingle is one shingle.
func (s *shingler) end() {
	if s.n > 0 && s.n < ShingleSize {
		s.emit(s.n)
	}
	s.n = 0
}

// Sign returns the signature of an article: its title (plain text) and
// its lead (HTML or plain text: the summary, or the content where there
// is no summary), given in parts that are read as one text with a break
// between them (the summary, then the content).
func Sign(title string, lead ...string) Signature {
	var s Signer
	return s.Sign(title, lead...)
}

// A Signer signs articles as Sign does, reusing its buffer from one
// article to the next. It is not safe for concurrent use.
type Signer struct{ buf []uint64 }

// Sign returns the signature of an article, as the function Sign does.
func (s *Signer) Sign(title string, lead ...string) Signature {
	sh := shingler{out: s.buf[:0]}
	if sh.out == nil {
		sh.out = make([]uint64, 0, 2*LeadWords)
	}
	match.Words(title, true, sh.word)
	sh.end()
	sh.stop, sh.took = LeadWords, 0
	for _, part := range lead {
		if sh.took >= LeadWords {
			break
		}
		match.Words(part, true, sh.word)
	}
	sh.end()
	s.buf = sh.out
	return signShingles(sh.out)
}

func signShingles(hs []uint64) Signature {
	hs = distinct(hs)
	var sig Signature
	sig.Shingles = len(hs)
	if len(hs) == 0 {
		return sig
	}
	// One hash function at a time over every shingle, so that its two
	// minima stay in registers. The least high half is the high half of
	// the least value.
	for i := range seeds {
		a, b := seeds[i][0], seeds[i][1]
		least, lo := ^uint64(0), ^uint32(0)
		for _, h := range hs {
			v := a*h + b
			least, lo = min(least, v), min(lo, uint32(v))
		}
		sig.Mins[2*i], sig.Mins[2*i+1] = uint32(least>>32), lo
	}
	return sig
}

// distinct removes the repeated values of hs, in place, keeping the
// first of each. An article has a few hundred shingles: a small
// open-addressing set finds the repeats faster than sorting would.
func distinct(hs []uint64) []uint64 {
	const slots = 1024 // a power of two, at least twice len(hs)
	if len(hs) > slots/2 {
		slices.Sort(hs)
		return slices.Compact(hs)
	}
	var set [slots]uint64 // 0: empty; the value 0 itself is tracked apart
	zero := false
	n := 0
	for _, h := range hs {
		if h == 0 {
			if zero {
				continue
			}
			zero = true
		} else {
			i := h & (slots - 1)
			for set[i] != 0 && set[i] != h {
				i = (i + 1) & (slots - 1)
			}
			if set[i] == h {
				continue
			}
			set[i] = h
		}
		hs[n] = h
		n++
	}
	return hs[:n]
}

// Jaccard estimates the Jaccard similarity of the shingle sets of a and b.
func Jaccard(a, b *Signature) float64 {
	if a.Shingles == 0 || b.Shingles == 0 {
		return 0
	}
	same := 0
	for i := range a.Mins {
		if a.Mins[i] == b.Mins[i] {
			same++
		}
	}
	return float64(same) / NumHashes
}

// Similarity is how two signatures compare.
type Similarity struct {
	Jaccard     float64 // estimated |A∩B| / |A∪B|
	Shared      float64 // estimated |A∩B|
	Containment float64 // estimated |A∩B| / min(|A|, |B|)
}

// Compare estimates how much a and b have in common.
func Compare(a, b *Signature) Similarity {
	j := Jaccard(a, b)
	shared := j / (1 + j) * float64(a.Shingles+b.Shingles)
	s := Similarity{Jaccard: j, Shared: shared}
	if m := min(a.Shingles, b.Shingles); m > 0 {
		s.Containment = min(1, shared/float64(m))
	}
	return s
}

// Copies reports whether a and b are copies of one story.
func Copies(a, b *Signature) bool {
	if !a.Comparable() || !b.Comparable() {
		return false
	}
	s := Compare(a, b)
	return s.Jaccard >= MinJaccard || s.Containment >= MinContainment && s.Shared >= MinShared
}

// bandKeys are the LSH keys of a signature: one per band.
func (s *Signature) bandKeys() [Bands]uint64 {
	var keys [Bands]uint64
	for b := range keys {
		h := uint64(b+1) * 0x9e3779b97f4a7c15
		for r := range Rows {
			h = splitmix(h ^ uint64(s.Mins[b*Rows+r]))
		}
		keys[b] = h
	}
	return keys
}
