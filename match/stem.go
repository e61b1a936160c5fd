package match

import (
	"strings"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/arabic"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/irish"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/tamil"
	"github.com/blevesearch/snowballstem/turkish"
	"golang.org/x/text/language"
)

// Stemming limits, chosen for precision. A stem shorter than minStemRunes
// never matches, and one shorter than minLongStemRunes only with more
// evidence: the text's language is known (so only its stemmer is tried;
// otherwise Hungarian Kína, stem kin, would find the English word Kind) and
// the name is capitalised, so the text word must be too (Russian Куба finds
// Кубе but not кубы, cubes; Arabic كوبا, without case, does not find
// كوباني, Kobani). The text word must be at least as long
// as the configured word (Spanish "Caribe" must not find English "Carib") and
// at most maxExtraRunes longer (inflection adds endings; "Venezuelanisation"
// is another word), and it must start with the configured word but for its
// last rune.
const (
	minStemRunes     = 3
	minLongStemRunes = 4
	maxExtraRunes    = 4
)

// stemmer is one Snowball algorithm. Index 0 means "not stemmed".
type stemmer struct {
	name string
	stem func(*snowballstem.Env) bool
}

// stemmers lists the Snowball algorithms of github.com/blevesearch/snowballstem
// by ISO 639-1 code; the index of an entry (plus one) is its stemmer id.
var stemmers = [...]struct {
	lang string
	stemmer
}{
	{"ar", stemmer{"arabic", arabic.Stem}},
	{"da", stemmer{"danish", danish.Stem}},
	{"nl", stemmer{"dutch", dutch.Stem}},
	{"en", stemmer{"english", english.Stem}},
	{"fi", stemmer{"finnish", finnish.Stem}},
	{"fr", stemmer{"french", french.Stem}},
	{"de", stemmer{"german", german.Stem}},
	{"hu", stemmer{"hungarian", hungarian.Stem}},
	{"ga", stemmer{"irish", irish.Stem}},
	{"it", stemmer{"italian", italian.Stem}},
	{"no", stemmer{"norwegian", norwegian.Stem}},
	{"pt", stemmer{"portuguese", portuguese.Stem}},
	{"ro", stemmer{"romanian", romanian.Stem}},
	{"ru", stemmer{"russian", russian.Stem}},
	{"es", stemmer{"spanish", spanish.Stem}},
	{"sv", stemmer{"swedish", swedish.Stem}},
	{"ta", stemmer{"tamil", tamil.Stem}},
	{"tr", stemmer{"turkish", turkish.Stem}},
}

// numStemmers bounds stemmer ids: 1..numStemmers.
const numStemmers = len(stemmers)

// stemmerFor returns the stemmer id for a name's language key: 0 for "any",
// "" or a language without a Snowball stemmer. Regional and script variants
// use their language's stemmer (de-AT: german); Norwegian Bokmål and Nynorsk
// use the Norwegian one.
func stemmerFor(key string) int {
	key = strings.TrimSpace(key)
	if key == "" || strings.EqualFold(key, "any") {
		return 0
	}
	tag, err := language.Parse(key)
	if err != nil {
		return 0
	}
	base, _ := tag.Base()
	code := base.String()
	if code == "nb" || code == "nn" {
		code = "no"
	}
	for i, s := range stemmers {
		if s.lang == code {
			return i + 1
		}
	}
	return 0
}

// articleStemmer returns the stemmer that applies to a text in language
// lang: -1 when the language is unknown (every stemmer may apply), 0 when
// the language has no stemmer (none applies).
func articleStemmer(lang string) int {
	// Fast path for "ru", "de-AT", "pt_BR", "EN-us": a two-letter base.
	if len(lang) == 2 || len(lang) > 2 && (lang[2] == '-' || lang[2] == '_') {
		if a, b := lang[0]|0x20, lang[1]|0x20; a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z' {
			code := string([]byte{a, b}) // does not escape: no allocation
			if code == "nb" || code == "nn" {
				code = "no"
			}
			for i, s := range stemmers {
				if s.lang == code {
					return i + 1
				}
			}
			return 0
		}
	}
	switch strings.ToLower(strings.TrimSpace(lang)) {
	case "", "und", "mul", "zxx", "any":
		return -1
	}
	if _, err := language.Parse(lang); err != nil {
		return -1
	}
	return stemmerFor(lang)
}

// stemWord stems a folded word with stemmer id; env is reused.
func stemWord(env *snowballstem.Env, id int, word string) string {
	env.SetCurrent(word)
	stemmers[id-1].stem(env)
	return env.Current()
}
