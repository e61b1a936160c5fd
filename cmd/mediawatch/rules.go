package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers/alerter"
	"github.com/mediawatch/mediawatch/workers/alerter/query"
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
	if *feed != "" && !config.ValidID(*feed) {
		return fmt.Errorf("%w: --feed %q is not a feed id", errUsage, *feed)
	}
	engine, err := alerter.NewEngine([]config.Rule{{ID: "test", Query: pos[1]}})
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

	subject := pipeline.SubjectTagged + ".>"
	if *feed != "" {
		subject = pipeline.Subject(pipeline.SubjectTagged, *feed)
	}
	start := time.Now().Add(-*since)
	cons, err := js.OrderedConsumer(ctx, pipeline.StreamTagged, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &start,
	})
	if err != nil {
		return fmt.Errorf("read stored articles: %w", err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("read stored articles: %w", err)
	}
	var seen, fired int
	if info.NumPending > 0 {
		it, err := cons.Messages()
		if err != nil {
			return fmt.Errorf("read stored articles: %w", err)
		}
		defer it.Stop()
		for {
			m, err := it.Next()
			if err != nil {
				return fmt.Errorf("read stored articles: %w", err)
			}
			seen++
			if a, err := pipeline.DecodeArticle(m.Data()); err == nil {
				for _, al := range engine.Evaluate(a, time.Now()) {
					fired++
					if *raw {
						fmt.Fprintf(stdout, "%s\n", pipeline.Encode(al))
					} else {
						printAlert(stdout, pipeline.Encode(al), false)
					}
				}
			}
			meta, err := m.Metadata()
			if err != nil || meta.NumPending == 0 {
				break
			}
		}
	}
	fmt.Fprintf(stderr, "%d of %d stored articles since %s match\n", fired, seen, start.Format(time.RFC3339))
	return nil
}
