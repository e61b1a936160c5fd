//go:build langeval

// Package langeval compares Go language-detection libraries on short news
// texts: accuracy (overall, by length and by language), heap after loading,
// load time and detection speed (time, MB/s and allocations per text). The
// candidates are mediawatch's own detector (package langid, "langid"; with
// WithHighAccuracy, "langid-high"), lingua-go in its high- and low-accuracy
// modes over all its languages, langid's 45 and the 17 of the labelled
// set, and whatlanggo. It is a separate module so that the libraries that
// lost do not become dependencies of mediawatch, and it sits behind the
// langeval build tag so that nothing runs it by accident (the full lingua
// model set needs about 2 GB):
//
//	cd langid/langeval && go test -tags langeval -run TestCompare -v -timeout 30m
//
// LANGEVAL_ONLY=langid,lingua-news-low (candidate names, comma-separated)
// measures only those. Each candidate is measured in a child process of its
// own, because lingua keeps its models in package-level caches that would
// otherwise be shared between candidates.
//
// The module also holds the generator of langid's model (gen/, run with
// `go run ./gen` from this directory), because it reads lingua-go's model
// files, which mediawatch itself no longer requires.
package langeval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/pemistahl/lingua-go"

	"github.com/mediawatch/mediawatch/langid"
)

// newsLanguages are the ~45 languages of the world's larger news markets
// that lingua knows: the subset the mediawatch detector would load.
var newsLanguages = []string{
	"ar", "bg", "bn", "bs", "ca", "cs", "da", "de", "el", "en", "es", "et",
	"fa", "fi", "fr", "he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt",
	"lv", "ms", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sq", "sr",
	"sv", "sw", "th", "tr", "uk", "ur", "vi", "zh", "az",
}

// labelledLanguages are the 17 languages of the tagger's labelled set.
var labelledLanguages = []string{
	"ar", "de", "el", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt",
	"ru", "sv", "tr", "uk", "zh",
}

type detectFunc func(text string) (lang string, confidence float64)

type candidate struct {
	name  string
	build func() detectFunc
}

func linguaLangs(codes []string) []lingua.Language {
	var out []lingua.Language
	for _, c := range codes {
		l := lingua.GetLanguageFromIsoCode639_1(lingua.GetIsoCode639_1FromValue(strings.ToUpper(c)))
		if l == lingua.Unknown {
			panic("lingua does not know " + c)
		}
		out = append(out, l)
	}
	return out
}

func linguaCandidate(langs []lingua.Language, low bool) func() detectFunc {
	return func() detectFunc {
		b := lingua.NewLanguageDetectorBuilder().FromLanguages(langs...).WithPreloadedLanguageModels()
		if low {
			b = b.WithLowAccuracyMode()
		}
		d := b.Build()
		return func(text string) (string, float64) {
			vs := d.ComputeLanguageConfidenceValues(text)
			if len(vs) == 0 || vs[0].Value() == 0 {
				return "", 0
			}
			return strings.ToLower(vs[0].Language().IsoCode639_1().String()), vs[0].Value()
		}
	}
}

// langidCandidate is mediawatch's own detector (package langid) over its
// default languages, the same 45 as lingua-news-*.
func langidCandidate(opts ...langid.Option) func() detectFunc {
	return func() detectFunc {
		d, err := langid.New(opts...)
		if err != nil {
			panic(err)
		}
		return d.Detect
	}
}

var candidates = []candidate{
	{"langid", langidCandidate()},
	{"langid-high", langidCandidate(langid.WithHighAccuracy())},
	{"lingua-all-high", linguaCandidate(lingua.AllLanguages(), false)},
	{"lingua-all-low", linguaCandidate(lingua.AllLanguages(), true)},
	{"lingua-news-high", linguaCandidate(linguaLangs(newsLanguages), false)},
	{"lingua-news-low", linguaCandidate(linguaLangs(newsLanguages), true)},
	{"lingua-17-high", linguaCandidate(linguaLangs(labelledLanguages), false)},
	{"whatlanggo", func() detectFunc {
		return func(text string) (string, float64) {
			info := whatlanggo.Detect(text)
			return info.Lang.Iso6391(), info.Confidence
		}
	}},
}

type sample struct{ lang, text string }

// loadSamples reads the project's own short news texts: the language
// detection set and the entity matcher's labelled set.
func loadSamples(t *testing.T) []sample {
	t.Helper()
	var out []sample
	f, err := os.Open("../testdata/news.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("news.tsv: no tab in %q", line)
		}
		out = append(out, sample{lang, text})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	g, err := os.Open("../../match/testdata/labelled.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	sc = bufio.NewScanner(g)
	for sc.Scan() {
		var c struct{ Lang, Text string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{c.Lang, c.Text})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// result is what a child process reports for one candidate.
type result struct {
	Name        string         `json:"name"`
	HeapMB      float64        `json:"heap_mb"`
	RSSMB       float64        `json:"rss_mb"`
	LoadSeconds float64        `json:"load_s"`
	NsPerText   float64        `json:"ns_per_text"`
	MBPerSecond float64        `json:"mb_per_s"`
	AllocsText  float64        `json:"allocs_per_text"`
	BytesText   float64        `json:"bytes_per_text"`
	Correct     map[string]int `json:"correct"` // by bucket, and by "lang:" + language
	Total       map[string]int `json:"total"`
	Errors      []string       `json:"errors"`
}

func bucket(text string) string {
	switch n := utf8.RuneCountInString(text); {
	case n < 40:
		return "<40"
	case n < 80:
		return "40-79"
	default:
		return ">=80"
	}
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// TestChild measures one candidate; TestCompare runs it in a fresh process.
func TestChild(t *testing.T) {
	name := os.Getenv("LANGEVAL_CANDIDATE")
	if name == "" {
		t.Skip("run by TestCompare")
	}
	var c *candidate
	for i := range candidates {
		if candidates[i].name == name {
			c = &candidates[i]
		}
	}
	if c == nil {
		t.Fatalf("no candidate %q", name)
	}
	samples := loadSamples(t)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	detect := c.build()
	load := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)

	r := result{
		Name:        name,
		HeapMB:      max(0, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20)),
		RSSMB:       rssMB(),
		LoadSeconds: load.Seconds(),
		Correct:     map[string]int{},
		Total:       map[string]int{},
	}
	texts := make([]string, len(samples))
	size := 0
	for i, s := range samples {
		texts[i] = plain(s.text)
		size += len(texts[i])
	}
	for i, s := range samples {
		got, _ := detect(texts[i])
		buckets := []string{bucket(s.text), "all", "lang:" + s.lang}
		if slices.Contains(labelledLanguages, s.lang) {
			buckets = append(buckets, "17")
		}
		for _, b := range buckets {
			r.Total[b]++
			if got == s.lang {
				r.Correct[b]++
			}
		}
		if got != s.lang {
			r.Errors = append(r.Errors, fmt.Sprintf("%s→%s %s", s.lang, orDash(got), s.text))
		}
	}
	// Speed: enough rounds for about two seconds, at least one. The texts
	// are plain already, so only the detector's own work is measured.
	start = time.Now()
	for _, t := range texts {
		detect(t)
	}
	rounds := max(1, int(2*time.Second/max(time.Since(start), time.Microsecond)))
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start = time.Now()
	for range rounds {
		for _, t := range texts {
			detect(t)
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	calls := float64(rounds * len(texts))
	r.NsPerText = float64(elapsed.Nanoseconds()) / calls
	r.MBPerSecond = float64(rounds*size) / 1e6 / elapsed.Seconds()
	r.AllocsText = float64(m1.Mallocs-m0.Mallocs) / calls
	r.BytesText = float64(m1.TotalAlloc-m0.TotalAlloc) / calls

	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LANGEVAL %s\n", out)
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plain strips markup and decodes character references, as the mediawatch
// detector does before it asks the library.
func plain(s string) string {
	return html.UnescapeString(tags.ReplaceAllString(s, " "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func languageCount(t *testing.T) int {
	seen := map[string]bool{}
	for _, s := range loadSamples(t) {
		seen[s.lang] = true
	}
	return len(seen)
}

// baseline is the candidate the others are held against language by
// language: today's detector.
const baseline = "lingua-news-low"

// perLanguage is a table of every candidate's right answers per language;
// "(-n)" marks a language with 10 or more texts where a candidate gets n
// fewer right than the baseline.
func perLanguage(results []result) string {
	var langs []string
	for k := range results[0].Total {
		if l, ok := strings.CutPrefix(k, "lang:"); ok {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	var base *result
	for i := range results {
		if results[i].Name == baseline {
			base = &results[i]
		}
	}
	var b strings.Builder
	b.WriteString("\nright answers per language")
	if base != nil {
		fmt.Fprintf(&b, " ((-n): n fewer than %s on a language with 10+ texts)", baseline)
	}
	b.WriteString("\n\n| language | texts |")
	for _, r := range results {
		b.WriteString(" " + r.Name + " |")
	}
	b.WriteString("\n| --- | ---: |" + strings.Repeat(" ---: |", len(results)) + "\n")
	worse := map[string][]string{}
	for _, l := range langs {
		k := "lang:" + l
		n := results[0].Total[k]
		fmt.Fprintf(&b, "| %s | %d |", l, n)
		for _, r := range results {
			fmt.Fprintf(&b, " %d", r.Correct[k])
			if base != nil && n >= 10 && r.Correct[k] < base.Correct[k] {
				fmt.Fprintf(&b, " (-%d)", base.Correct[k]-r.Correct[k])
				worse[r.Name] = append(worse[r.Name], l)
			}
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	if base != nil {
		for _, r := range results {
			if r.Name == baseline {
				continue
			}
			if w := worse[r.Name]; len(w) > 0 {
				fmt.Fprintf(&b, "\n%s is worse than %s on: %s", r.Name, baseline, strings.Join(w, ", "))
			} else {
				fmt.Fprintf(&b, "\n%s is no worse than %s on any language with 10+ texts", r.Name, baseline)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestCompare measures every candidate and prints markdown tables.
func TestCompare(t *testing.T) {
	if os.Getenv("LANGEVAL_CANDIDATE") != "" {
		t.Skip("child")
	}
	only := os.Getenv("LANGEVAL_ONLY") // comma-separated candidate names
	var results []result
	for _, c := range candidates {
		if only != "" && !strings.Contains(","+only+",", ","+c.name+",") {
			continue
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
		cmd.Env = append(os.Environ(), "LANGEVAL_CANDIDATE="+c.name)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		var r result
		for _, line := range strings.Split(string(out), "\n") {
			if js, ok := strings.CutPrefix(line, "LANGEVAL "); ok {
				if err := json.Unmarshal([]byte(js), &r); err != nil {
					t.Fatal(err)
				}
			}
		}
		results = append(results, r)
	}

	var b strings.Builder
	total := results[0].Total
	fmt.Fprintf(&b, "\n%d texts in %d languages (<40 runes: %d, 40-79: %d, >=80: %d; in the 17 labelled languages: %d)\n\n",
		total["all"], languageCount(t), total["<40"], total["40-79"], total[">=80"], total["17"])
	b.WriteString("| candidate | accuracy | <40 | 40-79 | >=80 | 17 languages | heap after load | RSS | load | per text | MB/s | allocs/text | B/text |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	pct := func(r result, k string) string {
		return fmt.Sprintf("%.1f %%", 100*float64(r.Correct[k])/float64(r.Total[k]))
	}
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.0f MB | %.0f MB | %.3f s | %.1f µs | %.2f | %.1f | %.0f |\n",
			r.Name, pct(r, "all"), pct(r, "<40"), pct(r, "40-79"), pct(r, ">=80"), pct(r, "17"),
			r.HeapMB, r.RSSMB, r.LoadSeconds, r.NsPerText/1e3, r.MBPerSecond, r.AllocsText, r.BytesText)
	}
	b.WriteString(perLanguage(results))
	for _, r := range results {
		sort.Strings(r.Errors)
		fmt.Fprintf(&b, "\n%s: %d errors\n", r.Name, len(r.Errors))
		for _, e := range r.Errors {
			b.WriteString("  " + e + "\n")
		}
	}
	t.Log(b.String())
}
