package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/text/unicode/norm"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
)

const feedsUsage = `Usage:
  mediawatch feeds add URL --id ID [--interval D] [--lang CODE]
  mediawatch feeds list
  mediawatch feeds remove ID
  mediawatch feeds import FILE.opml [--interval D]
  mediawatch feeds export            (OPML on standard output)

Feeds added here live in the KV bucket mw_feeds; running pollers pick them
up at once, no restart needed. Feeds from the config file are listed too but
are changed in the file.

`

func cmdFeeds(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("feeds", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "feed id: lower-case letters, digits, _ and - (add)")
	interval := fs.Duration("interval", config.DefaultInterval, "how often to poll, at least 10s (add, import)")
	lang := fs.String("lang", "", "the feed's language, overriding what it declares (add)")
	fs.Usage = func() {
		fmt.Fprint(stderr, feedsUsage)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: feeds needs a subcommand: add, list, remove, import or export", errUsage)
	}
	want := map[string]int{"add": 2, "list": 1, "remove": 2, "import": 2, "export": 1}
	n, ok := want[pos[0]]
	if !ok || len(pos) != n {
		fs.Usage()
		return fmt.Errorf("%w: feeds %s", errUsage, strings.Join(pos, " "))
	}
	var src config.Source
	if pos[0] == "add" {
		src = config.Source{ID: *id, URL: pos[1], Interval: config.Duration(*interval), Lang: *lang}
		if err := checkSource(src); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
	}
	cfg, nc, js, err := client(ctx, c, "mediawatch-feeds", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pipeline.Topology(tctx, js, cfg.NATS.Replicas, time.Duration(cfg.Dedup.TTL)); err != nil {
		return err
	}
	kv, err := js.KeyValue(tctx, pipeline.BucketFeeds)
	if err != nil {
		return fmt.Errorf("open bucket %s: %w", pipeline.BucketFeeds, err)
	}

	switch pos[0] {
	case "add":
		for _, s := range cfg.Sources {
			if s.ID == src.ID {
				return fmt.Errorf("feed %q is in the config file %s: change it there", src.ID, cfg.Path)
			}
		}
		if _, err := kv.Put(tctx, src.ID, pipeline.Encode(src)); err != nil {
			return fmt.Errorf("add feed %q: %w", src.ID, err)
		}
		fmt.Fprintf(stdout, "added %s (%s, every %s)\n", src.ID, src.URL, src.Interval)
	case "remove":
		if _, err := kv.Get(tctx, pos[1]); errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("remove feed %q: not in the feed registry (feeds from the config file are removed there)", pos[1])
		}
		if err := kv.Delete(tctx, pos[1]); err != nil {
			return fmt.Errorf("remove feed %q: %w", pos[1], err)
		}
		fmt.Fprintf(stdout, "removed %s\n", pos[1])
	case "import":
		srcs, err := readOPML(pos[1], *interval)
		if err != nil {
			return err
		}
		for _, s := range srcs {
			if _, err := kv.Put(tctx, s.ID, pipeline.Encode(s)); err != nil {
				return fmt.Errorf("import feed %q: %w", s.ID, err)
			}
		}
		fmt.Fprintf(stdout, "imported %d feeds from %s\n", len(srcs), pos[1])
	case "list", "export":
		all, err := allFeeds(tctx, kv, cfg)
		if err != nil {
			return err
		}
		if pos[0] == "export" {
			return writeOPML(stdout, all)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tINTERVAL\tLANG\tFROM\tURL")
		for _, f := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.Interval, orDash(f.Lang), f.from, f.URL)
		}
		return tw.Flush()
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkSource applies the config file's rules to a feed given on the
// command line.
func checkSource(s config.Source) error {
	if !config.ValidID(s.ID) {
		return fmt.Errorf("--id %q: must be lower-case letters, digits, _ or - (it becomes a NATS subject token)", s.ID)
	}
	var errs []error
	for _, p := range config.CheckSource(s) {
		errs = append(errs, fmt.Errorf("feed %s %s", p.Key, p.Msg))
	}
	return errors.Join(errs...)
}

type listedFeed struct {
	config.Source
	from string
}

func allFeeds(ctx context.Context, kv jetstream.KeyValue, cfg *config.Config) ([]listedFeed, error) {
	var out []listedFeed
	for _, s := range cfg.Sources {
		out = append(out, listedFeed{s, "config"})
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var s config.Source
		if json.Unmarshal(e.Value(), &s) == nil {
			out = append(out, listedFeed{s, "registry"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

type opml struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"head>title"`
	Body    []outline `xml:"body>outline"`
}

type outline struct {
	Text     string    `xml:"text,attr,omitempty"`
	Title    string    `xml:"title,attr,omitempty"`
	Type     string    `xml:"type,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	Language string    `xml:"language,attr,omitempty"`
	Children []outline `xml:"outline"`
}

// readOPML reads feeds from an OPML file; ids come from the titles.
func readOPML(path string, interval time.Duration) ([]config.Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	var doc opml
	dec := xml.NewDecoder(io.LimitReader(f, 16<<20))
	dec.Strict = false
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("import %s: not OPML: %w", path, err)
	}
	var out []config.Source
	seen := map[string]bool{}
	var walk func([]outline)
	walk = func(os []outline) {
		for _, o := range os {
			if o.XMLURL != "" {
				name := o.Title
				if name == "" {
					name = o.Text
				}
				id := slug(name, o.XMLURL)
				for base, i := id, 2; seen[id]; i++ {
					id = fmt.Sprintf("%s-%d", base, i)
				}
				s := config.Source{ID: id, URL: strings.TrimSpace(o.XMLURL), Interval: config.Duration(interval), Lang: o.Language}
				if checkSource(s) == nil {
					seen[id] = true
					out = append(out, s)
				}
			}
			walk(o.Children)
		}
	}
	walk(doc.Body)
	if len(out) == 0 {
		return nil, fmt.Errorf("import %s: no feed with an http(s) xmlUrl found", path)
	}
	return out, nil
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
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "feed"
	}
	return s
}

func writeOPML(w io.Writer, feeds []listedFeed) error {
	doc := opml{Version: "2.0", Title: "mediawatch feeds"}
	for _, f := range feeds {
		doc.Body = append(doc.Body, outline{Text: f.ID, Title: f.ID, Type: "rss", XMLURL: f.URL, Language: f.Lang})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
