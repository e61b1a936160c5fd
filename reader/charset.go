package reader

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
)

// ErrNotFeed says a body is not a feed at all: an HTML page, an empty body,
// or a document with neither an XML root element nor a JSON object. Polling
// such a URL again will not help until someone fixes the feed's address.
var ErrNotFeed = errors.New("not a feed")

// utf8Decl is the XML declaration ToUTF8 puts in front of every XML
// document it returns, so that no parser downstream decodes the bytes a
// second time.
const utf8Decl = `<?xml version="1.0" encoding="UTF-8"?>`

// ToUTF8 turns a fetched body into UTF-8 that a feed parser can read as is.
// contentType is the HTTP Content-Type header ("" when unknown).
//
// The encoding is decided, strongest evidence first: a byte order mark
// (UTF-8, UTF-16, UTF-32); UTF-16 or UTF-32 without a mark, recognised by
// the pattern of zero bytes around the ASCII markup; the charset of the
// Content-Type; the encoding of the XML declaration; and last sniffing.
// A declared charset that the bytes contradict is passed over: a UTF-8
// label on bytes that are not UTF-8 moves on to the next declaration and
// then to windows-1252 (which also covers undeclared Latin-1), and a legacy
// label on bytes that are valid UTF-8 with non-ASCII characters yields to
// UTF-8, since legacy text practically never forms valid UTF-8 by chance.
// Unknown labels are ignored. Legacy charsets are those of the WHATWG
// encoding standard (GB2312/GBK, Big5, EUC-JP, Shift_JIS, EUC-KR, KOI8-R,
// windows-125x, TIS-620, ISO-8859-x, ...), then the IANA registry.
//
// For XML, anything before the first markup is dropped, the XML
// declaration is replaced by one that says UTF-8 (other processing
// instructions, comments and the doctype are kept) and characters that XML
// 1.0 forbids (C0 controls but tab, newline and carriage return; U+FFFE,
// U+FFFF) are removed. C1 controls (U+0080 to U+009F), which come from
// windows-1252 text mislabelled as ISO-8859-1, become the windows-1252
// characters they stand for. The result is always valid UTF-8.
//
// ToUTF8 fails with an error wrapping ErrNotFeed when the body is empty or
// blank, is an HTML page, or holds neither an XML element nor a JSON value.
func ToUTF8(body []byte, contentType string) ([]byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	text := stripIllegalChars(fixC1Controls(decodeText(body, contentType)))

	start := bytes.IndexFunc(text, func(r rune) bool { return !isBlank(r) })
	if start < 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	if c := text[start]; c == '{' || c == '[' {
		return text[start:], nil // JSON Feed
	}
	p := scanProlog(text)
	switch {
	case p.root < 0 && p.htmlDoctype:
		return nil, fmt.Errorf("%w: HTML page", ErrNotFeed)
	case p.root < 0:
		return nil, fmt.Errorf("%w: no XML root element or JSON object", ErrNotFeed)
	case isHTMLRoot(p.rootName):
		return nil, fmt.Errorf("%w: HTML page", ErrNotFeed)
	}
	var out bytes.Buffer
	out.Grow(len(utf8Decl) + len(text) - p.root + 1)
	out.WriteString(utf8Decl)
	out.WriteByte('\n')
	for _, part := range p.keep {
		out.Write(part)
		out.WriteByte('\n')
	}
	out.Write(text[p.root:])
	return out.Bytes(), nil
}

// isBlank reports whether r is white space or a byte order mark.
func isBlank(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\uFEFF':
		return true
	}
	return false
}

// isHTMLRoot reports whether a root element name belongs to an HTML page.
func isHTMLRoot(name string) bool {
	switch strings.ToLower(name) {
	case "html", "head", "body":
		return true
	}
	return false
}

// decodeText converts body to valid UTF-8 following the order of evidence
// that ToUTF8 documents.
func decodeText(body []byte, contentType string) []byte {
	if enc, n := bomEncoding(body); n > 0 {
		if enc == nil { // UTF-8
			return bytes.ToValidUTF8(body[n:], []byte("\uFFFD"))
		}
		return decodeWith(enc, body[n:])
	}
	if enc := sniffWide(body); enc != nil {
		return decodeWith(enc, body)
	}
	valid := utf8.Valid(body)
	for _, label := range []string{httpCharset(contentType), xmlDeclEncoding(body)} {
		enc, name := lookupCharset(label)
		switch {
		case enc == nil:
			continue // missing or unknown label
		case strings.HasPrefix(name, "utf-16"), strings.HasPrefix(name, "utf-32"):
			continue // the bytes have neither a BOM nor the zero bytes
		case name == "utf-8":
			if valid {
				return body
			}
			continue
		case valid && !isASCII(body):
			return body // valid UTF-8 beats a legacy label
		default:
			return decodeWith(enc, body)
		}
	}
	if valid {
		return body
	}
	return decodeWith(charmap.Windows1252, body)
}

// bomEncoding recognises a byte order mark. It returns the mark's length
// (0 when there is none) and its encoding, nil for UTF-8.
func bomEncoding(b []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return nil, 3
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	}
	return nil, 0
}

// sniffWide recognises UTF-16 and UTF-32 without a byte order mark by the
// zero bytes that pad the ASCII markup every feed starts with. It looks at
// the first 64 bytes and returns nil when they show no such pattern.
func sniffWide(b []byte) encoding.Encoding {
	n := min(len(b), 64) &^ 3
	if n < 4 {
		return nil
	}
	var zeros [4]int
	for i, c := range b[:n] {
		if c == 0 {
			zeros[i%4]++
		}
	}
	units := n / 4
	most := func(i int) bool { return zeros[i]*10 >= units*9 }
	few := func(i int) bool { return zeros[i]*10 <= units }
	switch {
	case most(0) && most(1) && most(2) && few(3):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case few(0) && most(1) && most(2) && most(3):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case most(0) && few(1) && most(2) && few(3):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case few(0) && most(1) && few(2) && most(3):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return nil
}

// decodeWith converts b from enc to valid UTF-8. Bytes enc cannot map
// become U+FFFD.
func decodeWith(enc encoding.Encoding, b []byte) []byte {
	out, _, err := transform.Bytes(enc.NewDecoder(), b)
	if err != nil {
		// The x/text decoders replace what they cannot decode, so this is
		// not expected; windows-1252 maps every byte and cannot fail.
		out, _, _ = transform.Bytes(charmap.Windows1252.NewDecoder(), b)
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD"))
}

// lookupCharset resolves a charset label to an encoding and its canonical
// lower-case name, per the WHATWG encoding standard (which reads
// ISO-8859-1 and US-ASCII as windows-1252, and GB2312 as GBK), then the
// IANA registry. It returns nil for an empty, unknown or unsupported label.
func lookupCharset(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil, ""
	}
	if enc, err := htmlindex.Get(label); err == nil {
		name, err := htmlindex.Name(enc)
		if err == nil && name != "replacement" && name != "x-user-defined" {
			return enc, name
		}
	}
	if enc, err := ianaindex.IANA.Encoding(label); err == nil && enc != nil {
		name, err := ianaindex.IANA.Name(enc)
		if err != nil {
			name = label
		}
		return enc, strings.ToLower(name)
	}
	return nil, ""
}

// httpCharset returns the charset parameter of a Content-Type header, or "".
func httpCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return params["charset"]
	}
	// A malformed header ("charset = x", "charset='x'") may still name one.
	lower := asciiLower(contentType) // same length: indexes into contentType
	i := strings.Index(lower, "charset")
	if i < 0 {
		return ""
	}
	v := strings.TrimLeft(contentType[i+len("charset"):], " \t")
	if !strings.HasPrefix(v, "=") {
		return ""
	}
	v = strings.TrimLeft(v[1:], " \t\"'")
	if j := strings.IndexAny(v, "\"'; \t"); j >= 0 {
		v = v[:j]
	}
	return v
}

// asciiLower lower-cases the ASCII letters of s and leaves every other
// byte alone, so that an index into the result is an index into s
// (strings.ToLower turns each invalid UTF-8 byte into three).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// xmlDeclEncoding returns the encoding pseudo-attribute of the XML
// declaration of an ASCII-compatible document, or "". It tolerates junk,
// comments and broken declarations such as `<?xml?xml version=...??>`.
func xmlDeclEncoding(b []byte) string {
	decl := scanProlog(b).decl
	if decl == nil {
		return ""
	}
	lower := []byte(asciiLower(string(decl))) // same length: indexes into decl
	i := bytes.Index(lower, []byte("encoding"))
	if i < 0 {
		return ""
	}
	v := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(v) == 0 || v[0] != '=' {
		return ""
	}
	v = bytes.TrimLeft(v[1:], " \t\r\n\"'")
	end := bytes.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == ':' ||
			'0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
	if end >= 0 {
		v = v[:end]
	}
	return string(v)
}

// prolog is what precedes the root element of an XML document.
type prolog struct {
	decl        []byte   // the first XML declaration, nil if none
	keep        [][]byte // comments, other processing instructions, doctype
	htmlDoctype bool     // a <!DOCTYPE html> was seen
	root        int      // offset of the root element's '<', -1 if none
	rootName    string   // the root element's name, with any prefix
}

// scanProlog walks the prolog of an XML document: it skips text that does
// not belong there (junk, stray characters, white space), notes the XML
// declaration and keeps the comments, processing instructions and doctype,
// and stops at the root element's start tag.
func scanProlog(b []byte) prolog {
	p := prolog{root: -1}
	i := 0
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return p
		}
		i += j
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return p
			}
			n := 4 + end + 3
			p.keep = append(p.keep, rest[:n])
			i += n
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return p
			}
			n := end + 2
			if isXMLDecl(rest[:n]) {
				if p.decl == nil {
					p.decl = rest[:n]
				}
			} else {
				p.keep = append(p.keep, rest[:n])
			}
			i += n
		case bytes.HasPrefix(rest, []byte("<!")):
			n := directiveLen(rest)
			if n < 0 {
				return p
			}
			if hasPrefixFold(rest, "<!doctype") {
				fields := strings.Fields(strings.ToLower(string(rest[len("<!doctype"):min(n, 64)])))
				if len(fields) > 0 && strings.TrimSuffix(fields[0], ">") == "html" {
					p.htmlDoctype = true
				}
				p.keep = append(p.keep, rest[:n])
			}
			i += n
		case len(rest) > 1 && isNameStart(rest[1]):
			p.root = i
			end := 1
			for end < len(rest) && isNameByte(rest[end]) {
				end++
			}
			p.rootName = string(rest[1:end])
			return p
		default:
			i++ // a stray '<'
		}
	}
	return p
}

// isXMLDecl reports whether a processing instruction is an XML declaration
// (target "xml", case-insensitively), rather than e.g. <?xml-stylesheet?>.
func isXMLDecl(pi []byte) bool {
	if !hasPrefixFold(pi, "<?xml") || len(pi) <= len("<?xml") {
		return false
	}
	switch pi[len("<?xml")] {
	case ' ', '\t', '\r', '\n', '?':
		return true
	}
	return false
}

// directiveLen returns the length of a <!...> directive such as a doctype,
// counting an internal subset in brackets and quoted strings, or -1 if it
// does not end.
func directiveLen(b []byte) int {
	depth := 0
	var quote byte
	for i := 2; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '>' && depth <= 0:
			return i + 1
		}
	}
	return -1
}

// hasPrefixFold reports whether b starts with the ASCII prefix, ignoring case.
func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// isNameStart reports whether c may start an XML element name. Any non-ASCII
// byte is accepted: it starts a multi-byte character.
func isNameStart(c byte) bool {
	return c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

// isNameByte reports whether c may continue an XML element name.
func isNameByte(c byte) bool {
	return isNameStart(c) || c == '-' || c == '.' || '0' <= c && c <= '9'
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripIllegalChars removes from valid UTF-8 text the characters XML 1.0
// does not allow: C0 controls other than tab, newline and carriage return,
// and the non-characters U+FFFE and U+FFFF. It returns b itself when there
// is nothing to remove.
func stripIllegalChars(b []byte) []byte {
	if !mayHoldIllegalChars(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if !isIllegalXMLChar(r) {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// fixC1Controls replaces the C1 control characters U+0080 to U+009F, which
// feeds never mean, with the windows-1252 characters that their code
// points stand for there (U+0092 becomes U+2019 ’): they are what text
// typed in windows-1252 and labelled ISO-8859-1 decodes to. It returns b
// itself when there is nothing to replace.
func fixC1Controls(b []byte) []byte {
	// In UTF-8, U+0080..U+009F are 0xC2 followed by 0x80..0x9F: a quick
	// look for the 0xC2 lead byte first.
	if bytes.IndexByte(b, 0xC2) < 0 || !bytes.ContainsFunc(b, func(r rune) bool { return r >= 0x80 && r <= 0x9F }) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r >= 0x80 && r <= 0x9F {
			r = charmap.Windows1252.DecodeByte(byte(r))
			out = utf8.AppendRune(out, r)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// mayHoldIllegalChars is a quick look, byte by byte, for what
// isIllegalXMLChar refuses in valid UTF-8: a C0 control but tab, newline
// and carriage return, or the 0xEF 0xBF lead of U+FFFE and U+FFFF (and any
// invalid byte, which decodes to U+FFFD and is looked at closely).
func mayHoldIllegalChars(b []byte) bool {
	for i, c := range b {
		switch {
		case c < 0x20:
			if c != '\t' && c != '\n' && c != '\r' {
				return true
			}
		case c == 0xEF:
			if i+1 < len(b) && b[i+1] == 0xBF {
				return true
			}
		}
	}
	return false
}

// isIllegalXMLChar reports whether r may not appear in an XML 1.0 document.
func isIllegalXMLChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}
