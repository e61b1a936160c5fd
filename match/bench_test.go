package match

import (
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// The benchmark corpus: the shared seed articles and the items of the real
// news feeds under ../../shared/testdata (af, de, el, en, es, fr, hi, it,
// pt, ru, sk, sv, ur, zh), read with a few regular expressions rather than a
// feed parser, plus a handful of lines in the scripts the feeds lack (Arabic,
// Japanese, Korean, Turkish).
const sharedTestdata = "../../shared/testdata"

var (
	reItem    = regexp.MustCompile(`(?s)<(?:item|entry)[\s>].*?</(?:item|entry)>`)
	reTitle   = regexp.MustCompile(`(?s)<title[^>]*>(.*?)</title>`)
	reSummary = regexp.MustCompile(`(?s)<(?:description|summary)[^>]*>(.*?)</(?:description|summary)>`)
	reContent = regexp.MustCompile(`(?s)<(?:content:encoded|content)[^>]*>(.*?)</(?:content:encoded|content)>`)
	reLang    = regexp.MustCompile(`<(?:dc:)?language>\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)|xml:lang="([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)"`)
)

// feedLang returns the language a feed declares, as the poller would pass
// it on ("" when none).
func feedLang(feed string) string {
	m := reLang.FindStringSubmatch(feed)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1] + m[2])
}

// xmlText returns an element's text as a feed parser would: CDATA as is,
// otherwise with the XML escaping undone (which leaves the HTML).
func xmlText(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<![CDATA[") {
		return strings.TrimSuffix(strings.TrimPrefix(s, "<![CDATA["), "]]>")
	}
	return html.UnescapeString(s)
}

func latin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func first(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return xmlText(m[1])
	}
	return ""
}

var extraArticles = []doc{
	{Lang: "ar", Title: "وفنزويلا تتهم الولايات المتحدة", Content: "<p>قال الرئيس الفنزويلي نيكولاس مادورو إن بلاده لن تخضع للضغوط الأمريكية في منطقة الكاريبي، وإن روسيا والصين تدعمان فنزويلا.</p>"},
	{Lang: "ja", Title: "ベネズエラ情勢", Content: "<p>ベネズエラのマドゥロ大統領は、カリブ海での米軍の展開を非難した。ロシアのプーチン大統領と電話で会談した。</p>"},
	{Lang: "ko", Title: "베네수엘라 대통령", Content: "<p>니콜라스 마두로 베네수엘라 대통령은 카리브해에서의 미군 작전을 비난했다. 러시아와 중국은 지지를 표명했다.</p>"},
	{Lang: "tr", Title: "Venezuela'nın petrol ihracatı", Content: "<p>Venezuela Devlet Başkanı Nicolás Maduro, Karayip'teki ABD operasyonlarını eleştirdi. Rusya ve Çin destek verdi.</p>"},
}

// corpus returns the benchmark articles, read once.
var corpus = sync.OnceValues(func() ([]doc, error) {
	if _, err := os.Stat(sharedTestdata); err != nil {
		return nil, fmt.Errorf("read the benchmark corpus: %w", err)
	}
	var arts []doc
	seeds, err := filepath.Glob(filepath.Join(sharedTestdata, "articles", "*.txt"))
	if err != nil {
		return nil, err
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		title, body, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		arts = append(arts, doc{Title: title, Content: body, Lang: "de"})
	}
	root := filepath.Join(sharedTestdata, "feeds", "news")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".xml", ".rdf", ".atom", ".rss":
		default:
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		feed := latin1(b)
		lang := feedLang(feed)
		for _, item := range reItem.FindAllString(feed, -1) {
			a := doc{Title: first(reTitle, item), Summary: first(reSummary, item), Content: first(reContent, item), Lang: lang}
			if a.Title+a.Summary+a.Content != "" {
				arts = append(arts, a)
			}
		}
		return nil
	})
	arts = append(arts, extraArticles...)
	return arts, err
})

// benchCorpus returns the corpus, skipping the benchmark without the shared
// test data next to the repository.
func benchCorpus(b *testing.B) []doc {
	b.Helper()
	arts, err := corpus()
	if errors.Is(err, fs.ErrNotExist) {
		b.Skipf("no benchmark corpus: %v", err)
	}
	require.NoError(b, err)
	return arts
}

func corpusBytes(arts []doc) int64 {
	var n int64
	for _, a := range arts {
		n += int64(len(a.Title) + len(a.Summary) + len(a.Content))
	}
	return n
}

// benchEntities is a configuration like the labelled test set's plus
// generated people, on top of which the benchmarks switch the CLDR country
// gazetteer on: about 29,000 names in all.
func benchEntities(people int) []Entity {
	ents := []Entity{
		{ID: "venezuela", Kind: "place", Country: "VE", Names: map[string][]string{
			"en": {"Venezuelan*"}, "de": {"Venezuela*", "Venezolan*"}, "ru": {"Венесуэл*"}, "ar": {"فنزويل*"},
		}},
		{ID: "caribbean", Kind: "place", Names: map[string][]string{
			"en": {"Caribbean"}, "de": {"Karibik*"}, "fr": {"Caraïbes"}, "es": {"Caribe"}, "zh": {"加勒比"}, "ja": {"カリブ海"}, "ko": {"카리브"},
		}},
		{ID: "maduro", Kind: "person", Names: map[string][]string{"any": {"Nicolás Maduro", "Maduro", "Мадуро", "مادورو", "马杜罗", "マドゥロ", "마두로"}}},
		{ID: "putin", Kind: "person", Names: map[string][]string{"any": {"Putin*", "Vladimir Putin", "Путін*", "بوتين", "普京", "プーチン", "푸틴"}, "ru": {"Путин"}}},
		{ID: "opec", Kind: "org", Names: map[string][]string{"any": {"OPEC*", "ОПЕК", "أوبك", "欧佩克"}}},
	}
	first := []string{"Ana", "Boris", "Chen", "Dmitri", "Elena", "Farid", "Giulia", "Hiroshi", "Ingrid", "Jamal", "Katarzyna", "Luis", "Mei", "Nadia", "Olga", "Pedro"}
	last := []string{"Alvarez", "Brandt", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov"}
	cyr := []string{"Алексей", "Борис", "Виктор", "Галина", "Дмитрий", "Елена", "Иван", "Кирилл"}
	cyrLast := []string{"Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов"}
	for i := 0; i < people; i++ {
		f, l := first[i%len(first)], last[(i/len(first))%len(last)]
		suffix := fmt.Sprintf("%c%c", 'a'+rune(i/256%26), 'a'+rune(i/16%16))
		names := map[string][]string{"any": {f + " " + l + suffix}}
		if i%4 == 0 {
			names["ru"] = []string{cyr[i%len(cyr)] + " " + cyrLast[(i/8)%len(cyrLast)] + suffix}
		}
		if i%5 == 0 {
			names["de"] = []string{l + suffix + "*"}
		}
		ents = append(ents, Entity{ID: fmt.Sprintf("person-%d", i), Kind: "person", Names: names})
	}
	return ents
}

func benchMatcher(b *testing.B) *Matcher {
	b.Helper()
	m, err := NewMatcher(benchEntities(1000), Options{Countries: true})
	require.NoError(b, err)
	return m
}

// BenchmarkTag tags the whole corpus per iteration with the full gazetteer.
func BenchmarkTag(b *testing.B) {
	arts := benchCorpus(b)
	m := benchMatcher(b)
	for i := range arts { // steady state: scratch and stem cache warm
		tag(m, &arts[i])
	}
	b.SetBytes(corpusBytes(arts))
	b.ReportAllocs()
	b.ResetTimer()
	hits := 0
	for b.Loop() {
		for i := range arts {
			hits += len(tag(m, &arts[i]))
		}
	}
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for i := range arts {
			tag(m, &arts[i])
		}
	}))/float64(len(arts)), "allocs/article")
	b.ReportMetric(float64(hits)/float64(b.N), "mentions/op")
	b.ReportMetric(float64(len(arts)), "articles")
	b.ReportMetric(float64(m.Names()), "names")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(corpusBytes(arts)), "ns/byte")
}

// BenchmarkTagParallel is BenchmarkTag on every core.
func BenchmarkTagParallel(b *testing.B) {
	arts := benchCorpus(b)
	m := benchMatcher(b)
	for i := range arts {
		tag(m, &arts[i])
	}
	b.SetBytes(corpusBytes(arts))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			for i := range arts {
				tag(m, &arts[i])
			}
		}
	})
}

// baselineBytes bounds the naive baseline's share of the corpus: one
// regular expression per name over the whole corpus would take hours.
const baselineBytes = 8 << 10

// BenchmarkTagRegexpBaseline runs the naive approach, one case-insensitive
// regular expression per name (?i)\bname\b, over the first articles of the
// corpus; MB/s compares with BenchmarkTag.
func BenchmarkTagRegexpBaseline(b *testing.B) {
	arts := benchCorpus(b)
	m := benchMatcher(b)
	res := make([]*regexp.Regexp, 0, len(m.names))
	for _, n := range m.names {
		res = append(res, regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(strings.TrimSuffix(n.text, "*"))+`\b`))
	}
	// Every fifth article until the budget is spent: a mix of the feeds.
	var sub []doc
	for i := 0; i < len(arts) && corpusBytes(sub) < baselineBytes; i += 5 {
		sub = append(sub, arts[i])
	}
	b.SetBytes(corpusBytes(sub))
	b.ResetTimer()
	for b.Loop() {
		for _, a := range sub {
			for _, re := range res {
				re.FindAllStringIndex(a.Title, -1)
				re.FindAllStringIndex(a.Summary, -1)
				re.FindAllStringIndex(a.Content, -1)
			}
		}
	}
	b.ReportMetric(float64(len(res)), "regexps")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(corpusBytes(sub)), "ns/byte")
}

// BenchmarkBuild compiles the matcher: the full CLDR gazetteer with the
// configuration above, and 10,000 names.
func BenchmarkBuild(b *testing.B) {
	b.Run("gazetteer", func(b *testing.B) {
		ents := benchEntities(1000)
		_, err := NewMatcher(ents, Options{Countries: true}) // CLDR tables and the fold table, built once per process
		require.NoError(b, err)
		b.ResetTimer()
		var m *Matcher
		for b.Loop() {
			m, err = NewMatcher(ents, Options{Countries: true})
		}
		require.NoError(b, err)
		b.ReportMetric(float64(m.Names()), "names")
	})
	b.Run("10k", func(b *testing.B) {
		ents := tenThousandNames(b)
		b.ResetTimer()
		var m *Matcher
		var err error
		for b.Loop() {
			m, err = NewMatcher(ents, Options{})
		}
		require.NoError(b, err)
		require.Equal(b, 10000, m.Names())
		b.ReportMetric(float64(m.Names()), "names")
	})
}

// tenThousandNames returns entities with exactly 10,000 names: CLDR country
// names in every language, then generated people.
func tenThousandNames(tb testing.TB) []Entity {
	var ents []Entity
	n := 0
	ct := countries()
	for _, code := range ct.codes {
		names := map[string][]string{}
		for _, cn := range ct.names[code] {
			if n == 8000 {
				break
			}
			names[cn.lang] = append(names[cn.lang], cn.name)
			n++
		}
		if len(names) > 0 {
			ents = append(ents, Entity{ID: strings.ToLower(code), Kind: "place", Names: names})
		}
	}
	people := benchEntities(2000)[5:]
	for _, e := range people {
		if n == 10000 {
			break
		}
		names := map[string][]string{"any": e.Names["any"]}
		n++
		ents = append(ents, Entity{ID: e.ID, Kind: e.Kind, Names: names})
	}
	m, err := NewMatcher(ents, Options{})
	require.NoError(tb, err)
	require.Equal(tb, 10000, m.Names())
	return ents
}
