package reader

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"golang.org/x/text/language"

	"github.com/mediawatch/mediawatch/htmltext"
)

// This file is the only one that knows gofeed's types: everything past it
// speaks Feed and Item.

// Item is one entry of a feed, as an article: its identity, its links and
// its text as the feed gives them. Summary and Content are HTML as the feed
// sent them; Title is plain text.
type Item struct {
	ID         string    `json:"id"` // the article id (see ArticleID)
	Feed       string    `json:"feed"`
	URL        string    `json:"url"` // canonical when the link is absolute
	Title      string    `json:"title"`
	Summary    string    `json:"summary,omitempty"`
	Content    string    `json:"content,omitempty"`
	Media      string    `json:"media,omitempty"`           // Media RSS titles, descriptions and keywords, one per line (see itemMedia)
	Lang       string    `json:"lang,omitempty"`            // declared by the item or its feed
	LangConf   float64   `json:"lang_confidence,omitempty"` // 1 when declared
	Authors    []string  `json:"authors,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Published  time.Time `json:"published,omitzero"`
	Fetched    time.Time `json:"fetched"`
}

// adaptFeed maps gofeed's feed to Feed.
func adaptFeed(f *gofeed.Feed) *Feed {
	out := &Feed{
		Title:       plainText(f.Title),
		Description: strings.TrimSpace(f.Description),
		Link:        strings.TrimSpace(f.Link),
		FeedLink:    strings.TrimSpace(f.FeedLink),
		Lang:        NormalizeLang(feedLanguage(f)),
		Format:      f.FeedType,
		Version:     f.FeedVersion,
		Generator:   strings.TrimSpace(f.Generator),
		Items:       len(f.Items),
	}
	if t := firstTime(f.UpdatedParsed, f.PublishedParsed); t != nil {
		out.Updated = t.UTC()
	}
	return out
}

// adaptItem maps one gofeed item to an Item of feed feedID. It returns
// false for an item that has nothing to identify it by: no link, no GUID,
// no title, no date and no text.
//
// The link is resolved against the feed's link. An item without a usable
// link is identified by its GUID, and without a GUID by a hash of its title
// and date (or of its text when it has neither).
func adaptItem(feedID string, f *gofeed.Feed, item *gofeed.Item, fetched time.Time, lim Limits, stats *Feed) (Item, bool) {
	cut := func(s string, n int) string {
		if n > 0 && len(s) > n {
			stats.Truncated++
			return truncate(s, n)
		}
		return s
	}
	a := Item{
		Feed:       feedID,
		Title:      cut(plainText(item.Title), lim.MaxTitle),
		Summary:    cut(strings.TrimSpace(item.Description), lim.MaxSummary),
		Content:    cut(strings.TrimSpace(item.Content), lim.MaxContent),
		Media:      cut(itemMedia(item), lim.MaxSummary),
		Authors:    lim.list(itemAuthors(f, item), stats),
		Categories: lim.list(cleanList(item.Categories), stats),
		Fetched:    fetched.UTC(),
	}
	if t := firstTime(item.PublishedParsed, item.UpdatedParsed); t != nil {
		a.Published = t.UTC()
	}
	if lang := NormalizeLang(itemLanguage(f, item)); lang != "" {
		a.Lang, a.LangConf = lang, 1
	}

	link := itemLink(f, item)
	guid := cut(strings.TrimSpace(item.GUID), maxLink)
	canonical, err := CanonicalURL(link)
	switch {
	case link == "":
	case err != nil || !isWebURL(canonical) || len(canonical) > maxLink:
		// Relative, javascript:, data:, ftp:, huge: not an article URL.
		// The item stays, identified by its feed and GUID.
		stats.DroppedLinks++
		canonical = ""
	default:
		a.URL = canonical
	}
	if canonical == "" && guid == "" {
		guid = syntheticGUID(a)
		if guid == "" {
			return Item{}, false
		}
	}
	a.ID = ArticleID(feedID, canonical, guid)
	return a, true
}

// mediaText lists the Media RSS elements whose text an item's Media keeps:
// what captions, titles and keywords of its pictures and videos say.
var mediaText = []string{"title", "description", "keywords", "text"}

// itemMedia returns the text of an item's Media RSS elements (media:title,
// media:description, media:keywords, media:text, also inside media:group and
// media:content), one per line, each once, in document order by element
// name. Their HTML, if any, stays: the matcher reads it as it reads the
// summary.
func itemMedia(item *gofeed.Item) string {
	media := item.Extensions["media"]
	if len(media) == 0 {
		return ""
	}
	var lines []string
	seen := map[string]bool{}
	var walk func(elems map[string][]ext.Extension, depth int)
	walk = func(elems map[string][]ext.Extension, depth int) {
		for _, name := range mediaText {
			for _, e := range elems[name] {
				if v := strings.TrimSpace(e.Value); v != "" && !seen[v] {
					seen[v] = true
					lines = append(lines, v)
				}
			}
		}
		if depth >= 3 {
			return
		}
		for _, name := range []string{"group", "content"} {
			for _, e := range elems[name] {
				walk(e.Children, depth+1)
			}
		}
	}
	walk(media, 0)
	return strings.Join(lines, "\n")
}

// isWebURL reports whether a canonical URL is http or https.
func isWebURL(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// itemLink returns an item's link resolved against the feed's link: its
// link, else its first link, else its GUID when that is an absolute http(s)
// URL (RSS guids are permalinks unless they say otherwise).
func itemLink(f *gofeed.Feed, item *gofeed.Item) string {
	link := strings.TrimSpace(item.Link)
	if link == "" {
		for _, l := range item.Links {
			if l = strings.TrimSpace(l); l != "" {
				link = l
				break
			}
		}
	}
	if link == "" {
		guid := strings.TrimSpace(item.GUID)
		if u, err := url.Parse(guid); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
			link = guid
		}
	}
	if link == "" {
		return ""
	}
	ref, err := url.Parse(link)
	if err != nil || ref.IsAbs() {
		return link
	}
	for _, base := range []string{f.Link, f.FeedLink} {
		b, err := url.Parse(strings.TrimSpace(base))
		if err == nil && b.IsAbs() && b.Host != "" {
			return b.ResolveReference(ref).String()
		}
	}
	return link
}

// syntheticGUID stands in for the GUID of an item that has neither a usable
// link nor a GUID: its title and date, or failing both its text. It returns
// "" when the item has none of these.
func syntheticGUID(a Item) string {
	var key string
	switch {
	case a.Title != "" || !a.Published.IsZero():
		key = "title+published\x00" + a.Title + "\x00"
		if !a.Published.IsZero() {
			key += a.Published.Format(time.RFC3339)
		}
	case a.Summary != "" || a.Content != "":
		key = "text\x00" + a.Summary + "\x00" + a.Content
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// itemAuthors returns the names of an item's authors (an e-mail address
// when a name is missing), falling back to the feed's authors for Atom,
// where entries inherit them.
func itemAuthors(f *gofeed.Feed, item *gofeed.Item) []string {
	people := item.Authors
	if len(people) == 0 && item.Author != nil {
		people = []*gofeed.Person{item.Author}
	}
	if len(people) == 0 && item.DublinCoreExt != nil {
		for _, c := range item.DublinCoreExt.Creator {
			people = append(people, &gofeed.Person{Name: c})
		}
	}
	if len(people) == 0 && f.FeedType == "atom" {
		people = f.Authors
	}
	names := make([]string, 0, len(people))
	for _, p := range people {
		if p == nil {
			continue
		}
		name := p.Name
		if strings.TrimSpace(name) == "" {
			name = p.Email
		}
		names = append(names, plainText(name))
	}
	return cleanList(names)
}

// cleanList trims each string and drops empty ones and repeats, keeping the
// first occurrence's order. It returns nil for an empty result.
func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// feedLanguage returns the language a feed declares.
func feedLanguage(f *gofeed.Feed) string {
	if f.Language != "" {
		return f.Language
	}
	if f.DublinCoreExt != nil && len(f.DublinCoreExt.Language) > 0 {
		return f.DublinCoreExt.Language[0]
	}
	return ""
}

// itemLanguage returns the language an item declares, else its feed's.
func itemLanguage(f *gofeed.Feed, item *gofeed.Item) string {
	if item.DublinCoreExt != nil {
		for _, l := range item.DublinCoreExt.Language {
			if strings.TrimSpace(l) != "" {
				return l
			}
		}
	}
	return feedLanguage(f)
}

// NormalizeLang reduces a declared language tag ("en-US", "pt_BR",
// "IT-it", "de") to its primary subtag in lower case ("en", "pt", "it",
// "de"). It returns "" for a value that is not a language tag.
func NormalizeLang(tag string) string {
	tag = strings.TrimSpace(strings.ReplaceAll(tag, "_", "-"))
	if tag == "" {
		return ""
	}
	if t, err := language.Parse(tag); err == nil {
		if base, conf := t.Base(); conf == language.Exact {
			return base.String()
		}
		return "" // und, or only a script or region
	}
	// An ill-formed tag ("en-US-blah_blah") may still start with a language.
	primary, _, _ := strings.Cut(tag, "-")
	if base, err := language.ParseBase(primary); err == nil && base.String() != "und" {
		return base.String()
	}
	return ""
}

// firstTime returns the first non-nil time.
func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return t
		}
	}
	return nil
}

// plainText turns a title-like string that may hold HTML into plain text
// (see htmltext.Plain).
func plainText(s string) string { return htmltext.Plain(s) }
