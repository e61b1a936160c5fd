package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/pipeline"
)

func cmdAlerts(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("alerts tail", flag.ContinueOnError)
	var c common
	c.register(fs)
	rule := fs.String("rule", "", "only this rule's alerts")
	since := fs.Duration("since", 0, "first replay the stored alerts of this long ago (e.g. 24h), then follow")
	raw := fs.Bool("json", false, "print each alert's JSON as published, one per line")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: mediawatch alerts tail [--rule ID] [--since DURATION] [--json] [--config F] [--nats URL]

Follows alerts.> (or alerts.<rule>) and prints each alert: the rule, the
article's title, feed and language, and the words that made the rule fire.

`)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stdout, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 || pos[0] != "tail" {
		fs.Usage()
		return fmt.Errorf("%w: alerts takes the subcommand tail", errUsage)
	}
	if *since < 0 {
		return fmt.Errorf("%w: --since %s: must not be negative (24h means the last 24 hours)", errUsage, *since)
	}
	if *rule != "" && !pipeline.ValidID(*rule) {
		return fmt.Errorf("%w: --rule %q is not a rule id", errUsage, *rule)
	}
	_, nc, js, err := client(ctx, c, "mediawatch-alerts-tail", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()

	subject := pipeline.All(pipeline.SubjectAlerts)
	if *rule != "" {
		subject = pipeline.Subject(pipeline.SubjectAlerts, *rule)
	}
	if *since > 0 {
		// An ordered consumer replays the stored alerts, then follows.
		start := time.Now().Add(-*since)
		cons, err := js.OrderedConsumer(ctx, pipeline.StreamAlerts, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{subject},
			DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
			OptStartTime:   &start,
		})
		if err != nil {
			return fmt.Errorf("replay alerts: %w", err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) { printAlert(stdout, m.Data(), *raw) })
		if err != nil {
			return fmt.Errorf("replay alerts: %w", err)
		}
		<-ctx.Done()
		cc.Stop()
		return nil
	}
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) { printAlert(stdout, m.Data, *raw) })
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	fmt.Fprintf(stderr, "following %s on %s (Ctrl-C to stop)\n", subject, nc.ConnectedUrlRedacted())
	<-ctx.Done()
	_ = sub.Unsubscribe()
	return nil
}

// printAlert writes one alert: raw JSON, or a readable block.
func printAlert(w io.Writer, data []byte, raw bool) {
	if raw {
		fmt.Fprintf(w, "%s\n", data)
		return
	}
	var a pipeline.Alert
	if err := json.Unmarshal(data, &a); err != nil {
		fmt.Fprintf(w, "unreadable alert: %v\n", err)
		return
	}
	lang := a.Article.Lang
	if lang == "" {
		lang = "?"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ALERT [%s] %s\n", a.Rule, a.Article.Title)
	fmt.Fprintf(&b, "  feed %s, lang %s, %s\n", a.Article.Feed, lang, a.Article.URL)
	if a.Story != nil {
		fmt.Fprintf(&b, "  story %s, size %d\n", a.Story.ID, a.Story.Size)
	}
	if s := a.Spike; s != nil {
		fmt.Fprintf(&b, "  spike: %d stories mentioning %s in the %s to %s, baseline %.1f (mean of %d days), factor %g, min %d\n",
			s.Count, s.Entity, s.Window, s.End.Format(time.RFC3339), s.Baseline, s.Days, s.Factor, s.Min)
	}
	for _, m := range a.Matches {
		fmt.Fprintf(&b, "  matched %s: %q in %s: %s\n", m.Term, m.Surface, m.Field, m.Snippet)
	}
	fmt.Fprint(w, b.String())
}
