package match

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Proper-name inflection. Snowball stemmers are built for common words; a
// name takes the case endings of the language it is used in, whatever the
// language it is filed under (German Maduros, Czech Madura and Nicoláse,
// Hungarian Kubában, Romanian Venezuelei, Greek Βενεζουέλας). Each
// language below lists the endings a proper name may take there, folded as
// text is (no diacritics, Greek ς as σ). In an article of that language a
// capitalised text word matches a name word when it is the name word plus
// an ending, or the name word without its final vowel plus an ending
// (Madur-a for Maduro, Kub-ě for Kuba).
var inflectionEndings = map[string]string{
	"de": "s es ns",
	"nl": "s",
	"sv": "s",
	"da": "s",
	"no": "s",
	"fi": "n a ta na ksi ssa sta lla lta lle han hen hin hon hun seen iin aan een oon uun yyn in ia iin issa ista illa ilta ille iksi ina ineen ja jen t",
	"et": "s st sse l le lt ga ni na ta t d i il ile ilt iga is ist isse it ks",
	"hu": "ban ben ba be ra re rol tol bol nak nek nal nel hoz hez val vel al el t ot et at ott on en n ert kent ig ul ek ok ak i ai ei ja je",
	"pl": "a u owi em ie e y i ego emu iem ach ami om ow ze zie",
	"cs": "a u e i y ovi em ou ie eho emu ym ech ach am ami ovy ova ove",
	"sk": "a u e i y ovi om ou ej ho mu ovho ovej",
	"sl": "a e i o u om em ov ih ima ju jem",
	"hr": "a e i o u om em ima ama ov ova ove ovi ovu ovom",
	"sr": "a e i o u om em ima ama ov ova ove ovi ovu ovom а е и о у ом ем има ама ов ова ове ови ову овом",
	"bs": "a e i o u om em ima ama ov ova ove ovi ovu ovom",
	"bg": "а я ът ят та то те ите ия ов ова ово ови",
	"ru": "а я у ю е ы и ой ей ою ею ом ем ым им ов ев",
	"uk": "а я у ю е і и ою ею ом ем им ів ові еві",
	"be": "а у ы і е ай ой ам ым ім ем",
	"lt": "as o ui a u e os ai oje is io iui yje ys us aus ams ui e",
	"lv": "s as a ai u am i is es ei e os iem",
	"ro": "ei ii ul ului lui",
	"el": "σ ου ο ων εσ α η ησ",
	"tr": "da de ta te dan den tan ten ya ye yi yu nin nun in un a e i u ya la le yla yle li lu lar ler",
	"az": "da də ta tə dan dən ya yə nin nın nun nün in ın un ün a ə i ı u ü la lə li lı",
}

// Languages whose names lose a final vowel before an ending (Slavic,
// Baltic, Romanian, Greek: Madur-a, Venezuel-ei); the others only add
// endings to the whole name (Turkish Madura is an island, not Maduro).
var inflectionDrop = map[string]bool{
	"pl": true, "cs": true, "sk": true, "sl": true, "hr": true, "sr": true, "bs": true, "bg": true,
	"ru": true, "uk": true, "be": true, "lt": true, "lv": true, "ro": true, "el": true,
}

// Languages whose inflection doubles a name's last consonant before some
// endings (Hungarian Irakkal, Irakkel: Irak + -al, -el).
var inflectionGeminate = map[string]bool{"hu": true}

// Bounds of a proper-name inflection: the name word has at least
// minInflectRunes runes (and keeps them all but a final vowel), the ending
// at most maxEndingRunes.
const (
	minInflectRunes = 3
	maxEndingRunes  = 5
)

// inflectionRules are the compiled endings of one language.
type inflectionRules struct {
	lang     string
	ends     map[string]bool // the endings, folded
	drop     bool            // a final vowel may give way to the ending
	geminate bool
}

// inflectionTable lists the compiled rules; an article's index into it
// (plus one) is its inflection id.
type inflectionTable []inflectionRules

func buildInflectionTable() inflectionTable {
	f := newFolder()
	langs := make([]string, 0, len(inflectionEndings))
	for l := range inflectionEndings {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	t := make(inflectionTable, 0, len(langs))
	for _, l := range langs {
		seen := map[string]bool{}
		var ends []string
		for _, e := range strings.Fields(inflectionEndings[l]) {
			e = f.fold(e)
			if e == "" || seen[e] || utf8.RuneCountInString(e) > maxEndingRunes {
				continue
			}
			seen[e] = true
			ends = append(ends, e)
		}
		set := make(map[string]bool, len(ends))
		for _, e := range ends {
			set[e] = true
		}
		t = append(t, inflectionRules{lang: l, ends: set, drop: inflectionDrop[l], geminate: inflectionGeminate[l]})
	}
	return t
}

// inflectionFor returns the inflection id of an article language: 0 for a
// language without rules (or unknown).
func (t inflectionTable) inflectionFor(lang string) int {
	code := baseLang(lang)
	if len(code) != 2 {
		return 0
	}
	if code == "nb" || code == "nn" {
		code = "no"
	}
	i, _ := slices.BinarySearchFunc(t, code, func(r inflectionRules, c string) int { return strings.Compare(r.lang, c) })
	if i < len(t) && t[i].lang == code {
		return i + 1
	}
	return 0
}

// baseLang returns the lower-case base language of a BCP 47 tag ("de" for
// "de-AT", "pt" for "pt_BR"), "" when there is none.
func baseLang(lang string) string {
	lang = strings.TrimSpace(lang)
	if len(lang) == 2 || len(lang) > 2 && (lang[2] == '-' || lang[2] == '_') {
		a, b := lang[0], lang[1]
		if a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z' {
			return lang[:2] // no allocation: this is every feed's case
		}
		if a, b := a|0x20, b|0x20; a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z' {
			return string([]byte{a, b})
		}
	}
	switch strings.ToLower(lang) {
	case "", "und", "mul", "zxx", "any":
		return ""
	}
	tag, err := language.Parse(lang)
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	return base.String()
}

// isFinalVowel reports the vowels a name word may lose before an ending.
func isFinalVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'y',
		'а', 'е', 'и', 'о', 'у', 'ы', 'я', 'ю', 'є', 'і', 'э',
		'α', 'ε', 'η', 'ι', 'ο', 'υ', 'ω':
		return true
	}
	return false
}

// inflStem is a name word an inflected text word may be built on: the whole
// word (drop false) or the word without its final vowel.
type inflStem struct {
	word    int32
	drop    bool
	derived bool   // of a CLDR name
	lang    string // the base language the name is filed under
	langs   string // of a CLDR name: the base languages that write it
}

// inflections returns the process-wide inflection rules, built once;
// read-only.
var inflections = sync.OnceValue(buildInflectionTable)

// inflect adds the name words that text word w (capitalised, of an article
// with inflection rules) is an inflected form of: at is where the lexicon
// walk found stems (the number of bytes of w each one takes, and its node).
func (m *Matcher) inflect(sc *scratch, w []byte, runes, start int) {
	rules := &m.infl[sc.infl-1]
	for _, st := range sc.inflAt {
		end := w[st.bytes:]
		if rules.ends[string(end)] {
			m.inflectStem(sc, st.node, runes, start, rules.drop)
		}
		// Hungarian doubles a stem's last consonant before some endings:
		// Irakkal is Irak + -al.
		if i := st.bytes; rules.geminate && i < len(w) && w[i] == w[i-1] && w[i] < utf8.RuneSelf && rules.ends[string(w[i+1:])] {
			m.inflectStem(sc, st.node, runes, start, false)
		}
	}
}

// inflAt is a stem of proper-name inflection found in a text word.
type inflAt struct {
	bytes int
	node  int32
}

func (m *Matcher) inflectStem(sc *scratch, node int32, runes, start int, drop bool) {
	for _, si := range m.lex.lists[m.lex.infos[m.lex.info[node]].infl] {
		s := &m.inflStems[si]
		if s.drop && !drop {
			continue
		}
		nw := &m.words[s.word]
		if int32(runes) <= nw.runes-1 || int32(runes) > nw.runes+maxEndingRunes {
			continue
		}
		// A name inflects in the articles of the language it is filed
		// under, a CLDR name in those of the languages that write it, an
		// any name in every article.
		if s.derived && !ownLang(s.langs, sc.lang2) || !s.derived && s.lang != "" && s.lang != sc.lang2 {
			continue
		}
		sc.addSym(s.word, start, qStem)
	}
}
