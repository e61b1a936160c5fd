package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/query"
	"github.com/mediawatch/mediawatch/rules"
	"github.com/mediawatch/mediawatch/workers/alerter"
)

// backtestSummary is the last line "rules test --json" prints.
type backtestSummary struct {
	Query    string    `json:"query"`
	Since    time.Time `json:"since"`
	Articles int       `json:"articles"` // stored articles read
	Alerts   int       `json:"alerts"`
	// Stories is how many distinct stories the matching articles are in
	// (an article tagged before stories existed is a story of its own).
	Stories    int             `json:"stories"`
	TopStories []backtestStory `json:"top_stories"` // the stories with the most matching articles, at most 5
	Days       []backtestDay   `json:"days"`        // every day since --since, oldest first
}

// backtestStory is one story of a backtest: its id, the title of its first
// matching article, how many of its articles match, and its largest size.
type backtestStory struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Articles int    `json:"articles"`
	Size     int    `json:"size"`
}

// maxTopStories is how many stories the summary lists.
const maxTopStories = 5

// storyTally counts the stories of a backtest's alerts.
type storyTally struct {
	order []string
	by    map[string]*backtestStory
}

func (s *storyTally) add(a pipeline.Alert) {
	id, size := a.Article.ID, 1
	if a.Story != nil {
		id, size = a.Story.ID, a.Story.Size
	}
	if s.by == nil {
		s.by = map[string]*backtestStory{}
	}
	st, ok := s.by[id]
	if !ok {
		st = &backtestStory{ID: id, Title: a.Article.Title}
		s.by[id] = st
		s.order = append(s.order, id)
	}
	st.Articles++
	st.Size = max(st.Size, size)
}

// top is the stories with the most matching articles, the first seen first
// among equals.
func (s *storyTally) top(n int) []backtestStory {
	out := make([]backtestStory, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, *s.by[id])
	}
	slices.SortStableFunc(out, func(a, b backtestStory) int { return b.Articles - a.Articles })
	return out[:min(n, len(out))]
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
on, with what matched and the story it is in (its id and size), then how
many alerts each day would have had (by the day, UTC, each article was
stored), and how many stories the matching articles are in, the largest
first. Every matching article is listed: the alerter alerts the first of
each story only, unless the rule says per: article. Spike rules cannot be
backtested. Nothing is published, and no consumer is left behind.

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
				if r.Spike != nil {
					return fmt.Errorf("%w: --rule %s is a spike rule: rules test backtests query rules only", errUsage, *ruleID)
				}
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
	var stories storyTally
	seen, err := alerter.Backtest(ctx, js, engine, start, *feed, func(al pipeline.Alert, stored time.Time) {
		fired++
		stories.add(al)
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
	sum := backtestSummary{Query: rule.Query, Since: start.UTC(), Articles: seen, Alerts: fired,
		Stories: len(stories.order), TopStories: stories.top(maxTopStories)}
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
		if len(sum.TopStories) > 0 {
			fmt.Fprintf(stdout, "\nstories with the most matching articles (of %d):\n", sum.Stories)
			for _, st := range sum.TopStories {
				fmt.Fprintf(stdout, "  %s  %d matching, size %d  %s\n", st.ID, st.Articles, st.Size, st.Title)
			}
		}
	}
	fmt.Fprintf(stderr, "%d of %d stored articles since %s match, in %d stories\n", fired, seen, start.Format(time.RFC3339), sum.Stories)
	return nil
}
