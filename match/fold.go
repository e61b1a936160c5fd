package match

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Character classes of the normaliser. Every input rune becomes zero or more
// output runes of one class (or, for a few compatibility characters, of
// several: classMixed).
const (
	classSep   uint8 = iota // ends a word: spaces, punctuation, symbols, apostrophes
	classWord               // letters, marks and digits of scripts written with spaces
	classCJK                // Han, kana, Hangul and the other scripts written without spaces: one token per rune
	classDrop               // zero width, never a boundary: soft hyphen, joiners, tatweel
	classMixed              // output runes of several classes: emit rune by rune
)

// Flags of a rune in the fold table.
const (
	flagBoundary  uint8 = 1 << iota // NFKC may start a new segment before this rune
	flagDroppable                   // a combining mark dropped after a base of a strip script
	flagStrip                       // a base rune of a script whose diacritics are removed
	flagUpper                       // an upper or title case letter
)

// runeInfo is what the normaliser knows about one input rune: its folded
// output (NFKC, full case folding, diacritics removed), the output's class
// and flags. The output bytes live in foldTable.pool.
type runeInfo struct {
	off   uint32
	n     uint8 // bytes of output
	runes uint8 // runes of output
	class uint8
	flags uint8
}

// foldTable is the read-only per-rune table of the Basic Multilingual Plane,
// built once per process.
type foldTable struct {
	info [0x10000]runeInfo
	pool []byte
}

// table returns the process-wide fold table; it is built on first use and
// never changes afterwards.
var table = sync.OnceValue(buildFoldTable)

func buildFoldTable() *foldTable {
	t := &foldTable{pool: make([]byte, 0, 1<<18)}
	f := newFolder()
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			t.info[r] = runeInfo{class: classSep, flags: flagBoundary}
			continue
		}
		out, class, flags := f.classify(r)
		t.info[r] = runeInfo{off: uint32(len(t.pool)), n: uint8(len(out)), runes: uint8(utf8.RuneCountInString(out)), class: class, flags: flags}
		t.pool = append(t.pool, out...)
	}
	return t
}

// lookup returns the fold information of any rune; runes outside the BMP are
// computed on the fly (rare: historic scripts, mathematical letters, emoji).
func (t *foldTable) lookup(r rune) (runeInfo, []byte) {
	if r < 0x10000 {
		ri := t.info[r]
		return ri, t.pool[ri.off : ri.off+uint32(ri.n)]
	}
	if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
		// Emoji, symbols, private use: separators, no allocation.
		return runeInfo{class: classSep, flags: flagBoundary}, nil
	}
	f := newFolder()
	out, class, flags := f.classify(r)
	return runeInfo{n: uint8(len(out)), runes: uint8(utf8.RuneCountInString(out)), class: class, flags: flags}, []byte(out)
}

// folder computes folded forms; it is not safe for concurrent use (the
// cases.Caser keeps state).
type folder struct {
	caser cases.Caser
}

func newFolder() *folder {
	return &folder{caser: cases.Fold()}
}

// classify folds one rune as its own NFKC segment and classifies the result.
func (f *folder) classify(r rune) (out string, class, flags uint8) {
	props := norm.NFKC.PropertiesString(string(r))
	if props.BoundaryBefore() {
		flags |= flagBoundary
	}
	switch {
	case isApostrophe(r) || r == 0x200B: // modifier apostrophe (a letter!), zero width space
		return "", classSep, flags
	case unicode.Is(unicode.Cf, r) || r == 0x0640: // joiners, soft hyphen, BOM, Arabic tatweel
		return "", classDrop, flags
	}
	if unicode.IsUpper(r) || unicode.IsTitle(r) {
		flags |= flagUpper
	}
	if unicode.Is(unicode.Mn, r) && props.CCC() != 0 && f.caser.String(string(r)) == string(r) {
		flags |= flagDroppable
	}
	out = f.fold(norm.NFKC.String(string(r)))
	class = classOf(out)
	if last, _ := utf8.DecodeLastRuneInString(out); class == classWord && isStripScript(last) {
		flags |= flagStrip
	}
	return out, class, flags
}

// fold applies full case folding, removes the diacritics of Latin, Greek,
// Cyrillic, Arabic and Hebrew letters and the nukta of Indic scripts, and maps a few letters to the form
// used for matching. The input is in NFKC.
func (f *folder) fold(s string) string {
	s = f.caser.String(s)
	d := norm.NFD.String(s)
	var b strings.Builder
	base := rune(-1)
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
			if base >= 0 && isStripScript(base) && !keepMark(base, r) || isNukta(r) {
				continue
			}
			b.WriteRune(r)
			continue
		}
		base = r
		if m, ok := letterMap(r); ok {
			b.WriteString(m)
			continue
		}
		if r == 0x0640 || (unicode.Is(unicode.Cf, r) && r != 0x200B) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// isNukta reports the nukta of the Indic scripts, a dot below that marks
// sounds of borrowed words and that writers often leave out: वेनेज़ुएला and
// वेनेजुएला are one name to readers. Unlike the other marks of these scripts
// (vowel signs, viramas), it is removed.
func isNukta(r rune) bool {
	switch r {
	case 0x093C, 0x09BC, 0x0A3C, 0x0ABC, 0x0B3C, 0x0C3C, 0x0CBC, 0x1BE6, 0x111CA, 0x110BA:
		return true
	}
	return false
}

// keepMark reports whether a combining mark stays on its base although the
// base's script loses its diacritics: the breve of Cyrillic й and ў, which
// make different letters (ё, by contrast, folds to е).
func keepMark(base, mark rune) bool {
	return mark == 0x0306 && unicode.Is(unicode.Cyrillic, base)
}

// letterMap maps letters that carry a diacritic without decomposing, Latin
// ligatures and Arabic letter variants to their matching form.
func letterMap(r rune) (string, bool) {
	switch r {
	case 'ı': // Turkish dotless i (İ folds to i + dot, and the dot goes)
		return "i", true
	case 'ø':
		return "o", true
	case 'ł':
		return "l", true
	case 'đ':
		return "d", true
	case 'ħ':
		return "h", true
	case 'ŧ':
		return "t", true
	case 'ƀ':
		return "b", true
	case 'ɨ':
		return "i", true
	case 'æ':
		return "ae", true
	case 'œ':
		return "oe", true
	case 'ى', 'ی': // Arabic alef maksura and Farsi yeh fold to Arabic yeh
		return "ي", true
	case 'ک': // Keheh (Farsi kaf)
		return "ك", true
	case 'ة': // teh marbuta
		return "ه", true
	case 'ٱ': // alef wasla
		return "ا", true
	}
	return "", false
}

// isApostrophe reports the apostrophes that split words: Venezuela'nın,
// Venezuela’s, Venezuelaʼs.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '‘', '＇', '`', '´', 'ʹ', '′':
		return true
	}
	return false
}

// isStripScript reports whether r belongs to a script whose combining
// diacritics are removed.
func isStripScript(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Arabic, unicode.Hebrew)
}

// isCJK reports the scripts written without spaces between words, where
// names match as substrings.
func isCJK(r rune) bool {
	if r < 0x1000 && (r < 0x0E00 || r > 0x0EFF) {
		return false
	}
	switch r {
	case 0x30FC, 0xFF70, 0x3005, 0x3006, 0x3007, 0x303B: // prolonged sound mark, iteration marks
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// runeClass classifies one folded rune.
func runeClass(r rune) uint8 {
	switch {
	case isApostrophe(r):
		return classSep
	case isCJK(r):
		if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) {
			return classCJK
		}
		return classSep
	case unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r):
		return classWord
	case unicode.Is(unicode.Cf, r) && r != 0x200B:
		return classDrop
	}
	return classSep
}

// classOf classifies a folded output string.
func classOf(s string) uint8 {
	if s == "" {
		return classDrop
	}
	class := uint8(255)
	for _, r := range s {
		c := runeClass(r)
		if class == 255 {
			class = c
		} else if c != class {
			return classMixed
		}
	}
	return class
}
