package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/demo"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/netguard"
	"github.com/mediawatch/mediawatch/pipeline"
)

const feedsUsage = `Usage:
  mediawatch feeds add URL --id ID [--interval D] [--lang CODE]
  mediawatch feeds list
  mediawatch feeds remove ID
  mediawatch feeds import FILE.opml [--interval D]
  mediawatch feeds export            (OPML on standard output)

Feeds added here live in the KV bucket mw_feeds; running pollers pick them
up at once, no restart needed. They may not reach loopback or private
addresses unless poller.allow_private_networks is set (the config file's
feeds may). Feeds from the config file are listed and exported too, but are
changed in the file. An import skips a feed whose URL or id the config
file or the registry already has: it never replaces one.

`

func cmdFeeds(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("feeds", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "feed id: lower-case letters, digits, _ and - (add)")
	interval := fs.Duration("interval", feeds.DefaultInterval, "how often to poll, at least 10s (add, import)")
	lang := fs.String("lang", "", "the feed's language, overriding what it declares (add)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), feedsUsage)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: feeds needs a subcommand: add, list, remove, import or export", errUsage)
	}
	// Each subcommand and the one argument it takes, if any.
	want := map[string]string{"add": "the feed's URL", "list": "", "remove": "the id of the feed", "import": "an OPML file", "export": ""}
	arg, ok := want[pos[0]]
	switch {
	case !ok:
		fs.Usage()
		return fmt.Errorf("%w: unknown subcommand feeds %s: want add, list, remove, import or export", errUsage, pipeline.Quote(pos[0]))
	case arg != "" && len(pos) == 1:
		return fmt.Errorf("%w: feeds %s needs %s", errUsage, pos[0], arg)
	case arg == "" && len(pos) > 1, len(pos) > 2:
		return fmt.Errorf("%w: feeds %s: unexpected %s", errUsage, pos[0], pipeline.Quote(strings.Join(pos[1+min(len(arg), 1):], " ")))
	}
	if pos[0] == "remove" {
		if err := feeds.CheckID(pos[1]); err != nil {
			return fmt.Errorf("%w: feeds remove: %w", errUsage, err)
		}
	}
	src := feeds.Source{ID: *id, URL: pos[len(pos)-1], Interval: *interval, Lang: *lang}
	if pos[0] == "add" {
		if err := feeds.CheckID(src.ID); err != nil {
			return fmt.Errorf("%w: --%w", errUsage, err)
		}
		if err := feeds.Validate(src); err != nil {
			return fmt.Errorf("%w: feed %w", errUsage, err)
		}
	}
	cfg, nc, js, err := client(ctx, c, "mediawatch-feeds", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()
	if pos[0] == "add" && !cfg.Poller.AllowPrivateNetworks {
		if err := netguard.CheckURL(src.URL); err != nil {
			return fmt.Errorf("%w: feed %w (feeds added at run time may not reach private networks; set poller.allow_private_networks, or put the feed in the config file)", errUsage, err)
		}
	}
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// Only run and worker create the streams and buckets: a command
	// works with what is there.
	fromFile := config.Feeds(cfg.Sources)
	kv, err := js.KeyValue(tctx, pipeline.BucketFeeds)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		if pos[0] == "list" || pos[0] == "export" {
			fmt.Fprintf(stderr, "note: no feed registry (bucket %s) on this server yet: mediawatch run or worker creates it\n", pipeline.BucketFeeds)
			if pos[0] == "export" {
				return feeds.WriteOPML(stdout, "mediawatch feeds", fromFile)
			}
			return listFeeds(stdout, fromFile, nil, nil)
		}
		return fmt.Errorf("no feed registry (bucket %s) on this server yet: start mediawatch run or a worker once, they create the streams and buckets", pipeline.BucketFeeds)
	}
	if err != nil {
		return fmt.Errorf("open bucket %s: %w", pipeline.BucketFeeds, err)
	}
	registry := feeds.NewRegistry(kv)

	switch pos[0] {
	case "add":
		if slices.ContainsFunc(fromFile, func(s feeds.Source) bool { return s.ID == src.ID }) {
			return fmt.Errorf("feed %q is in the config file %s: change it there", src.ID, cfg.Path)
		}
		if err := registry.Put(tctx, src); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s, every %s)\n", src.ID, src.URL, src.Interval)
	case "remove":
		if err := registry.Remove(tctx, pos[1]); errors.Is(err, feeds.ErrNotRegistered) {
			return fmt.Errorf("%w (feeds from the config file are removed there)", err)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s\n", pos[1])
	case "import":
		return importOPML(ctx, registry, pos[1], *interval, fromFile, !cfg.Poller.AllowPrivateNetworks, stdout, stderr)
	case "list", "export":
		dynamic, bad, err := registry.List(tctx)
		if err != nil {
			return err
		}
		for _, err := range bad {
			fmt.Fprintf(stderr, "warning: %v\n", err)
		}
		if pos[0] == "export" {
			return feeds.WriteOPML(stdout, "mediawatch feeds", append(fromFile, dynamic...))
		}
		return listFeeds(stdout, fromFile, dynamic, demoPolled(tctx, js))
	}
	return nil
}

// importOPML adds an OPML file's feeds to the registry, saying which it
// left out and why. A feed the registry does not take is left out too, and
// the import goes on with the others; it then fails once they are done.
func importOPML(ctx context.Context, registry *feeds.Registry, path string, interval time.Duration, fromFile []feeds.Source, publicOnly bool, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	var allowed func(string) error
	if publicOnly {
		allowed = func(url string) error {
			if netguard.CheckURL(url) != nil {
				return errors.New("a private address (poller.allow_private_networks is off)")
			}
			return nil
		}
	}
	lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	registered, bad, err := registry.List(lctx)
	cancel()
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	for _, err := range bad {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	add, skipped, err := feeds.Import(f, interval, fromFile, registered, allowed)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "skipped %s\n", s)
	}
	if len(add) == 0 && len(skipped) == 0 {
		return fmt.Errorf("import %s: no feed with an http(s) xmlUrl found", path)
	}
	stored := 0
	for _, s := range add {
		if ctx.Err() != nil {
			return fmt.Errorf("import %s: stopped after %d of %d feeds: %w", path, stored, len(add), ctx.Err())
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := registry.Add(pctx, s) // Add, not Put: an import never replaces a feed
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "skipped %s\n", feeds.Skipped{Outline: s.ID, Reason: err.Error()})
			continue
		}
		stored++
	}
	fmt.Fprintf(stdout, "imported %d feeds from %s\n", stored, path)
	if stored < len(add) {
		return fmt.Errorf("import %s: %d of %d feeds not stored (skipped above)", path, len(add)-stored, len(add))
	}
	return nil
}

// demoPolled lists the bundled demo feeds that a run --demo (or a worker
// poller --demo) has polled on this server: they are in neither the config
// nor the registry, and are served on a port of that process.
func demoPolled(ctx context.Context, js jetstream.JetStream) []feeds.Source {
	kv, err := js.KeyValue(ctx, pipeline.BucketFeedState)
	if err != nil {
		return nil
	}
	states := feeds.KVState{KV: kv}
	var out []feeds.Source
	for _, name := range demo.Feeds() {
		st, _, err := states.Get(ctx, demo.FeedID(name))
		if err != nil || st.LastAttempt.IsZero() {
			continue
		}
		out = append(out, feeds.Source{ID: demo.FeedID(name), URL: "(bundled, served by run --demo) " + name, Interval: time.Minute})
	}
	return out
}

func listFeeds(w io.Writer, fromFile, dynamic, demoFeeds []feeds.Source) error {
	type row struct {
		feeds.Source
		from string
	}
	var rows []row
	for _, s := range fromFile {
		rows = append(rows, row{s, "config"})
	}
	for _, s := range dynamic {
		rows = append(rows, row{s, "registry"})
	}
	for _, s := range demoFeeds {
		rows = append(rows, row{s, "demo"})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.ID, b.ID) })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tINTERVAL\tLANG\tFROM\tURL")
	for _, f := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.Interval, orDash(f.Lang), f.from, f.URL)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
