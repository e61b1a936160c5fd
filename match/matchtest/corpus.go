// Package matchtest holds what the benchmarks of the text matcher and of
// the tagging stage share: the corpus of real news articles.
package matchtest

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
)

// Doc is an article of the corpus.
type Doc struct{ Title, Summary, Content, Lang string }

// The benchmark corpus: the shared seed articles and the items of the real
// news feeds under ../../shared/testdata (af, de, el, en, es, fr, hi, it,
// pt, ru, sk, sv, ur, zh), read with a few regular expressions rather than a
// feed parser, plus a handful of lines in the scripts the feeds lack (Arabic,
// Japanese, Korean, Turkish).
// sharedTestdata is found from the package directory of the test that
// asks: beside the repository.
var sharedTestdata = findShared()

func findShared() string {
	for _, p := range []string{"../../shared/testdata", "../../../shared/testdata"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "../../shared/testdata"
}

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

var extraArticles = []Doc{
	{Lang: "ar", Title: "وفنزويلا تتهم الولايات المتحدة", Content: "<p>قال الرئيس الفنزويلي نيكولاس مادورو إن بلاده لن تخضع للضغوط الأمريكية في منطقة الكاريبي، وإن روسيا والصين تدعمان فنزويلا.</p>"},
	{Lang: "ja", Title: "ベネズエラ情勢", Content: "<p>ベネズエラのマドゥロ大統領は、カリブ海での米軍の展開を非難した。ロシアのプーチン大統領と電話で会談した。</p>"},
	{Lang: "ko", Title: "베네수엘라 대통령", Content: "<p>니콜라스 마두로 베네수엘라 대통령은 카리브해에서의 미군 작전을 비난했다. 러시아와 중국은 지지를 표명했다.</p>"},
	{Lang: "tr", Title: "Venezuela'nın petrol ihracatı", Content: "<p>Venezuela Devlet Başkanı Nicolás Maduro, Karayip'teki ABD operasyonlarını eleştirdi. Rusya ve Çin destek verdi.</p>"},
}

// corpus is the benchmark articles, read once.
var corpus = sync.OnceValues(func() ([]Doc, error) {
	if _, err := os.Stat(sharedTestdata); err != nil {
		return nil, fmt.Errorf("read the benchmark corpus: %w", err)
	}
	var arts []Doc
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
		arts = append(arts, Doc{Title: title, Content: body, Lang: "de"})
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
			a := Doc{Title: first(reTitle, item), Summary: first(reSummary, item), Content: first(reContent, item), Lang: lang}
			if a.Title+a.Summary+a.Content != "" {
				arts = append(arts, a)
			}
		}
		return nil
	})
	arts = append(arts, extraArticles...)
	return arts, err
})

// Corpus returns the corpus, skipping the benchmark without the shared
// test data next to the repository. The caller may not change it.
func Corpus(b testing.TB) []Doc {
	b.Helper()
	arts, err := corpus()
	if errors.Is(err, fs.ErrNotExist) {
		b.Skipf("no benchmark corpus: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	return arts
}

// Bytes is the corpus's size: titles, summaries and content.
func Bytes(arts []Doc) int64 {
	var n int64
	for _, a := range arts {
		n += int64(len(a.Title) + len(a.Summary) + len(a.Content))
	}
	return n
}
