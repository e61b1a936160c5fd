package langid

import "unicode"

// script is the writing system of a letter, as far as language detection
// cares: the scripts of the supported languages, and one for all others.
type script uint8

const (
	scNone script = iota // not a letter
	scLatin
	scCyrillic
	scGreek
	scArabic
	scHebrew
	scDevanagari
	scBengali
	scThai
	scHangul
	scKana // hiragana and katakana
	scHan
	scArmenian
	scGeorgian
	scGujarati
	scGurmukhi
	scKannada
	scMalayalam
	scTamil
	scTelugu
	scSinhala
	scKhmer
	scMyanmar
	scOther // a letter of a script no supported language uses
	numScripts
)

// languages are the languages langid can detect, by ISO 639-1 code, with
// their script. Japanese is listed under kana: a text of Han characters with
// kana among them is Japanese, one without is Chinese (where Chinese is
// loaded). Every language of a script that two or more languages share needs
// an n-gram model in model/ngrams.bin; the others are told by script alone.
var languages = map[string]script{
	"af": scLatin, "az": scLatin, "bs": scLatin, "ca": scLatin, "cs": scLatin,
	"da": scLatin, "de": scLatin, "en": scLatin, "eo": scLatin, "es": scLatin,
	"et": scLatin, "fi": scLatin, "fr": scLatin, "hr": scLatin, "hu": scLatin,
	"id": scLatin, "it": scLatin, "lt": scLatin, "lv": scLatin, "ms": scLatin,
	"nb": scLatin, "nl": scLatin, "pl": scLatin, "pt": scLatin, "ro": scLatin,
	"sk": scLatin, "sl": scLatin, "sq": scLatin, "sv": scLatin, "sw": scLatin,
	"tr": scLatin, "vi": scLatin,
	"be": scCyrillic, "bg": scCyrillic, "ru": scCyrillic, "sr": scCyrillic,
	"uk": scCyrillic,
	"ar": scArabic, "fa": scArabic, "ur": scArabic,
	"el": scGreek,
	"he": scHebrew,
	"hi": scDevanagari,
	"bn": scBengali,
	"th": scThai,
	"ko": scHangul,
	"ja": scKana,
	"zh": scHan,
	"hy": scArmenian,
	"ka": scGeorgian,
	"gu": scGujarati,
	"pa": scGurmukhi,
	"kn": scKannada,
	"ml": scMalayalam,
	"ta": scTamil,
	"te": scTelugu,
	"si": scSinhala,
	"km": scKhmer,
	"my": scMyanmar,
}

// weight is how many letters of an alphabet one character of a script
// counts for when the scripts of a text are weighed: a Han character or a
// kana is about a syllable or a word, a Hangul block a syllable.
var weight = [numScripts]int{scHan: 3, scKana: 2, scHangul: 2}

// scriptOf returns the script of r, which is not in the rune table.
func scriptOf(r rune) script {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3400 && r <= 0x4DBF, r >= 0xF900 && r <= 0xFAFF:
		return scHan
	case r >= 0x3041 && r <= 0x3096, r >= 0x309D && r <= 0x309F, r >= 0x30A1 && r <= 0x30FA,
		r >= 0x30FC && r <= 0x30FF, r >= 0x31F0 && r <= 0x31FF, r >= 0xFF66 && r <= 0xFF9D:
		return scKana
	case r >= 0xAC00 && r <= 0xD7A3, r >= 0x3131 && r <= 0x318E:
		return scHangul
	}
	if !unicode.IsLetter(r) {
		return scNone
	}
	for _, t := range scriptTables {
		if unicode.Is(t.table, r) {
			return t.script
		}
	}
	return scOther
}

var scriptTables = []struct {
	table  *unicode.RangeTable
	script script
}{
	{unicode.Latin, scLatin},
	{unicode.Cyrillic, scCyrillic},
	{unicode.Greek, scGreek},
	{unicode.Arabic, scArabic},
	{unicode.Hebrew, scHebrew},
	{unicode.Devanagari, scDevanagari},
	{unicode.Bengali, scBengali},
	{unicode.Thai, scThai},
	{unicode.Hangul, scHangul},
	{unicode.Hiragana, scKana},
	{unicode.Katakana, scKana},
	{unicode.Han, scHan},
	{unicode.Armenian, scArmenian},
	{unicode.Georgian, scGeorgian},
	{unicode.Gujarati, scGujarati},
	{unicode.Gurmukhi, scGurmukhi},
	{unicode.Kannada, scKannada},
	{unicode.Malayalam, scMalayalam},
	{unicode.Tamil, scTamil},
	{unicode.Telugu, scTelugu},
	{unicode.Sinhala, scSinhala},
	{unicode.Khmer, scKhmer},
	{unicode.Myanmar, scMyanmar},
}
