package match

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mediawatch/mediawatch/match/matchtest"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

var cldrCollisions = flag.Bool("cldr-collisions", false, "list the CLDR names that match articles of a language that does not write them")

// TestCLDRCollisions is the measurement behind ownLanguageOnly: with
// -cldr-collisions it tags the benchmark corpus with every country of the
// gazetteer and lists, by name, the hits of a CLDR name in an article whose
// language neither writes that name nor is English, with examples:
//
//	go test -run TestCLDRCollisions -cldr-collisions -v ./match/
func TestCLDRCollisions(t *testing.T) {
	if !*cldrCollisions {
		t.Skip("run with -cldr-collisions")
	}
	docs := matchtest.Corpus(t)
	m, err := NewMatcher(nil, Options{Countries: true})
	if err != nil {
		t.Fatal(err)
	}
	f := newFolder()
	// folded name -> country -> set of langs
	langsOf := map[string]map[string]bool{}
	for _, code := range countryCodes() {
		r := language.MustParseRegion(code)
		for _, tag := range display.Supported.Tags() {
			n := display.Regions(tag)
			if n == nil {
				continue
			}
			name := n.Name(r)
			if name == "" {
				continue
			}
			k := code + "|" + f.fold(name)
			if langsOf[k] == nil {
				langsOf[k] = map[string]bool{}
			}
			b, _ := tag.Base()
			langsOf[k][b.String()] = true
		}
	}
	type agg struct {
		n        int
		langs    string
		examples []string
	}
	tally := map[string]*agg{}
	total, foreign := 0, 0
	for _, d := range docs {
		lang := baseLang(d.Lang)
		fields := []Field{{"title", d.Title}, {"summary", d.Summary}, {"content", d.Content}}
		for _, h := range m.Tag(d.Lang, fields) {
			total++
			k := strings.ToUpper(h.ID) + "|" + f.fold(h.Name)
			ls := langsOf[k]
			if ls[lang] || ls["en"] {
				continue
			}
			foreign++
			key := h.ID + " " + h.Name + " (" + h.NameLang + ")"
			a := tally[key]
			if a == nil {
				var l []string
				for x := range ls {
					l = append(l, x)
				}
				sort.Strings(l)
				a = &agg{langs: strings.Join(l, ",")}
				tally[key] = a
			}
			a.n++
			if len(a.examples) < 3 {
				var text string
				for _, fl := range fields {
					if fl.Name == h.Field {
						text = fl.Text
					}
				}
				s, e := max(0, h.Start-40), min(len(text), h.End+40)
				for s > 0 && text[s]&0xC0 == 0x80 {
					s--
				}
				for e < len(text) && text[e]&0xC0 == 0x80 {
					e++
				}
				a.examples = append(a.examples, lang+": "+strings.ReplaceAll(text[s:e], "\n", " "))
			}
		}
	}
	keys := make([]string, 0, len(tally))
	for k := range tally {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return tally[keys[i]].n > tally[keys[j]].n })
	fmt.Printf("docs %d hits %d hits of a CLDR name in an article of another language %d\n", len(docs), total, foreign)
	for _, k := range keys {
		a := tally[k]
		fmt.Printf("%4d %s [%s]\n", a.n, k, a.langs)
		for _, e := range a.examples {
			fmt.Printf("       %s\n", e)
		}
	}
}
