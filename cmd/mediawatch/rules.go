package main

import (
	"context"
	"encoding/json"
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

// backtestSummary is the last line "rules test --json" prints.
type backtestSummary struct {
	Query    string        `json:"query"`
	Since    time.Time     `json:"since"`
	Articles int           `json:"articles"` // stored articles read
	Alerts   int           `json:"alerts"`
	Days     []backtestDay `json:"days"` // every day since --since, oldest first
}

type backtestDay struct {
	Day    string `json:"day"` // YYYY-MM-DD, UTC
	Alerts int    `json:"alerts"`
}

func cmdRules(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("rules test", flag.ContinueOnError)
	var c common
	c.register(fs)
	since := fs.Duration("since", 24*time.Hour, "how far back to test, over the tagged articles stored in stream TAGGED")
	feed := fs.String("feed", "", "only this feed's articles")
	ruleID := fs.String("rule", "", "test this rule of the config file instead of a query")
	raw := fs.Bool("json", false, `print each would-be alert's JSON, one per line, then {"summary": ...} with the count per day`)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: mediawatch rules test 'QUERY' | --rule ID [--since DURATION] [--feed ID] [--json] [--config F] [--nats URL]

Backtests a rule query (or the rule ID of the config file) on the tagged
articles stored in JetStream: prints every article it would have alerted
on, with what matched, then how many alerts each day would have had (by
the day, UTC, each article was stored). Nothing is published, and no
consumer is left behind.

`)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	switch {
	case len(pos) == 0 || pos[0] != "test":
		fs.Usage()
		return fmt.Errorf("%w: rules takes the subcommand test and one query, or --rule ID", errUsage)
	case *ruleID != "" && len(pos) != 1:
		return fmt.Errorf("%w: give a query or --rule, not both", errUsage)
	case *ruleID == "" && len(pos) != 2:
		fs.Usage()
		return fmt.Errorf("%w: rules takes the subcommand test and one query, or --rule ID", errUsage)
	}
	if *since < 0 {
		return fmt.Errorf("%w: --since %s: must not be negative (24h means the last 24 hours)", errUsage, *since)
	}
	if *feed != "" && !pipeline.ValidID(*feed) {
		return fmt.Errorf("%w: --feed %q is not a feed id", errUsage, *feed)
	}
	if *ruleID != "" && !pipeline.ValidID(*ruleID) {
		return fmt.Errorf("%w: --rule %q is not a rule id", errUsage, *ruleID)
	}
	rule := rules.Rule{ID: "test"}
	if *ruleID == "" {
		rule.Query = pos[1]
		if _, err := query.Parse(rule.Query); err != nil {
			var se *query.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("%w: query %s", errUsage, se.Error())
			}
			return err
		}
	}
	cfg, nc, js, err := client(ctx, c, "mediawatch-rules-test", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()
	if *ruleID != "" {
		found := false
		for _, r := range cfg.Rules {
			if r.ID == *ruleID {
				rule, found = rules.Rule{ID: r.ID, Query: r.Query}, true
			}
		}
		if !found {
			return fmt.Errorf("%w: --rule %s: no such rule in %s", errUsage, *ruleID, cfg.Path)
		}
	}
	engine, err := alerter.NewEngine([]rules.Rule{rule})
	if err != nil {
		return err
	}
	n, _ := query.Parse(rule.Query)
	known := cfg.EntityIDs()
	for _, t := range query.Terms(n) {
		if t.Kind == query.KindEntity && !known[t.Value] {
			fmt.Fprintf(stderr, "warning: column %d: entity %q is not in %s, so no article has it\n", t.Col, t.Value, configName(cfg))
		}
	}

	start := time.Now().Add(-*since)
	perDay := map[string]int{}
	fired := 0
	seen, err := alerter.Backtest(ctx, js, engine, start, *feed, func(al pipeline.Alert, stored time.Time) {
		fired++
		perDay[stored.UTC().Format(time.DateOnly)]++
		if *raw {
			fmt.Fprintf(stdout, "%s\n", pipeline.Encode(al))
		} else {
			printAlert(stdout, pipeline.Encode(al), false)
		}
	})
	if err != nil {
		return err
	}
	sum := backtestSummary{Query: rule.Query, Since: start.UTC(), Articles: seen, Alerts: fired}
	for d := start.UTC().Truncate(24 * time.Hour); !d.After(time.Now().UTC()); d = d.Add(24 * time.Hour) {
		day := d.Format(time.DateOnly)
		sum.Days = append(sum.Days, backtestDay{Day: day, Alerts: perDay[day]})
	}
	if *raw {
		out, err := json.Marshal(map[string]backtestSummary{"summary": sum})
		if err != nil {
			return fmt.Errorf("encode summary: %w", err)
		}
		fmt.Fprintf(stdout, "%s\n", out)
	} else {
		fmt.Fprintf(stdout, "\nalerts per day (UTC, by when the article was stored):\n")
		for _, d := range sum.Days {
			fmt.Fprintf(stdout, "  %s  %d\n", d.Day, d.Alerts)
		}
	}
	fmt.Fprintf(stderr, "%d of %d stored articles since %s match\n", fired, seen, start.Format(time.RFC3339))
	return nil
}
