package match

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// cldrName is a country's name in one language, as CLDR writes it.
type cldrName struct {
	lang string
	name string
	// langs are the base languages CLDR writes the name in; with own, it
	// applies only to articles in one of them (see ownLanguageOnly).
	own   bool
	langs string // space-separated
}

// countryTable is every country's names in every language CLDR provides, by
// upper-case ISO 3166 alpha-2 code. Read-only once built.
type countryTable struct {
	codes []string // sorted
	names map[string][]cldrName
}

// countries returns the CLDR country table, built once per process.
var countries = sync.OnceValue(buildCountryTable)

func buildCountryTable() *countryTable {
	t := &countryTable{names: map[string][]cldrName{}}
	tags := display.Supported.Tags()
	type namer struct {
		tag string
		n   display.Namer
	}
	var namers []namer
	for _, tag := range tags {
		if n := display.Regions(tag); n != nil {
			namers = append(namers, namer{tag.String(), n})
		}
	}
	// English first, then the languages with a stemmer, then the others
	// (base languages before regional and script variants):
	// where several languages write a name alike, the first one is the
	// language a match reports.
	rank := func(tag string) int {
		switch {
		case tag == "en":
			return 0
		case stemmerFor(tag) != 0:
			return 1
		case !strings.Contains(tag, "-"):
			return 2
		}
		return 3
	}
	sort.SliceStable(namers, func(i, j int) bool { return rank(namers[i].tag) < rank(namers[j].tag) })
	var z tokenizer
	f := newFolder()
	for _, code := range countryCodes() {
		r := language.MustParseRegion(code)
		english := strings.TrimSpace(display.English.Regions().Name(r))
		// The base languages that write each name.
		writers := map[string][]string{}
		for _, n := range namers {
			name := strings.TrimSpace(n.n.Name(r))
			if b := baseLang(n.tag); b != "" && !slices.Contains(writers[name], b) {
				writers[name] = append(writers[name], b)
			}
		}
		// The same name in two languages is one name, unless the
		// languages stem differently.
		type key struct {
			name    string
			stemmer int
		}
		seen := map[key]bool{}
		var names []cldrName
		for _, n := range namers {
			name := strings.TrimSpace(n.n.Name(r))
			k := key{name, stemmerFor(n.tag)}
			// CLDR falls back to the code ("CN") where a language
			// lacks a name.
			if name == "" || strings.EqualFold(name, code) || seen[k] || ambiguousShort(&z, name) {
				continue
			}
			seen[k] = true
			cn := cldrName{lang: n.tag, name: name, langs: strings.Join(writers[name], " ")}
			cn.own = ownLanguageOnly(f, &z, name, english, writers[name])
			names = append(names, cn)
		}
		t.codes = append(t.codes, code)
		t.names[code] = names
	}
	// "Myanmar (Burma)": also "Myanmar", unless another country's name in
	// the same language has the same base ("Congo (DRC)", "Congo (Republic)").
	type langName struct{ lang, name string }
	bases := map[langName]int{}
	for _, code := range t.codes {
		for _, n := range t.names[code] {
			if base, ok := parenBase(n.name); ok {
				bases[langName{n.lang, base}]++
			}
		}
	}
	for _, code := range t.codes {
		names := t.names[code]
		seen := map[string]bool{}
		for _, n := range names {
			seen[n.name] = true
		}
		for _, n := range names {
			if base, ok := parenBase(n.name); ok && bases[langName{n.lang, base}] == 1 && !seen[base] {
				seen[base] = true
				names = append(names, cldrName{lang: n.lang, name: base, own: n.own, langs: n.langs})
			}
		}
		t.names[code] = names
	}
	sort.Strings(t.codes)
	return t
}

// ambiguousShort reports the CLDR names left out of the gazetteer: one
// Latin-script word of fewer than 4 runes once folded, unless written in
// capitals (USA). Folded, they are common words of other languages: Man
// (Isle of Man in Nynorsk), End (India in Jola-Fonyi), Cat (Chad in Ngomba),
// Irã → ira, Omã → oma, Đức → duc, Séc → sec.
//
// It also leaves out names in a script with case none of whose words is
// capitalised (Tachelhit island, Iceland, and laws, Laos): matched only
// when capitalised (see addName), they are taken for proper nouns only.
func ambiguousShort(z *tokenizer, name string) bool {
	n, short, cased, upper := 0, false, false, false
	z.run(name, false, func(t *token) {
		n++
		r, _ := utf8.DecodeRune(t.text)
		short = t.runes < 4 && !t.cjk && unicode.Is(unicode.Latin, r)
		cased = cased || unicode.ToUpper(r) != r
		upper = upper || t.upper
	})
	return n == 1 && short && strings.ToUpper(name) != name || cased && !upper
}

// maxOwnRunes: a one-word CLDR name of at most this many letters (folded)
// that is not the English name applies only to articles of the languages
// that write it.
const maxOwnRunes = 5

// ownLanguageOnly reports the CLDR names that apply only to articles in a
// language that writes them (langs): one-word names of at most maxOwnRunes
// letters, unless written in capitals (USA, UAE) or as in English (Perú,
// Peru; Congo). Decided from the hits of the whole gazetteer on the 2,650 real
// articles of the benchmark corpus in a language that does not write the
// name: such short names were mostly other words (Aghem Malè found "Male,
// 62 years old"; Ngomba Shîn, Frisian Ålân, Kabyle Ṭurk and Laws, Albanian
// Rusi, Afrikaans Pole, Chiga Mari found Shin, Alan, Volker Turk, Laws,
// Rusi, a Pole, Mária; Polish Kuba is also a first name, Esperanto Kubo a
// Japanese surname), while the longer ones were the country (Myanmar,
// Brasil, Ucrania, Congo, Ivory Coast).
func ownLanguageOnly(f *folder, z *tokenizer, name, english string, langs []string) bool {
	if len(langs) == 0 || strings.ToUpper(name) == name || f.fold(name) == f.fold(english) {
		return false
	}
	words, runes := 0, 0
	var form string
	z.run(name, false, func(t *token) {
		words++
		runes += t.runes
		form = string(t.text)
	})
	if words != 1 || runes > maxOwnRunes {
		return false
	}
	// The first word of the English name is English too (Congo, of
	// "Congo - Brazzaville").
	first := ""
	z.run(english, false, func(t *token) {
		if first == "" {
			first = string(t.text)
		}
	})
	return form != first
}

// parenBase returns "Myanmar" for "Myanmar (Burma)".
func parenBase(name string) (string, bool) {
	i := strings.Index(name, "(")
	if i <= 0 || !strings.HasSuffix(name, ")") {
		return "", false
	}
	base := strings.TrimSpace(name[:i])
	return base, base != ""
}

// countryNames returns CLDR's names of the country with the given ISO 3166
// alpha-2 code (any case), or false when CLDR knows no such country.
func countryNames(code string) ([]cldrName, bool) {
	names, ok := countries().names[strings.ToUpper(strings.TrimSpace(code))]
	return names, ok
}

// CountryCodes lists the ISO 3166-1 alpha-2 codes of the countries CLDR
// names, upper-case and sorted: what an entity's country may be, and the
// entities Options.Countries adds (their ids are the codes in lower case).
func CountryCodes() []string { return slices.Clone(countryCodes()) }

// IsCountry reports whether code (either case) is one of CountryCodes.
func IsCountry(code string) bool {
	_, ok := slices.BinarySearch(countryCodes(), strings.ToUpper(code))
	return ok
}

// countryCodes is built once per process; read-only.
var countryCodes = sync.OnceValue(func() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			switch code {
			case "AC", "CP", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ":
				continue // reservations and groupings x/text calls countries
			}
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize() != r {
				continue
			}
			if display.English.Regions().Name(r) == "" {
				continue
			}
			out = append(out, code)
		}
	}
	return out
})
