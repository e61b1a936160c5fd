// Package langid detects the language of news texts: a title, a summary, the
// start of an article.
//
// It first weighs the scripts of the text's letters: a script that only one
// loaded language uses decides alone (Greek, Hebrew, Devanagari, Bengali,
// Thai, Georgian, Armenian, the scripts of Gujarati, Punjabi, Kannada,
// Malayalam, Tamil, Telugu, Sinhala, Khmer and Burmese, Hangul for Korean;
// Han characters with kana among them for Japanese, without for Chinese).
// The languages of Latin, Cyrillic and Arabic script compete on a character
// n-gram model: every letter of every word adds the interpolated
// log-probability of it following the up to three letters before it in each
// language, and the highest sum wins. A word counts at most 6
// nats against a language, so that one foreign name or typo cannot outvote
// the rest, and a capitalised word inside a sentence (most often a name)
// counts half.
//
// The model (model/ngrams.bin, 8 MB, embedded) is derived from the unigram to
// quadrigram models of github.com/pemistahl/lingua-go v1.4.0 (Apache-2.0; see
// model/NOTICE) by a generator in the langeval module:
//
//	cd langid/langeval && go run ./gen
//
// The model is read in place: the first New of a process parses its header
// and builds a 32 KB rune table in about a millisecond, later ones cost
// microseconds, and the n-gram tables stay in the binary's data, outside the
// heap, of which only the pages Detect reads are loaded. On the project's
// 953 short news texts in 45 languages (langeval/) it is right on 98.6 %
// against 89.8 % for lingua's low-accuracy mode over the 45 languages it was
// configured with, is no worse on any language, and is 50 to 100 times
// faster with no allocation. Accuracy grows with length, so pass the title
// and the summary together, and the start of the content where there is
// one.
//
// Not detected: Serbian in Latin script (lingua's Serbian model is
// Cyrillic; such text comes out as Croatian or Bosnian), and languages
// outside DefaultLanguages.
package langid

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/mediawatch/mediawatch/htmltext"
)

// ErrUnknownLanguage is returned by New for a language code it cannot detect.
var ErrUnknownLanguage = errors.New("unknown language")

// maxRunes bounds the text examined: accuracy has long stopped growing by
// then (on 693 real articles of 400 runes or more the answers at 400 and at
// 1000 runes are the same), and detection time grows with length.
const maxRunes = 400

// minLetters is the fewest letters a text needs to be given a language.
const minLetters = 3

// Early stop: once the leader among the languages of the text's script is
// stopMargin nats (a likelihood ratio of e^40) ahead of the runner-up, the
// rest of the text is not scored; the margin is checked every checkEvery
// letters.
const (
	stopMargin = 40
	checkEvery = 32
)

// DefaultLanguages returns the ISO 639-1 codes New loads unless told
// otherwise: 59 languages of the larger news markets. They are also all
// the languages langid knows.
func DefaultLanguages() []string {
	return []string{
		"af", "ar", "az", "be", "bg", "bn", "bs", "ca", "cs", "da", "de", "el",
		"en", "eo", "es", "et", "fa", "fi", "fr", "gu", "he", "hi", "hr", "hu",
		"hy", "id", "it", "ja", "ka", "km", "kn", "ko", "lt", "lv", "ml", "ms",
		"my", "nb", "nl", "pa", "pl", "pt", "ro", "ru", "si", "sk", "sl", "sq",
		"sr", "sv", "sw", "ta", "te", "th", "tr", "uk", "ur", "vi", "zh",
	}
}

type options struct {
	languages []string
	high      bool
}

// Option configures New.
type Option func(*options) error

// WithLanguages replaces the default languages by these ISO 639-1 codes
// (lower or upper case), a subset of DefaultLanguages. Fewer languages mean
// fewer confusions.
func WithLanguages(codes ...string) Option {
	return func(o *options) error {
		o.languages = codes
		return nil
	}
}

// WithHighAccuracy makes Detect score every letter of the text (up to the
// first 400 runes) instead of stopping once one language leads by a
// likelihood ratio of e^40, which hardly ever changes the answer. It is
// kept for compatibility: it used to select lingua's full models.
func WithHighAccuracy() Option {
	return func(o *options) error {
		o.high = true
		return nil
	}
}

// Detector tells the language of a text. It is safe for concurrent use.
type Detector struct {
	model *ngramModel
	// byScript are the loaded languages of each script, sorted.
	byScript [numScripts][]string
	// compete are the model indices of byScript's languages where two or
	// more share a script.
	compete [numScripts][]uint8
	// group is the model group of compete's languages.
	group [numScripts]int
	high  bool
}

// New returns a detector of the chosen languages. The model is shared by
// every detector of the process and parsed by the first New.
func New(opts ...Option) (*Detector, error) {
	o := options{languages: DefaultLanguages()}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	var codes []string
	var errs []error
	for _, code := range o.languages {
		c := strings.ToLower(code)
		if _, ok := languages[c]; !ok {
			errs = append(errs, fmt.Errorf("language %q: %w", code, ErrUnknownLanguage))
			continue
		}
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(codes) < 2 {
		return nil, errors.New("new detector: need at least two languages")
	}
	m, err := sharedModel()
	if err != nil {
		return nil, err
	}
	d := &Detector{model: m, high: o.high}
	sort.Strings(codes)
	for _, c := range codes {
		s := languages[c]
		d.byScript[s] = append(d.byScript[s], c)
	}
	for s, cs := range d.byScript {
		if len(cs) < 2 {
			continue
		}
		for _, c := range cs {
			li, ok := m.index[c]
			if !ok {
				return nil, fmt.Errorf("new detector: the model lacks language %q", c)
			}
			d.compete[s] = append(d.compete[s], li)
		}
		gi := m.groupOf(d.compete[s][0])
		for _, li := range d.compete[s] {
			if gi < 0 || m.groupOf(li) != gi {
				return nil, fmt.Errorf("new detector: the model has the languages of script %d in more than one group", s)
			}
		}
		d.group[s] = gi
	}
	return d, nil
}

// Detect returns the ISO 639-1 code of text's language in lower case and a
// confidence between 0 and 1 (the share of the probability that language
// holds among the loaded ones of its script). It returns "" and 0 for text
// with fewer than three letters or in none of the loaded languages'
// scripts. HTML markup is removed and character references decoded first.
func (d *Detector) Detect(text string) (lang string, confidence float64) {
	text = plain(text)
	s, decomposed, ok := d.census(text)
	if !ok {
		return "", 0
	}
	if len(d.compete[s]) == 0 {
		return d.byScript[s][0], 1
	}
	if decomposed {
		text = norm.NFC.String(text)
	}
	return d.score(text, s)
}

// census weighs the scripts of text's letters and returns the script whose
// loaded languages compete for it, and whether text has combining accents
// that NFC would compose. ok is false for text with fewer than minLetters
// letters or whose main script no loaded language uses.
func (d *Detector) census(text string) (s script, decomposed, ok bool) {
	var weights [numScripts]int
	letters := 0
	m := d.model
	for _, r := range text {
		sc := m.info(r).script
		if sc == scNone {
			if r >= 0x300 && r <= 0x36F {
				decomposed = true
			}
			continue
		}
		letters++
		weights[sc] += max(1, weight[sc])
	}
	if letters < minLetters {
		return scNone, false, false
	}
	// Han and kana count together: Japanese mixes them.
	kana := weights[scKana] > 0
	weights[scHan] += weights[scKana]
	weights[scKana] = 0
	best := scNone
	for sc := scLatin; sc < numScripts; sc++ {
		if weights[sc] > weights[best] {
			best = sc
		}
	}
	if best == scHan && (kana || len(d.byScript[scHan]) == 0) && len(d.byScript[scKana]) > 0 {
		best = scKana
	}
	if len(d.byScript[best]) == 0 {
		return scNone, false, false
	}
	return best, decomposed, true
}

// Per-word weighing. A word's score in a language is at most clipNats
// below its best language's, so that one odd word (a foreign name, a typo)
// cannot outvote the rest; and a capitalised word that does not start a
// sentence, most often a name, counts half.
const (
	clipNats    = 6
	wordWeight  = 2 // in half-steps
	capitalised = 1
)

// keyMask[n] keeps the last n letters' ids of a window.
var keyMask = [5]uint64{0, 1<<16 - 1, 1<<32 - 1, 1<<48 - 1, 1<<64 - 1}

// scorer is the state of one Detect's scoring.
type scorer struct {
	m        *ngramModel
	cands    []uint8
	gi       int    // the model group of cands
	c0, nc   int    // the group's chunks of lanes: c0 to c0+nc-1
	clip     uint32 // clipNats in steps
	total    scores // half-steps
	word     scores // steps of the current word
	acc      lanes  // steps of the current word not yet in word
	letters  int    // letters of the current word
	capital  bool   // the current word is capitalised inside a sentence
	sentence bool   // the next word starts a sentence
}

// drain moves the lanes into word.
func (z *scorer) drain() {
	for _, li := range z.cands {
		z.word[li&(maxModelLanguages-1)] += z.acc.lane(li)
	}
	for c := z.c0; c < z.c0+z.nc; c++ {
		z.acc[c&(chunks-1)] = [2]uint64{}
	}
}

// endWord adds the current word's clipped, weighted scores to the total.
func (z *scorer) endWord() {
	z.drain()
	var best uint32
	for _, li := range z.cands {
		best = max(best, z.word[li&(maxModelLanguages-1)])
	}
	floor := best - min(best, z.clip)
	w := uint32(wordWeight)
	if z.capital {
		w = capitalised
	}
	for _, li := range z.cands {
		i := li & (maxModelLanguages - 1)
		z.total[i] += w * max(z.word[i], floor)
		z.word[i] = 0
	}
	z.letters = 0
}

// score runs the n-gram model over the words of script s in text and
// returns the best of the competing languages.
func (d *Detector) score(text string, s script) (string, float64) {
	m := d.model
	g := m.groups[d.group[s]]
	z := scorer{
		m: m, cands: d.compete[s], gi: d.group[s], c0: g.base / 8, nc: g.width / 8,
		clip: uint32(clipNats / m.scale), sentence: true,
	}
	var window uint64 // ids of the word's last four letters, the last lowest
	inWindow := 0     // letters in window, up to 4
	scored, check := 0, checkEvery
	for _, r := range text {
		info := m.info(r)
		if info.script != s {
			if info.script == scNone && isMark(r) {
				continue // an accent or a vowel sign: part of the word
			}
			if z.letters > 0 {
				z.endWord()
				inWindow = 0
				if scored >= check && !d.high {
					check = scored + checkEvery
					if best, second := top2(&z.total, z.cands); float64(best-second)*m.scale/wordWeight >= stopMargin {
						break
					}
				}
			}
			switch r {
			case '.', '!', '?', ':', '…', '¿', '¡', '؟', '۔':
				z.sentence = true
			}
			continue
		}
		if z.letters == 0 {
			z.capital = info.upper && !z.sentence
			z.sentence = false
		}
		if z.letters++; z.letters%laneLetters == 0 {
			z.drain()
		}
		if info.id == 0 {
			// No n-gram of the model has this letter: it scores alike in
			// every language, and the n-grams across it are unknown.
			inWindow = 0
			continue
		}
		window = window<<16 | uint64(info.id)
		inWindow = min(inWindow+1, 4)
		off := m.uni[info.id]
		for n := 1; off != 0 && m.add(off, &z.acc, z.gi, z.c0, z.nc) && n < inWindow; {
			n++
			off = m.find(n, window&keyMask[n])
		}
		scored++
	}
	if z.letters > 0 {
		z.endWord()
	}
	return d.pick(&z.total, z.cands)
}

// isMark reports combining marks (Unicode categories Mn, Mc, Me).
func isMark(r rune) bool {
	return r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me)
}

func top2(scores *scores, cands []uint8) (best, second uint32) {
	for _, li := range cands {
		v := scores[li&(maxModelLanguages-1)]
		if v > best {
			best, second = v, best
		} else if v > second {
			second = v
		}
	}
	return best, second
}

// pick returns the candidate with the highest score and its share of the
// candidates' probability (the softmax of the log-likelihoods).
func (d *Detector) pick(scores *scores, cands []uint8) (string, float64) {
	best := cands[0]
	for _, li := range cands[1:] {
		if scores[li&(maxModelLanguages-1)] > scores[best&(maxModelLanguages-1)] {
			best = li
		}
	}
	top := scores[best&(maxModelLanguages-1)]
	if top == 0 {
		return "", 0 // none of the text's letters is in the model
	}
	sum := 0.0
	for _, li := range cands {
		// Languages more than 50 nats behind add less than 2e-22.
		if nats := float64(top-scores[li&(maxModelLanguages-1)]) * d.model.scale / wordWeight; nats < 50 {
			sum += math.Exp(-nats)
		}
	}
	return d.model.langs[best], 1 / sum
}

// plain is the text of s as htmltext reads it (markup removed, references
// decoded, white space collapsed), at most maxRunes runes of it.
func plain(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = htmltext.PlainPrefix(s, maxRunes)
	}
	n := 0
	for i := range s {
		if n == maxRunes {
			return s[:i]
		}
		n++
	}
	return s
}
