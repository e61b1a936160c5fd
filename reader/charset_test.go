package reader

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// encode returns s in the named charset, for building test bodies.
func encode(t *testing.T, charset, s string) []byte {
	t.Helper()
	var enc encoding.Encoding
	switch charset {
	case "utf-16le":
		enc = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case "utf-16be":
		enc = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case "utf-32le":
		enc = utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case "utf-32be":
		enc = utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	default:
		var err error
		enc, err = htmlindex.Get(charset)
		require.NoError(t, err, charset)
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err, charset)
	return b
}

// rss wraps a title in a minimal RSS document after an optional prolog.
func rss(prolog, title string) string {
	return prolog + "<rss version=\"2.0\"><channel><title>" + title + "</title></channel></rss>"
}

func TestToUTF8Charsets(t *testing.T) {
	t.Parallel()
	const want = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + "<rss version=\"2.0\"><channel><title>%s</title></channel></rss>"
	decl := func(enc string) string { return `<?xml version="1.0" encoding="` + enc + `"?>` }
	tests := []struct {
		name        string
		body        func(t *testing.T) []byte
		contentType string
		title       string // the title the output must carry
	}{
		{
			name:  "utf-8 without declaration",
			body:  func(*testing.T) []byte { return []byte(rss("", "Größe € 中文")) },
			title: "Größe € 中文",
		},
		{
			name:  "utf-8 bom",
			body:  func(*testing.T) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, rss(decl("utf-8"), "café")...) },
			title: "café",
		},
		{
			name: "utf-8 bom beats a latin-1 declaration",
			body: func(*testing.T) []byte {
				return append([]byte{0xEF, 0xBB, 0xBF}, rss(decl("iso-8859-1"), "café")...)
			},
			title: "café",
		},
		{
			name: "utf-16le bom",
			body: func(t *testing.T) []byte {
				return append([]byte{0xFF, 0xFE}, encode(t, "utf-16le", rss(decl("utf-16"), "Привет"))...)
			},
			title: "Привет",
		},
		{
			name: "utf-16be bom",
			body: func(t *testing.T) []byte {
				return append([]byte{0xFE, 0xFF}, encode(t, "utf-16be", rss(decl("utf-16"), "Привет"))...)
			},
			title: "Привет",
		},
		{
			name: "utf-32le bom",
			body: func(t *testing.T) []byte {
				return append([]byte{0xFF, 0xFE, 0, 0}, encode(t, "utf-32le", rss(decl("utf-32"), "日本語"))...)
			},
			title: "日本語",
		},
		{
			name: "utf-32be bom",
			body: func(t *testing.T) []byte {
				return append([]byte{0, 0, 0xFE, 0xFF}, encode(t, "utf-32be", rss(decl("utf-32"), "日本語"))...)
			},
			title: "日本語",
		},
		{
			name:  "utf-16le without bom",
			body:  func(t *testing.T) []byte { return encode(t, "utf-16le", rss(decl("utf-16"), "Ελλάδα")) },
			title: "Ελλάδα",
		},
		{
			name:  "utf-16be without bom or declaration",
			body:  func(t *testing.T) []byte { return encode(t, "utf-16be", rss("\n", "Ελλάδα")) },
			title: "Ελλάδα",
		},
		{
			name:  "utf-32le without bom",
			body:  func(t *testing.T) []byte { return encode(t, "utf-32le", rss(decl("utf-32"), "한국어")) },
			title: "한국어",
		},
		{
			name:  "utf-32be without bom",
			body:  func(t *testing.T) []byte { return encode(t, "utf-32be", rss(decl("utf-32"), "한국어")) },
			title: "한국어",
		},
		{
			name:  "undeclared latin-1",
			body:  func(t *testing.T) []byte { return encode(t, "iso-8859-1", rss("", "Müller à Zürich")) },
			title: "Müller à Zürich",
		},
		{
			name:  "undeclared windows-1252 quotes",
			body:  func(t *testing.T) []byte { return encode(t, "windows-1252", rss("", "„Zitat“ – don’t")) },
			title: "„Zitat“ – don’t",
		},
		{
			name:  "declared utf-8 but latin-1 bytes",
			body:  func(t *testing.T) []byte { return encode(t, "windows-1252", rss(decl("UTF-8"), "Señor Müller")) },
			title: "Señor Müller",
		},
		{
			name: "http utf-8 but bytes follow the declaration",
			body: func(t *testing.T) []byte {
				return encode(t, "windows-1251", rss(decl("windows-1251"), "Новости"))
			},
			contentType: "application/rss+xml; charset=utf-8",
			title:       "Новости",
		},
		{
			name:        "http charset beats the declaration",
			body:        func(t *testing.T) []byte { return encode(t, "koi8-r", rss(decl("windows-1251"), "Москва")) },
			contentType: "text/xml; charset=KOI8-R",
			title:       "Москва",
		},
		{
			name:        "malformed http charset still read",
			body:        func(t *testing.T) []byte { return encode(t, "iso-8859-7", rss("", "Αθήνα")) },
			contentType: "text/xml;charset = 'iso-8859-7'",
			title:       "Αθήνα",
		},
		{
			name:        "unknown http charset falls to the declaration",
			body:        func(t *testing.T) []byte { return encode(t, "iso-8859-7", rss(decl("iso-8859-7"), "Αθήνα")) },
			contentType: "text/xml; charset=bogus",
			title:       "Αθήνα",
		},
		{
			name:  "unknown declaration falls to sniffing",
			body:  func(*testing.T) []byte { return []byte(rss(decl("bogus"), "ok ✓")) },
			title: "ok ✓",
		},
		{
			name:  "valid utf-8 beats a legacy label",
			body:  func(*testing.T) []byte { return []byte(rss(decl("ISO-8859-1"), "Ärger über Öl")) },
			title: "Ärger über Öl",
		},
		{
			name:  "declared utf-16 on single-byte text",
			body:  func(*testing.T) []byte { return []byte(rss(decl("utf-16"), "plain")) },
			title: "plain",
		},
		{name: "gb2312", body: func(t *testing.T) []byte { return encode(t, "gbk", rss(decl("gb2312"), "中文新闻")) }, title: "中文新闻"},
		{name: "big5", body: func(t *testing.T) []byte { return encode(t, "big5", rss(decl("big5"), "中文新聞")) }, title: "中文新聞"},
		{name: "euc-jp", body: func(t *testing.T) []byte { return encode(t, "euc-jp", rss(decl("EUC-JP"), "日本のニュース")) }, title: "日本のニュース"},
		{name: "shift_jis", body: func(t *testing.T) []byte {
			return encode(t, "shift_jis", rss(decl("Shift_JIS"), "日本のニュース"))
		}, title: "日本のニュース"},
		{name: "euc-kr", body: func(t *testing.T) []byte { return encode(t, "euc-kr", rss(decl("euc-kr"), "한국 뉴스")) }, title: "한국 뉴스"},
		{name: "koi8-r", body: func(t *testing.T) []byte { return encode(t, "koi8-r", rss(decl("koi8-r"), "Новости")) }, title: "Новости"},
		{name: "windows-1251", body: func(t *testing.T) []byte {
			return encode(t, "windows-1251", rss(decl("windows-1251"), "Новости"))
		}, title: "Новости"},
		{name: "windows-1255", body: func(t *testing.T) []byte { return encode(t, "windows-1255", rss(decl("windows-1255"), "חדשות")) }, title: "חדשות"},
		{name: "tis-620", body: func(t *testing.T) []byte { return encode(t, "windows-874", rss(decl("TIS-620"), "ข่าว")) }, title: "ข่าว"},
		{name: "iso-8859-7", body: func(t *testing.T) []byte { return encode(t, "iso-8859-7", rss(decl("iso-8859-7"), "Ειδήσεις")) }, title: "Ειδήσεις"},
		{name: "iso-8859-2", body: func(t *testing.T) []byte { return encode(t, "iso-8859-2", rss(decl("iso-8859-2"), "Łódź")) }, title: "Łódź"},
		{name: "single-quoted declaration", body: func(t *testing.T) []byte {
			return encode(t, "iso-8859-15", rss(`<?xml version='1.0' encoding='iso-8859-15'?>`, "€uro"))
		}, title: "€uro"},
		{
			name:  "c1 controls read as windows-1252",
			body:  func(*testing.T) []byte { return []byte(rss("", "don\u0092t \u0080")) },
			title: "don’t €",
		},
		{
			name:  "illegal control characters stripped",
			body:  func(*testing.T) []byte { return []byte(rss("", "a\x00b\x0bc\x1fd\tok")) },
			title: "abcd\tok",
		},
		{
			name:  "junk before the declaration",
			body:  func(*testing.T) []byte { return []byte(rss("\n\n  garbage \xef\xbb\xbf"+decl("utf-8"), "x")) },
			title: "x",
		},
		{
			name:  "whitespace before the root",
			body:  func(*testing.T) []byte { return []byte(rss(" \r\n\t ", "x")) },
			title: "x",
		},
		{
			name:  "broken declaration replaced",
			body:  func(*testing.T) []byte { return []byte(rss(`<?xml?xml version="1.0" encoding="UTF-8" ??>`, "x")) },
			title: "x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ToUTF8(tt.body(t), tt.contentType)
			require.NoError(t, err)
			assert.True(t, utf8.Valid(got))
			assert.Equal(t, strings.Replace(want, "%s", tt.title, 1), string(got))
		})
	}
}

func TestToUTF8Prolog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want string
	}{
		{
			name: "comments, stylesheet and doctype kept, declaration replaced",
			body: "<!-- generated -->\n<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone=\"yes\"?>\n" +
				"<?xml-stylesheet href=\"s.xsl\"?>\n<!DOCTYPE rss [<!ENTITY x \"y\">]>\n<rss/>",
			want: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generated -->\n<?xml-stylesheet href=\"s.xsl\"?>\n" +
				"<!DOCTYPE rss [<!ENTITY x \"y\">]>\n<rss/>",
		},
		{
			name: "html doctype before an atom root is not an html page",
			body: "<?xml version=\"1.0\"?>\n<!DOCTYPE html><feed xmlns=\"http://www.w3.org/2005/Atom\"/>",
			want: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"/>",
		},
		{
			name: "json feed passed through",
			body: "\ufeff \n{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"Zoë\"}",
			want: "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"Zoë\"}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ToUTF8([]byte(tt.body), "")
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestToUTF8NotFeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		reason string
	}{
		{name: "empty", body: "", reason: "not a feed: empty body"},
		{name: "whitespace only", body: " \r\n\t ", reason: "not a feed: empty body"},
		{name: "bom only", body: "\xef\xbb\xbf\n", reason: "not a feed: empty body"},
		{name: "nul bytes only", body: "\x00\x00\x00", reason: "not a feed: empty body"},
		{name: "html doctype", body: "<!DOCTYPE html>\n<html><head><title>Moved</title></head></html>", reason: "not a feed: HTML page"},
		{name: "html without doctype", body: "\n<HTML><BODY>Object moved</BODY></HTML>", reason: "not a feed: HTML page"},
		{name: "html head fragment", body: "<head><title>Document Moved</title></head><body></body>", reason: "not a feed: HTML page"},
		{name: "xhtml", body: "<?xml version=\"1.0\"?><!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\"><html xmlns=\"http://www.w3.org/1999/xhtml\"/>", reason: "not a feed: HTML page"},
		{name: "html doctype alone", body: "<!doctype html>", reason: "not a feed: HTML page"},
		{name: "plain text", body: "Service Unavailable", reason: "not a feed: no XML root element or JSON object"},
		{name: "comment only", body: "<!-- nothing here -->", reason: "not a feed: no XML root element or JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ToUTF8([]byte(tt.body), "text/html; charset=utf-8")
			require.ErrorIs(t, err, ErrNotFeed)
			assert.EqualError(t, err, tt.reason)
		})
	}
}

func TestLookupCharset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		label string
		want  string
	}{
		{name: "latin-1 read as windows-1252", label: "ISO-8859-1", want: "windows-1252"},
		{name: "gb2312 read as gbk", label: "gb2312", want: "gbk"},
		{name: "quoted", label: `"utf-8"`, want: "utf-8"},
		{name: "tis-620", label: "tis-620", want: "windows-874"},
		{name: "iana only", label: "IBM037", want: "ibm037"},
		{name: "unknown", label: "bogus", want: ""},
		{name: "replacement refused", label: "iso-2022-kr", want: ""},
		{name: "empty", label: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, name := lookupCharset(tt.label)
			assert.Equal(t, tt.want, name)
			assert.Equal(t, tt.want != "", enc != nil)
		})
	}
}

// fuzzSeeds returns the local test feeds and, when present, the small files
// of the shared corpus, to seed fuzz targets.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	paths, err := filepath.Glob("testdata/feeds/*")
	require.NoError(f, err)
	if _, err := os.Stat(sharedFeeds); err == nil {
		paths = append(paths, corpusInputs(f)...)
	}
	// Small seeds, and not too many: the fuzzer runs and minimises them
	// first, and large ones would take its whole budget.
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		if len(b) <= maxFuzzSeed && len(seeds) < maxFuzzSeeds {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// Bounds of the feed fuzzers' seeds and inputs.
const (
	maxFuzzSeed  = 2 << 10
	maxFuzzSeeds = 40
	maxFuzzInput = 64 << 10
)

func FuzzToUTF8(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b, "")
	}
	f.Add([]byte("<rss/>"), "text/xml; charset=shift_jis")
	f.Add([]byte{0xFF, 0xFE, '<', 0}, "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		if len(body) > maxFuzzInput {
			return
		}
		out, err := ToUTF8(body, contentType)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "not a feed: ") {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if !utf8.Valid(out) {
			t.Fatalf("output is not valid UTF-8: %q", out)
		}
		if bytes.IndexFunc(out, isIllegalXMLChar) >= 0 {
			t.Fatalf("output keeps a character XML forbids: %q", out)
		}
	})
}

// Invalid UTF-8 before the encoding name must not shift where it is read
// (found by FuzzToUTF8: a panic on `<?Xml \xc4\xc4enCoding?>`).
func TestXMLDeclEncodingInvalidUTF8(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "", xmlDeclEncoding([]byte("<?Xml \xc4\xc4enCoding?>")))
	assert.Equal(t, "ISO-8859-1", xmlDeclEncoding([]byte("<?xml \xc4\xc4 version=\"1.0\" encoding=\"ISO-8859-1\"?><rss/>")))
	assert.Equal(t, "koi8-r", httpCharset("text/xml; \xff\xfe CHARSET=koi8-r"))
}
