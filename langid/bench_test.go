package langid

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type labelled struct{ lang, text string }

// readTSV reads a file of lines "code TAB text"; lines starting with # and
// empty ones are skipped.
func readTSV(tb testing.TB, path string) []labelled {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		require.True(tb, ok, "%s: no tab in %q", path, line)
		out = append(out, labelled{lang, text})
	}
	require.NoError(tb, sc.Err())
	return out
}

// newsTexts are the texts of testdata/news.tsv.
func newsTexts(tb testing.TB) []string {
	tb.Helper()
	var texts []string
	for _, l := range readTSV(tb, "testdata/news.tsv") {
		texts = append(texts, l.text)
	}
	return texts
}

// article is a long text: a German news article of about 1,400 runes, of
// which Detect examines the first 1,000.
const article = `Der Bundestag hat am Donnerstag mit knapper Mehrheit eine Reform des
Wahlrechts beschlossen, die die Zahl der Abgeordneten dauerhaft auf 630
begrenzen soll. Überhang- und Ausgleichsmandate fallen weg; wer in einem
Wahlkreis die meisten Stimmen erhält, zieht künftig nur dann ins Parlament
ein, wenn seine Partei nach dem Zweitstimmenergebnis genügend Sitze
bekommt. Die Opposition kündigte an, vor dem Bundesverfassungsgericht in
Karlsruhe zu klagen. Sie sieht vor allem kleinere Parteien mit starken
regionalen Hochburgen benachteiligt. Die Koalition verteidigte das Gesetz
als überfällig: Seit Jahren sei der Bundestag mit jeder Wahl größer
geworden, die Kosten für Mitarbeiter, Büros und Sitzungssäle seien
entsprechend gestiegen. Auch der Bund der Steuerzahler begrüßte die
Entscheidung, mahnte aber, die Verkleinerung dürfe nicht zu Lasten der
Bürgernähe gehen. In den Ländern wird nun darüber diskutiert, ob ähnliche
Regeln auch für die Landtage gelten sollten. Mehrere Ministerpräsidenten
äußerten sich zurückhaltend und verwiesen auf unterschiedliche
Wahlsysteme. Politikwissenschaftler erwarten, dass die Reform bereits bei
der nächsten Bundestagswahl angewendet wird, sofern das Gericht sie nicht
vorher stoppt. Eine Entscheidung aus Karlsruhe wird frühestens im Herbst
erwartet; bis dahin bleibt offen, nach welchem Recht gewählt wird.`

func BenchmarkDetectArticle(b *testing.B) {
	d, err := New()
	require.NoError(b, err)
	text := plain(article) // the bytes Detect examines
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(article)
	}
}

// BenchmarkDetectHigh is BenchmarkDetectArticle without the early stop.
func BenchmarkDetectHigh(b *testing.B) {
	d, err := New(WithHighAccuracy())
	require.NoError(b, err)
	text := plain(article)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(article)
	}
}

func BenchmarkDetectParallel(b *testing.B) {
	d, err := New()
	require.NoError(b, err)
	texts := newsTexts(b)
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	b.SetBytes(int64(size / len(texts)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			d.Detect(texts[i%len(texts)])
		}
	})
}

// BenchmarkNew is the cost of a detector once the model is parsed.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseModel is the one-off cost of the first New.
func BenchmarkParseModel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseModel(modelFile); err != nil {
			b.Fatal(err)
		}
	}
}
