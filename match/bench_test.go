package match

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/match/matchtest"
)

// The benchmark corpus is matchtest's: real news articles.

// doc is an article as these tests and benchmarks write it.
type doc = matchtest.Doc

func benchCorpus(b *testing.B) []doc { return matchtest.Corpus(b) }

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
