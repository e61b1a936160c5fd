package langid

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newsCases are short news texts, each a headline and sometimes one
// sentence of summary.
var newsCases = []detectCase{
	{"english", "Rescue teams search for survivors after a landslide hits a mountain village", "en"},
	{"english summary", "Central bank holds rates. Policymakers said inflation was cooling faster than expected.", "en"},
	{"german", "Bundestag beschließt Reform des Wahlrechts. Die Opposition kündigt eine Klage an.", "de"},
	{"german short", "Unwetter in Bayern: Hunderte Keller überflutet", "de"},
	{"french", "Grève à la SNCF : le trafic sera très perturbé ce lundi", "fr"},
	{"french markup", "V&eacute;n&eacute;zu&eacute;la : l’opposition boycotte le scrutin", "fr"},
	{"spanish", "El Gobierno aprueba la subida del salario mínimo para el próximo año", "es"},
	{"portuguese", "Chuvas fortes deixam milhares de desalojados no Rio Grande do Sul", "pt"},
	{"italian", "Maltempo in Liguria, frane e strade chiuse in tutta la regione", "it"},
	{"dutch", "Boeren protesteren opnieuw tegen de stikstofregels van het kabinet", "nl"},
	{"swedish", "Riksbanken sänker styrräntan till 2,5 procent", "sv"},
	{"polish", "Sejm uchwalił nowelizację ustawy o mediach publicznych", "pl"},
	{"czech", "Sněmovna schválila zákon o podpoře bydlení pro mladé rodiny", "cs"},
	{"turkish", "Meclis yeni vergi düzenlemesini kabul etti", "tr"},
	{"russian", "Госдума приняла закон о маркетплейсах", "ru"},
	{"ukrainian", "Верховна Рада ухвалила закон про мобілізацію", "uk"},
	{"bulgarian", "Парламентът прие промени в Изборния кодекс", "bg"},
	{"greek", "Η Βουλή ψήφισε το νέο νομοσχέδιο για την παιδεία", "el"},
	{"arabic", "البرلمان يقر قانونا جديدا للاستثمار", "ar"},
	{"persian", "مجلس قانون جدید مالیات را تصویب کرد", "fa"},
	{"hebrew", "הכנסת אישרה את חוק הדיור החדש", "he"},
	{"hindi", "संसद ने नया शिक्षा विधेयक पारित किया", "hi"},
	{"chinese", "全国人大常委会审议通过新修订的教育法", "zh"},
	{"japanese", "台風の影響で数万世帯が停電", "ja"},
	{"korean", "정부, 내년도 예산안 국무회의 의결", "ko"},
	{"vietnamese", "Quốc hội thông qua luật đất đai sửa đổi", "vi"},
	{"indonesian", "Polisi menangkap tiga tersangka perampokan bank di Surabaya", "id"},
	{"thai", "รัฐบาลอนุมัติร่างงบประมาณปีหน้า", "th"},
}

// detectCase is a text and the language it is in.
type detectCase struct{ name, text, want string }

// checkDetect runs each case as a subtest: the language, and a confidence
// in (0, 1].
func checkDetect(t *testing.T, cases []detectCase) {
	t.Helper()
	d, err := New()
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lang, conf := d.Detect(tc.text)
			assert.Equal(t, tc.want, lang, tc.text)
			assert.Greater(t, conf, 0.0)
			assert.LessOrEqual(t, conf, 1.0)
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	checkDetect(t, newsCases)
}

func TestDetectUnknown(t *testing.T) {
	t.Parallel()
	d, err := New()
	require.NoError(t, err)
	for _, text := range []string{"", "   ", "2:1", "12 345,67 €", "<p><br/></p>", "&amp; &lt;&gt;", "OK"} {
		lang, conf := d.Detect(text)
		assert.Empty(t, lang, "%q", text)
		assert.Zero(t, conf, "%q", text)
	}
}

func TestWithLanguages(t *testing.T) {
	t.Parallel()
	d, err := New(WithLanguages("EN", "de", "de"))
	require.NoError(t, err)
	lang, _ := d.Detect("Le gouvernement présente son projet de budget")
	assert.Contains(t, []string{"en", "de"}, lang, "only loaded languages are answered")
	lang, _ = d.Detect("Die Regierung legt den Haushalt vor")
	assert.Equal(t, "de", lang)

	_, err = New(WithLanguages("en", "xx", "klingon"))
	require.ErrorIs(t, err, ErrUnknownLanguage)
	assert.ErrorContains(t, err, `"xx"`)
	assert.ErrorContains(t, err, `"klingon"`)

	_, err = New(WithLanguages("en"))
	require.Error(t, err)
	_, err = New(WithLanguages())
	require.Error(t, err)
}

func TestWithHighAccuracy(t *testing.T) {
	t.Parallel()
	d, err := New(WithLanguages("es", "pt", "ca"), WithHighAccuracy())
	require.NoError(t, err)
	lang, conf := d.Detect("Aeroporto de Veneza reabre após greve")
	assert.Equal(t, "pt", lang)
	assert.Greater(t, conf, 0.5)
}

func TestDetectConcurrent(t *testing.T) {
	t.Parallel()
	d, err := New()
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, tc := range newsCases {
				lang, _ := d.Detect(tc.text)
				assert.Equal(t, tc.want, lang, tc.text)
			}
		})
	}
	wg.Wait()
}

func TestPlain(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Breaking: Maduro & co", plain("<b>Breaking:</b> Maduro &amp; co"))
	long := make([]rune, 2*maxRunes)
	for i := range long {
		long[i] = 'ä'
	}
	assert.Len(t, []rune(plain(string(long))), maxRunes)
}

// BenchmarkDetect detects every text of testdata/news.tsv in turn; MB/s
// is of their bytes.
func BenchmarkDetect(b *testing.B) {
	d, err := New()
	require.NoError(b, err)
	texts := newsTexts(b)
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	b.SetBytes(int64(size / len(texts)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Detect(texts[i%len(texts)])
	}
}

func BenchmarkDetectLong(b *testing.B) {
	d, err := New()
	require.NoError(b, err)
	text := strings.Repeat(newsCases[1].text+" ", 5)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(text)
	}
}
