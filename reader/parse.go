package reader

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
	"time"

	"github.com/mmcdole/gofeed"
)

// maxInflated caps what Parse decompresses from a body that is still gzip
// when Limits.MaxBody does not.
const maxInflated = 4 * DefaultMaxBody

// Feed is what Parse reports about a feed itself.
type Feed struct {
	Title       string    `json:"title,omitempty"`
	Description string    `json:"description,omitempty"`
	Link        string    `json:"link,omitempty"`      // the site, absolute when the feed says so
	FeedLink    string    `json:"feed_link,omitempty"` // the feed's own URL as it declares it
	Lang        string    `json:"lang,omitempty"`      // primary language subtag, lower case
	Format      string    `json:"format"`              // rss, atom or json
	Version     string    `json:"version,omitempty"`   // e.g. 2.0, 1.0
	Generator   string    `json:"generator,omitempty"`
	Updated     time.Time `json:"updated,omitzero"` // UTC
	Items       int       `json:"items"`            // items in the feed, including those skipped
	Repaired    bool      `json:"repaired,omitempty"`
	// What the limits left out (see Limits): items beyond MaxItems, fields
	// cut to their cap, and links that are not http(s) URLs (the item is
	// kept, identified by its GUID).
	DroppedItems int `json:"dropped_items,omitempty"`
	Truncated    int `json:"truncated,omitempty"`
	DroppedLinks int `json:"dropped_links,omitempty"`
}

// Parse decodes a fetched feed body (RSS 0.9x to 2.0, RSS 1.0, Atom 0.3 and
// 1.0, JSON Feed) into the feed's description and its items, each with
// Feed set to feedID and Fetched to fetched. contentType is the HTTP
// Content-Type header, "" when unknown.
//
// A gzip body is decompressed, then the body goes through ToUTF8. When the
// feed does not parse, Parse repairs what commonly breaks feeds and tries
// once more: for XML, bare ampersands, HTML entities XML does not define,
// unquoted attribute values and documents cut short (see repairXML); for
// JSON, raw control characters in strings and documents cut short (see
// repairJSON). Feed.Repaired tells when that was needed. Items that carry
// nothing to identify them by are skipped.
//
// Errors start with "parse feed:" and say why; a body that is not a feed
// at all (HTML page, empty body, unknown document) wraps ErrNotFeed.
func Parse(feedID string, body []byte, contentType string, fetched time.Time) (*Feed, []Item, error) {
	return ParseContext(context.Background(), feedID, body, contentType, fetched, DefaultLimits())
}

// MaxDepth is how deeply a feed may nest its elements (XML) or its objects
// and arrays (JSON): real feeds nest a dozen levels, and a limit keeps every
// step of parsing linear in the body's size.
const MaxDepth = 256

// ErrTooDeep says a feed nests deeper than MaxDepth.
var ErrTooDeep = errors.New("nested too deeply")

// ParseContext is Parse with limits, that gives up when ctx ends, between
// its steps. Every step takes time linear in the size of the body.
func ParseContext(ctx context.Context, feedID string, body []byte, contentType string, fetched time.Time, lim Limits) (*Feed, []Item, error) {
	if isGzip(body) {
		limit := int64(maxInflated)
		if lim.MaxBody > 0 {
			limit = lim.MaxBody
		}
		inflated, err := gunzip(body, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("parse feed: %w", err)
		}
		body = inflated
	}
	text, err := ToUTF8(body, contentType)
	if err != nil {
		return nil, nil, fmt.Errorf("parse feed: %w", err)
	}
	if d := depth(text); d > MaxDepth {
		return nil, nil, fmt.Errorf("parse feed: %w: more than %d levels", ErrTooDeep, MaxDepth)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("parse feed: %w", err)
	}
	gf, repaired, err := parseFeed(ctx, text)
	if err != nil {
		return nil, nil, fmt.Errorf("parse feed: %w", err)
	}
	feed := adaptFeed(gf)
	feed.Repaired = repaired
	items := gf.Items
	if lim.MaxItems > 0 && len(items) > lim.MaxItems {
		feed.DroppedItems = len(items) - lim.MaxItems
		items = items[:lim.MaxItems]
	}
	articles := make([]Item, 0, len(items))
	for _, item := range items {
		if a, ok := adaptItem(feedID, gf, item, fetched, lim, feed); ok {
			articles = append(articles, a)
		}
	}
	return feed, articles, nil
}

// parseFeed runs gofeed over UTF-8 text, and once more over a repaired copy
// when it fails. It reports whether the repair was needed.
func parseFeed(ctx context.Context, text []byte) (feed *gofeed.Feed, repaired bool, err error) {
	feed, err = gofeedParse(text)
	if err == nil {
		return feed, false, nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, false, cerr
	}
	var fixed []byte
	changed := false
	switch {
	case len(text) > 0 && text[0] == '<':
		fixed, changed = repairXML(text)
	case len(text) > 0:
		fixed, changed = repairJSON(text)
	}
	if changed {
		if feed, rerr := gofeedParse(fixed); rerr == nil {
			return feed, true, nil
		}
	}
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		if root := scanProlog(text).rootName; root != "" && text[0] == '<' {
			return nil, false, fmt.Errorf("%w: root element <%s> is not RSS, Atom or JSON Feed", ErrNotFeed, root)
		}
		return nil, false, fmt.Errorf("%w: not RSS, Atom or JSON Feed", ErrNotFeed)
	}
	return nil, false, err
}

// repairJSON mends a JSON feed and reports whether it changed anything: it
// escapes the raw control characters (newlines, tabs) that some feeds carry
// inside strings, which JSON forbids, and it completes a document cut
// short by keeping it up to the last complete object or array and closing
// the arrays and objects still open there.
func repairJSON(b []byte) ([]byte, bool) {
	var (
		out                        bytes.Buffer
		open                       []byte // the closers the open containers need
		cutAt                      = -1   // out's length after the last complete container
		cutDepth                   int    // how many containers were open at cutAt
		inString, escaped, changed bool
	)
	out.Grow(len(b))
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString && c < 0x20:
			fmt.Fprintf(&out, "\\u%04x", c)
			changed = true
			continue
		case inString:
		case c == '"':
			inString = true
		case c == '{':
			open = append(open, '}')
		case c == '[':
			open = append(open, ']')
		case (c == '}' || c == ']') && len(open) > 0:
			open = open[:len(open)-1]
			out.WriteByte(c)
			// Only pushes follow until the next close, which moves the
			// cut: the containers open here stay open[:cutDepth] to the
			// end, so a depth is all the cut needs (no copy of the stack).
			cutAt, cutDepth = out.Len(), len(open)
			continue
		}
		out.WriteByte(c)
	}
	if len(open) == 0 && !inString {
		return out.Bytes(), changed
	}
	if cutAt < 0 || cutDepth == 0 {
		return out.Bytes(), changed
	}
	fixed := out.Bytes()[:cutAt]
	for i := cutDepth - 1; i >= 0; i-- {
		fixed = append(fixed, open[i])
	}
	return fixed, true
}

// depth returns how deeply a feed document nests: elements for XML, objects
// and arrays for JSON (text starts with '<' or not, as ToUTF8 leaves it). It
// reads the text once, skipping strings, comments, CDATA sections and
// processing instructions.
func depth(text []byte) int {
	d, most := 0, 0
	if len(text) == 0 || text[0] != '<' {
		inString, escaped := false, false
		for _, c := range text {
			switch {
			case inString && escaped:
				escaped = false
			case inString && c == '\\':
				escaped = true
			case inString:
				inString = c != '"'
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				d++
				most = max(most, d)
			case c == '}' || c == ']':
				d--
			}
		}
		return most
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '<' || i+1 >= len(text) {
			continue
		}
		switch rest := text[i:]; {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i += skipPast(rest, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i += skipPast(rest, "]]>")
		case rest[1] == '?' || rest[1] == '!':
			i += skipPast(rest, ">")
		case rest[1] == '/':
			d--
		default:
			end := tagEnd(rest)
			if selfClosing := end >= 3 && rest[end-1] == '>' && rest[end-2] == '/'; !selfClosing {
				d++
				most = max(most, d)
			}
			i += end - 1
		}
	}
	return most
}

// skipPast returns the index just past the first marker in b (len(b) when
// there is none), minus one: the loop's i++ steps over the last byte.
func skipPast(b []byte, marker string) int {
	j := bytes.Index(b[1:], []byte(marker))
	if j < 0 {
		return len(b) - 1
	}
	return j + len(marker)
}

// tagEnd returns the index just past the '>' ending the tag b starts with,
// skipping quoted attribute values (len(b) when it does not end).
func tagEnd(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return len(b)
}

// gofeedParse calls gofeed. A panic inside gofeed on hostile input becomes
// an error: the body is outside input and one bad feed must not take the
// poller down.
func gofeedParse(text []byte) (feed *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			feed, err = nil, fmt.Errorf("run gofeed: panic: %v", r)
		}
	}()
	p := gofeed.NewParser()
	// Item images are not read: scanning each item's HTML for one costs a
	// full HTML parse per item.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p.Parse(bytes.NewReader(text))
}

// repairXML mends what most often makes feeds ill-formed, and reports
// whether it changed anything. Outside CDATA sections, comments and
// processing instructions: a bare '&' becomes "&amp;"; an entity XML does
// not define but HTML does (&nbsp;, &eacute;, ...) becomes numeric
// character references, and an unknown one is escaped as text; attribute
// values that are unquoted or quoted with typographic quotes get straight
// double quotes, and attributes without a value get their name as value.
// Then a document cut short (a truncated transfer, a missing '>') or broken
// by a syntax error is cut at the last good token and its open elements
// are closed, so that the items before the damage survive.
func repairXML(b []byte) ([]byte, bool) {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/16)
	changed := false
	for i := 0; i < len(b); {
		switch {
		case bytes.HasPrefix(b[i:], []byte("<![CDATA[")):
			i = copyThrough(&out, b, i, "]]>")
		case bytes.HasPrefix(b[i:], []byte("<!--")):
			i = copyThrough(&out, b, i, "-->")
		case bytes.HasPrefix(b[i:], []byte("<?")):
			i = copyThrough(&out, b, i, "?>")
		case b[i] == '<' && i+1 < len(b) && isNameStart(b[i+1]):
			n, tag, fixed := repairStartTag(b[i:])
			out.Write(tag)
			changed = changed || fixed
			i += n
		case b[i] == '&':
			n, repl := repairEntity(b[i:])
			if repl != "" {
				out.WriteString(repl)
				changed = true
			} else {
				out.Write(b[i : i+n])
			}
			i += n
		default:
			j := i + 1
			for j < len(b) && b[j] != '&' && b[j] != '<' {
				j++
			}
			out.Write(b[i:j])
			i = j
		}
	}
	fixed, closed := closeTruncated(out.Bytes())
	return fixed, changed || closed
}

// repairStartTag reads the start tag at the beginning of b. It returns the
// tag's length in b, the tag (rewritten when its attributes needed quotes)
// and whether it was rewritten.
func repairStartTag(b []byte) (int, []byte, bool) {
	i := 1
	for i < len(b) && isNameByte(b[i]) {
		i++
	}
	var out bytes.Buffer
	out.Write(b[:i])
	changed := false
	for i < len(b) {
		start := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		out.Write(b[start:i])
		if i >= len(b) {
			break
		}
		if b[i] == '>' || b[i] == '/' || b[i] == '<' {
			if b[i] == '>' || bytes.HasPrefix(b[i:], []byte("/>")) {
				end := i + 1
				if b[i] == '/' {
					end++
				}
				out.Write(b[i:end])
				i = end
			}
			return i, out.Bytes(), changed // '<' or a stray '/': let the parser judge
		}
		nameStart := i
		for i < len(b) && !isSpace(b[i]) && b[i] != '=' && b[i] != '>' && b[i] != '/' && b[i] != '<' {
			i++
		}
		name := b[nameStart:i]
		if len(name) == 0 {
			out.WriteByte(b[i]) // a stray character
			i++
			continue
		}
		out.Write(name)
		j := i
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != '=' {
			out.WriteString(`="`)
			out.Write(name)
			out.WriteByte('"')
			changed = true
			continue
		}
		out.Write(b[i : j+1])
		i = j + 1
		for j = i; j < len(b) && isSpace(b[j]); j++ {
		}
		out.Write(b[i:j])
		i = j
		if i >= len(b) {
			break
		}
		switch q := b[i]; {
		case q == '"' || q == '\'':
			end := bytes.IndexByte(b[i+1:], q)
			if end < 0 {
				out.Write(b[i:])
				return len(b), out.Bytes(), changed
			}
			out.Write(b[i : i+1+end+1])
			i += 1 + end + 1
		case isCurlyQuote(b[i:]):
			rest := b[i+3:]
			end := indexCurlyQuote(rest)
			if end < 0 {
				end = len(rest)
			}
			writeQuoted(&out, rest[:end])
			i += 3 + min(end+3, len(rest))
			changed = true
		default:
			end := i
			for end < len(b) && !isSpace(b[end]) && b[end] != '>' {
				end++
			}
			if end < len(b) && b[end] == '>' && end > i && b[end-1] == '/' {
				end-- // the '/' of "/>"
			}
			writeQuoted(&out, b[i:end])
			i = end
			changed = true
		}
	}
	return i, out.Bytes(), changed
}

// writeQuoted writes an attribute value in double quotes, escaping what
// would end or break it.
func writeQuoted(out *bytes.Buffer, v []byte) {
	out.WriteByte('"')
	for _, c := range v {
		switch c {
		case '"':
			out.WriteString("&quot;")
		case '<':
			out.WriteString("&lt;")
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('"')
}

// isCurlyQuote reports whether b starts with a typographic quotation mark
// (U+2018, U+2019, U+201C, U+201D).
func isCurlyQuote(b []byte) bool {
	return len(b) >= 3 && b[0] == 0xE2 && b[1] == 0x80 && (b[2] == 0x98 || b[2] == 0x99 || b[2] == 0x9C || b[2] == 0x9D)
}

// indexCurlyQuote returns the index of the first typographic quotation
// mark in b, or -1.
func indexCurlyQuote(b []byte) int {
	for i := 0; i+2 < len(b); i++ {
		if isCurlyQuote(b[i:]) {
			return i
		}
	}
	return -1
}

// isSpace reports whether c is XML white space.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// closeTruncated cuts an XML document at its first syntax error, or at its
// end when elements are still open there, and closes the open elements. It
// reports whether it changed the document.
func closeTruncated(b []byte) ([]byte, bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // b is UTF-8
	var stack []string
	good := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) && len(stack) == 0 {
			return b, false // well-formed as far as tokens go
		}
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, qualifiedName(t.Name))
		case xml.EndElement:
			name := qualifiedName(t.Name)
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] == name {
					stack = stack[:i]
					break
				}
			}
		}
		good = int(d.InputOffset())
	}
	out := make([]byte, 0, good+len(stack)*16)
	out = append(out, b[:good]...)
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, "</"+stack[i]+">"...)
	}
	return out, true
}

// copyThrough copies b[i:] up to and including the first end marker (or to
// the end of b) and returns the index after it.
func copyThrough(out *bytes.Buffer, b []byte, i int, end string) int {
	j := bytes.Index(b[i+1:], []byte(end))
	if j < 0 {
		out.Write(b[i:])
		return len(b)
	}
	stop := i + 1 + j + len(end)
	out.Write(b[i:stop])
	return stop
}

// repairEntity looks at a reference starting with '&'. It returns how many
// bytes it spans and, when it needs fixing, the replacement text ("" when
// the reference is fine as it is).
func repairEntity(b []byte) (int, string) {
	end := 1
	for end < len(b) && end < 40 && isEntityByte(b[end]) {
		end++
	}
	if end == 1 || end >= len(b) || b[end] != ';' {
		return 1, "&amp;" // a bare ampersand
	}
	name := string(b[1:end])
	n := end + 1
	switch name {
	case "amp", "lt", "gt", "quot", "apos":
		return n, ""
	}
	if name[0] == '#' {
		if _, err := parseCharRef(name[1:]); err == nil {
			return n, ""
		}
		return n, "&amp;" + name + ";"
	}
	decoded := html.UnescapeString("&" + name + ";")
	if decoded == "&"+name+";" {
		return n, "&amp;" + name + ";" // not an entity anywhere
	}
	var refs bytes.Buffer
	for _, r := range decoded {
		refs.WriteString("&#" + strconv.Itoa(int(r)) + ";")
	}
	return n, refs.String()
}

// parseCharRef parses the digits of a numeric character reference (after
// "&#": decimal, or hexadecimal after an x) and checks that XML allows the
// character.
func parseCharRef(s string) (rune, error) {
	base := 10
	if len(s) > 0 && (s[0] == 'x' || s[0] == 'X') {
		base, s = 16, s[1:]
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, fmt.Errorf("parse character reference: %w", err)
	}
	r := rune(n)
	if r > 0x10FFFF || r >= 0xD800 && r <= 0xDFFF || isIllegalXMLChar(r) {
		return 0, fmt.Errorf("parse character reference: U+%04X is not an XML character", r)
	}
	return r, nil
}

// isEntityByte reports whether c may appear in an entity name or a numeric
// character reference.
func isEntityByte(c byte) bool {
	return c == '#' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// qualifiedName writes an element name as it appeared, prefix included.
func qualifiedName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
