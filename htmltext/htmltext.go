// Package htmltext reads the HTML fragments feeds carry (titles,
// summaries, content) as plain text, without building a DOM, and keeps for
// every rune of text the span of the original bytes it comes from: the one
// HTML-to-text scanner of the project. The matcher tokenises with it, so
// hits carry byte offsets into the text as the article carries it; the feed
// reader turns titles into plain text with it; snippets are cut with it.
//
// A tag is skipped (block-level tags and line breaks separate words, inline
// tags such as <b> do not); comments, <script> and <style> are skipped
// whole; character references are decoded as HTML does. Anything that does
// not parse as markup is text.
package htmltext

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TagEnd returns the end of the markup starting with '<' at i, and whether
// it separates words. ok is false when src[i] does not start markup: the '<'
// is then a plain character.
func TagEnd(src string, i int) (end int, sep, ok bool) {
	if i+1 >= len(src) {
		return 0, false, false
	}
	c := src[i+1]
	switch {
	case c == '!':
		if strings.HasPrefix(src[i:], "<!--") {
			j := strings.Index(src[i+4:], "-->")
			if j < 0 {
				return len(src), true, true
			}
			return i + 4 + j + 3, true, true
		}
		return declEnd(src, i), true, true
	case c == '?':
		return declEnd(src, i), true, true
	case c == '/':
		if i+2 >= len(src) || !isASCIILetter(src[i+2]) {
			return 0, false, false
		}
		name, j := tagName(src, i+2)
		end, ok := attrsEnd(src, j)
		if !ok {
			return 0, false, false
		}
		return end, !inlineTag(name), true
	case isASCIILetter(c):
		name, j := tagName(src, i+1)
		end, ok := attrsEnd(src, j)
		if !ok {
			return 0, false, false
		}
		if name == "script" || name == "style" {
			if src[end-2] != '/' {
				end = rawTextEnd(src, end, name)
			}
		}
		return end, !inlineTag(name), true
	}
	return 0, false, false
}

// declEnd skips <!...> and <?...> up to the next '>'.
func declEnd(src string, i int) int {
	j := strings.IndexByte(src[i:], '>')
	if j < 0 {
		return len(src)
	}
	return i + j + 1
}

// tagName reads a tag name starting at i, lower-cased (short names only; a
// longer one is returned as "" which counts as a block tag).
func tagName(src string, i int) (string, int) {
	j := i
	for j < len(src) && (isASCIILetter(src[j]) || src[j] >= '0' && src[j] <= '9') {
		j++
	}
	n := src[i:j]
	for k := 0; k < len(n); k++ {
		if n[k] >= 'A' && n[k] <= 'Z' {
			return lowerTag(n), j
		}
	}
	return n, j
}

func lowerTag(n string) string {
	if len(n) > 10 {
		return ""
	}
	var b [10]byte
	for k := 0; k < len(n); k++ {
		c := n[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[k] = c
	}
	switch s := string(b[:len(n)]); s { // a switch on a converted string does not allocate
	case "script":
		return "script"
	case "style":
		return "style"
	default:
		if inlineTag(s) {
			return "span" // any inline name will do
		}
		return ""
	}
}

// attrsEnd finds the '>' closing a tag whose attributes start at i; quoted
// attribute values may contain '>'.
func attrsEnd(src string, i int) (int, bool) {
	for i < len(src) {
		switch src[i] {
		case '>':
			return i + 1, true
		case '=':
			i++
			for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
				i++
			}
			if i < len(src) && (src[i] == '"' || src[i] == '\'') {
				q := src[i]
				j := strings.IndexByte(src[i+1:], q)
				if j < 0 {
					return 0, false
				}
				i += j + 2
				continue
			}
		case '<':
			// A '<' inside a tag: the tag was not one ("a <b c" ... "<d>").
			return 0, false
		default:
			i++
		}
	}
	return 0, false
}

// rawTextEnd skips the content of <script> or <style> and its end tag.
func rawTextEnd(src string, i int, name string) int {
	for {
		j := strings.Index(src[i:], "</")
		if j < 0 {
			return len(src)
		}
		k := i + j + 2
		if k+len(name) <= len(src) && strings.EqualFold(src[k:k+len(name)], name) {
			if e := strings.IndexByte(src[k:], '>'); e >= 0 {
				return k + e + 1
			}
			return len(src)
		}
		i = k
	}
}

// inlineTag reports the tags that do not separate words.
func inlineTag(name string) bool {
	switch name {
	case "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
		"i", "ins", "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong",
		"sub", "sup", "time", "tt", "u", "var", "wbr":
		return true
	}
	return false
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Ref decodes the character reference starting with '&' at i. It returns
// up to two runes and the end of the reference; ok is false when src[i] does
// not start a reference.
func Ref(src string, i int) (r [2]rune, n int, end int, ok bool) {
	j := i + 1
	if j >= len(src) {
		return r, 0, 0, false
	}
	if src[j] == '#' {
		j++
		hex := j < len(src) && (src[j] == 'x' || src[j] == 'X')
		if hex {
			j++
		}
		start := j
		v := 0
		for j < len(src) {
			c := src[j]
			var d int
			switch {
			case c >= '0' && c <= '9':
				d = int(c - '0')
			case hex && c >= 'a' && c <= 'f':
				d = int(c-'a') + 10
			case hex && c >= 'A' && c <= 'F':
				d = int(c-'A') + 10
			default:
				d = -1
			}
			if d < 0 {
				break
			}
			if v <= unicode.MaxRune {
				if hex {
					v = v*16 + d
				} else {
					v = v*10 + d
				}
			}
			j++
		}
		if j == start {
			return r, 0, 0, false
		}
		if j < len(src) && src[j] == ';' {
			j++
		}
		r[0] = numericRef(v)
		return r, 1, j, true
	}
	start := j
	for j < len(src) && j-start < 32 && (isASCIILetter(src[j]) || src[j] >= '0' && src[j] <= '9') {
		j++
	}
	if j == start {
		return r, 0, 0, false
	}
	name := src[start:j]
	if j < len(src) && src[j] == ';' {
		if c, ok := commonRef(name); ok {
			r[0] = c
			return r, 1, j + 1, true
		}
		if c, ok := namedRef(name); ok {
			r[0] = c
			return r, 1, j + 1, true
		}
		dec := html.UnescapeString(src[i : j+1])
		if dec == src[i:j+1] {
			return r, 0, 0, false
		}
		for _, c := range dec {
			if n == 2 {
				break
			}
			r[n] = c
			n++
		}
		return r, n, j + 1, true
	}
	// Without the semicolon only the common legacy names are references.
	if c, ok := commonRef(name); ok && name != "apos" {
		r[0] = c
		return r, 1, j, true
	}
	return r, 0, 0, false
}

// commonRef decodes the references feeds use most without allocating.
func commonRef(name string) (rune, bool) {
	switch name {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	case "nbsp":
		return '\u00a0', true
	}
	return 0, false
}

// namedRef decodes more named references without allocating; the rest go
// through html.UnescapeString.
func namedRef(name string) (rune, bool) {
	switch name {
	case "rsquo":
		return '’', true
	case "lsquo":
		return '‘', true
	case "rdquo":
		return '”', true
	case "ldquo":
		return '“', true
	case "sbquo":
		return '‚', true
	case "bdquo":
		return '„', true
	case "laquo":
		return '«', true
	case "raquo":
		return '»', true
	case "ndash":
		return '–', true
	case "mdash":
		return '—', true
	case "hellip":
		return '…', true
	case "shy":
		return '\u00ad', true
	case "zwnj":
		return '\u200c', true
	case "zwj":
		return '\u200d', true
	case "thinsp":
		return '\u2009', true
	case "ensp":
		return '\u2002', true
	case "emsp":
		return '\u2003', true
	case "bull":
		return '•', true
	case "middot":
		return '·', true
	case "copy":
		return '©', true
	case "reg":
		return '®', true
	case "trade":
		return '™', true
	case "euro":
		return '€', true
	case "pound":
		return '£', true
	case "deg":
		return '°', true
	case "times":
		return '×', true
	case "aacute":
		return 'á', true
	case "eacute":
		return 'é', true
	case "iacute":
		return 'í', true
	case "oacute":
		return 'ó', true
	case "uacute":
		return 'ú', true
	case "agrave":
		return 'à', true
	case "egrave":
		return 'è', true
	case "ograve":
		return 'ò', true
	case "acirc":
		return 'â', true
	case "ecirc":
		return 'ê', true
	case "ocirc":
		return 'ô', true
	case "auml":
		return 'ä', true
	case "ouml":
		return 'ö', true
	case "uuml":
		return 'ü', true
	case "Auml":
		return 'Ä', true
	case "Ouml":
		return 'Ö', true
	case "Uuml":
		return 'Ü', true
	case "szlig":
		return 'ß', true
	case "ntilde":
		return 'ñ', true
	case "ccedil":
		return 'ç', true
	case "Eacute":
		return 'É', true
	case "atilde":
		return 'ã', true
	case "otilde":
		return 'õ', true
	}
	return 0, false
}

// numericRef maps the value of a numeric reference as HTML does.
func numericRef(v int) rune {
	if v >= 0x80 && v <= 0x9F {
		if c := win1252[v-0x80]; c != 0 {
			return c
		}
	}
	if v == 0 || v > unicode.MaxRune || v >= 0xD800 && v <= 0xDFFF {
		return utf8.RuneError
	}
	return rune(v)
}

// win1252 is what HTML decodes &#128; to &#159; to.
var win1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// Rune is one rune of plain text with the span of the original text it
// comes from: the rune itself, or the tag or character reference that
// stands for it.
type Rune struct {
	R          rune
	Start, End int
}

// Scan walks the plain text of src: tags dropped (word-separating tags
// become a space), references decoded, invalid UTF-8 replaced. Whitespace is
// not collapsed here.
func Scan(src string, yield func(p Rune)) {
	scan(src, func(p Rune) bool { yield(p); return true })
}

// scan is Scan that stops when yield returns false.
func scan(src string, yield func(p Rune) bool) {
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '<':
			if end, sep, ok := TagEnd(src, i); ok {
				if sep && !yield(Rune{' ', i, end}) {
					return
				}
				i = end
				continue
			}
		case c == '&':
			if r, n, end, ok := Ref(src, i); ok {
				for k := 0; k < n; k++ {
					if !yield(Rune{r[k], i, end}) {
						return
					}
				}
				i = end
				continue
			}
		case c < utf8.RuneSelf:
			if !yield(Rune{rune(c), i, i + 1}) {
				return
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		if !yield(Rune{r, i, i + size}) {
			return
		}
		i += size
	}
}

// Plain returns the text of an HTML fragment: tags removed (block tags
// and line breaks become spaces), character references decoded, runs of
// white space collapsed to one space, trimmed, valid UTF-8.
func Plain(s string) string { return plain(s, -1) }

// PlainPrefix is the start of Plain(s): at most n runes of it, read from
// only as much of s as they need.
func PlainPrefix(s string, n int) string { return plain(s, n) }

func plain(s string, limit int) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	runes := 0
	scan(s, func(p Rune) bool {
		r := p.R
		if r < utf8.RuneSelf {
			if r <= ' ' || r == 0x7F { // ASCII white space and controls
				space = b.Len() > 0
				return true
			}
		} else {
			if IsSpace(r) {
				space = b.Len() > 0
				return true
			}
			if unicode.Is(unicode.Cf, r) && r != 0x200B {
				return true
			}
		}
		if space {
			b.WriteByte(' ')
			space = false
			if runes++; runes == limit {
				return false
			}
		}
		b.WriteRune(r)
		runes++
		return limit < 0 || runes < limit
	})
	return b.String()
}

// IsSpace reports the runes Plain and Snippet treat as white space: Unicode
// spaces, the zero-width space and control characters.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || r == 0x200B || unicode.IsControl(r)
}

// Snippet returns the plain text around the hit text[start:end] (byte
// offsets into the original text, HTML or not, as a matcher hit carries
// them): tags removed, references decoded, white space collapsed,
// about radius runes on each side, cut at a word boundary where one is near,
// with "…" where the text was cut. It is valid UTF-8. It reads the text only
// up to a little past the hit, and keeps no more of it than the snippet.
func Snippet(text string, start, end, radius int) string {
	start = max(0, min(start, len(text)))
	end = max(start, min(end, len(text)))
	radius = max(radius, 0)
	w := snippetWindow{start: start, end: end, radius: radius, ring: make([]Rune, 0, radius)}
	// Collapse white space while keeping each rune's original span; a
	// space stands before the rune it separates, with that rune's span.
	space, any := false, false
	scan(text, func(p Rune) bool {
		if IsSpace(p.R) {
			space = any
			return true
		}
		if unicode.Is(unicode.Cf, p.R) && p.R != 0x200B {
			return true
		}
		if space {
			space = false
			if !w.add(Rune{' ', p.Start, p.Start}) {
				return false
			}
		}
		any = true
		return w.add(p)
	})
	return w.snippet()
}

// snippetWindow keeps, of the collapsed runes of a text, the radius before
// the hit, the hit, and the radius after it, and whether there are more
// on either side.
type snippetWindow struct {
	start, end, radius int
	state              int    // 0 before the hit, 1 in it, 2 after it
	ring               []Rune // the last radius runes before the hit
	head               int    // where the ring's oldest rune is, once it is full
	dropped            bool   // runes before the ring
	hit, after         []Rune
	more               bool // a rune after the after part
}

// add takes the next rune; false means the window has all it needs.
func (w *snippetWindow) add(p Rune) bool {
	if w.state == 0 {
		if p.Start < w.start && p.End <= w.start {
			if w.radius == 0 {
				w.dropped = true
			} else if len(w.ring) < w.radius {
				w.ring = append(w.ring, p)
			} else {
				w.ring[w.head] = p
				w.head = (w.head + 1) % w.radius
				w.dropped = true
			}
			return true
		}
		w.state = 1
	}
	if w.state == 1 {
		if p.Start < w.end {
			w.hit = append(w.hit, p)
			return true
		}
		w.state = 2
	}
	if len(w.after) < w.radius {
		w.after = append(w.after, p)
		return true
	}
	w.more = true
	return false
}

func (w *snippetWindow) snippet() string {
	rs := make([]Rune, 0, len(w.ring)+len(w.hit)+len(w.after))
	rs = append(rs, w.ring[w.head:]...)
	rs = append(rs, w.ring[:w.head]...)
	hs := len(rs)
	rs = append(rs, w.hit...)
	he := len(rs)
	rs = append(rs, w.after...)
	from, to := 0, len(rs)
	cutBefore, cutAfter := w.dropped, w.more
	// Prefer to cut at a space within a fifth of the radius.
	slack := w.radius/5 + 1
	if cutBefore {
		for k := from; k < hs && k < from+slack; k++ {
			if rs[k].R == ' ' {
				from = k + 1
				break
			}
		}
	}
	if cutAfter {
		for k := to - 1; k >= he && k > to-slack; k-- {
			if rs[k].R == ' ' {
				to = k
				break
			}
		}
	}
	var b strings.Builder
	if cutBefore {
		b.WriteString("…")
	}
	for k := from; k < to; k++ {
		if (k == from || k == to-1) && rs[k].R == ' ' {
			continue
		}
		b.WriteRune(rs[k].R)
	}
	if cutAfter {
		b.WriteString("…")
	}
	return b.String()
}
