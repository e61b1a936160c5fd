package feeds

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/unicode/norm"

	"github.com/mediawatch/mediawatch/pipeline"
)

// opmlNS is the namespace of the outline attributes mediawatch adds to the
// OPML it writes (mw:id, mw:interval), so that an export imports back as it
// was.
const opmlNS = "https://github.com/mediawatch/mediawatch/opml"

// maxOPML bounds the OPML document read.
const maxOPML = 16 << 20

// maxSlug bounds the length of an id made from a title.
const maxSlug = 40

type opml struct {
	XMLName xml.Name   `xml:"opml"`
	Attrs   []xml.Attr `xml:",any,attr"`
	Version string     `xml:"version,attr"`
	Title   string     `xml:"head>title"`
	Body    []outline  `xml:"body>outline"`
}

type outline struct {
	Text     string     `xml:"text,attr,omitempty"`
	Title    string     `xml:"title,attr,omitempty"`
	Type     string     `xml:"type,attr,omitempty"`
	XMLURL   string     `xml:"xmlUrl,attr,omitempty"`
	Language string     `xml:"language,attr,omitempty"`
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []outline  `xml:"outline"`
}

// attr returns the value of the mediawatch attribute local ("" if none).
func (o *outline) attr(local string) string {
	for _, a := range o.Attrs {
		if a.Name.Local == local && (a.Name.Space == opmlNS || a.Name.Space == "mw") {
			return a.Value
		}
	}
	return ""
}

// Skipped is an outline an import left out, and why.
type Skipped struct {
	Outline string // its title, text or URL
	Reason  string
}

func (s Skipped) String() string { return fmt.Sprintf("%q: %s", s.Outline, s.Reason) }

// ReadOPML reads the feeds of an OPML document: every outline with an
// xmlUrl, at any depth. A feed's id is its mw:id attribute when it has a
// valid one, else made from its title (or text, or the URL's host); its
// interval is its mw:interval, else interval. The document may be in any
// charset XML declares, and may use HTML's named character references.
// Outlines that cannot be feeds are returned with the reason.
func ReadOPML(r io.Reader, interval time.Duration) ([]Source, []Skipped, error) {
	var doc opml
	dec := xml.NewDecoder(io.LimitReader(r, maxOPML))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = charset.NewReaderLabel
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("not OPML: %w", err)
	}
	var out []Source
	var skipped []Skipped
	ids := newIDs()
	var walk func([]outline)
	walk = func(os []outline) {
		for i := range os {
			o := &os[i]
			if strings.TrimSpace(o.XMLURL) != "" {
				s, skip := o.source(interval, ids)
				if skip != "" {
					skipped = append(skipped, Skipped{Outline: o.name(), Reason: skip})
				} else {
					out = append(out, s)
				}
			}
			walk(o.Children)
		}
	}
	walk(doc.Body)
	return out, skipped, nil
}

// name is how messages refer to an outline.
func (o *outline) name() string {
	for _, s := range []string{o.Title, o.Text, o.XMLURL} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "(outline)"
}

// source makes a Source of an outline with an xmlUrl, or says why not.
func (o *outline) source(interval time.Duration, ids *idSet) (Source, string) {
	title := strings.TrimSpace(o.Title)
	if title == "" {
		title = strings.TrimSpace(o.Text)
	}
	s := Source{URL: strings.TrimSpace(o.XMLURL), Interval: interval, Lang: strings.TrimSpace(o.Language), Title: title}
	if v := o.attr("interval"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return Source{}, fmt.Sprintf("mw:interval %q is not a duration", v)
		}
		s.Interval = d
	}
	if ps := Check(s); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.Key + " " + p.Msg
		}
		return Source{}, strings.Join(msgs, "; ")
	}
	id := o.attr("id")
	if CheckID(id) != nil {
		id = slug(title, s.URL)
	}
	s.ID = ids.claim(id)
	return s, ""
}

// idSet hands out unique ids: the wanted one, else the first free of
// want-2, want-3, ... in time linear in the number of ids. A numbered id
// keeps to pipeline.MaxIDLen by shortening want, so that a want of the
// maximum length still gives a valid id.
type idSet struct {
	taken map[string]bool
	next  map[string]int
}

func newIDs() *idSet { return &idSet{taken: map[string]bool{}, next: map[string]int{}} }

func (s *idSet) claim(want string) string {
	id := want
	for n := max(s.next[want], 2); s.taken[id]; n++ {
		suffix := "-" + strconv.Itoa(n)
		base := want
		if len(base)+len(suffix) > pipeline.MaxIDLen {
			base = base[:pipeline.MaxIDLen-len(suffix)]
			if b := strings.TrimRight(base, "-"); b != "" {
				base = b // x-2, not x--2, when the cut ends on a dash
			}
		}
		id = base + suffix
		s.next[want] = n + 1
	}
	s.taken[id] = true
	return id
}

// slug makes a feed id from a title, or from the URL's host.
func slug(name, rawURL string) string {
	if name == "" {
		if u, err := url.Parse(rawURL); err == nil {
			name = u.Host
		}
	}
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r): // accents: español -> espanol
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= maxSlug {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "feed"
	}
	return s
}

// WriteOPML writes feeds as an OPML 2.0 document titled title, one outline
// each, with their ids and intervals as mw:id and mw:interval so that
// ReadOPML reads them back as they are.
func WriteOPML(w io.Writer, title string, feeds []Source) error {
	doc := opml{Version: "2.0", Title: title, Attrs: []xml.Attr{{Name: xml.Name{Local: "xmlns:mw"}, Value: opmlNS}}}
	for _, f := range feeds {
		text := f.Title
		if text == "" {
			text = f.ID
		}
		doc.Body = append(doc.Body, outline{
			Text: text, Title: text, Type: "rss", XMLURL: f.URL, Language: f.Lang,
			Attrs: []xml.Attr{
				{Name: xml.Name{Local: "mw:id"}, Value: f.ID},
				{Name: xml.Name{Local: "mw:interval"}, Value: f.Interval.String()},
			},
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	return nil
}

// Merge decides what an import adds to the registry: the imported feeds
// that are neither the config file's nor the registry's (same URL, or same
// id with another URL). An import never replaces a feed.
func Merge(imported, config, registry []Source) ([]Source, []Skipped) {
	type feed struct{ id, where string }
	byID := map[string]feed{}
	byURL := map[string]feed{}
	for _, list := range []struct {
		feeds []Source
		where string
	}{{config, "the config file"}, {registry, "the registry"}} {
		for _, f := range list.feeds {
			if _, ok := byURL[f.URL]; !ok {
				byURL[f.URL] = feed{f.ID, list.where}
			}
			if _, ok := byID[f.ID]; !ok {
				byID[f.ID] = feed{f.ID, list.where}
			}
		}
	}
	var add []Source
	var skipped []Skipped
	for _, s := range imported {
		if f, ok := byURL[s.URL]; ok {
			skipped = append(skipped, Skipped{Outline: s.ID, Reason: fmt.Sprintf("already in %s as %s", f.where, f.id)})
			continue
		}
		if f, ok := byID[s.ID]; ok {
			skipped = append(skipped, Skipped{Outline: s.ID, Reason: fmt.Sprintf("%s has a feed with this id", f.where)})
			continue
		}
		add = append(add, s)
	}
	return add, skipped
}

// Import reads an OPML file's feeds for the registry, given the feeds of the
// config file and of the registry: the feeds to add (see Merge), and the
// outlines left out with the reason (no usable URL, already in the config
// file or the registry, or refused by allowed, which vets a URL added at run
// time; nil allows every URL).
func Import(r io.Reader, interval time.Duration, config, registry []Source, allowed func(url string) error) ([]Source, []Skipped, error) {
	read, skipped, err := ReadOPML(r, interval)
	if err != nil {
		return nil, nil, err
	}
	add, also := Merge(read, config, registry)
	skipped = append(skipped, also...)
	if allowed == nil {
		return add, skipped, nil
	}
	kept := add[:0]
	for _, s := range add {
		if err := allowed(s.URL); err != nil {
			skipped = append(skipped, Skipped{Outline: s.ID, Reason: err.Error()})
			continue
		}
		kept = append(kept, s)
	}
	return kept, skipped, nil
}
