package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/query"
	"github.com/mediawatch/mediawatch/rules"
	"github.com/mediawatch/mediawatch/workers/alerter"
)

func cmdRules(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("rules test", flag.ContinueOnError)
	var c common
	c.register(fs)
	since := fs.Duration("since", 24*time.Hour, "how far back to test, over the tagged articles stored in stream TAGGED")
	feed := fs.String("feed", "", "only this feed's articles")
	raw := fs.Bool("json", false, "print each would-be alert's JSON, one per line")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: mediawatch rules test 'QUERY' [--since DURATION] [--feed ID] [--json] [--config F] [--nats URL]

Backtests a rule query on the tagged articles stored in JetStream: prints
every article it would have alerted on, with what matched, and a count.
Nothing is published.

`)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 2 || pos[0] != "test" {
		fs.Usage()
		return fmt.Errorf("%w: rules takes the subcommand test and one query", errUsage)
	}
	if *since < 0 {
		return fmt.Errorf("%w: --since %s: must not be negative (24h means the last 24 hours)", errUsage, *since)
	}
	if *feed != "" && !pipeline.ValidID(*feed) {
		return fmt.Errorf("%w: --feed %q is not a feed id", errUsage, *feed)
	}
	engine, err := alerter.NewEngine([]rules.Rule{{ID: "test", Query: pos[1]}})
	if err != nil {
		var se *query.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%w: query %s", errUsage, se.Error())
		}
		return err
	}
	cfg, nc, js, err := client(ctx, c, "mediawatch-rules-test", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()
	n, _ := query.Parse(pos[1])
	known := cfg.EntityIDs()
	for _, t := range query.Terms(n) {
		if t.Kind == query.KindEntity && !known[t.Value] {
			fmt.Fprintf(stderr, "warning: column %d: entity %q is not in %s, so no article has it\n", t.Col, t.Value, cfg.Path)
		}
	}

	start := time.Now().Add(-*since)
	fired := 0
	seen, err := alerter.Backtest(ctx, js, engine, start, *feed, func(al pipeline.Alert) {
		fired++
		if *raw {
			fmt.Fprintf(stdout, "%s\n", pipeline.Encode(al))
		} else {
			printAlert(stdout, pipeline.Encode(al), false)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d of %d stored articles since %s match\n", fired, seen, start.Format(time.RFC3339))
	return nil
}
