package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers"
)

// status is what "mediawatch status" shows.
type status struct {
	pipeline.Status
	Feeds []feeds.FeedState `json:"feeds"`
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	sample := fs.Duration("sample", time.Second, "how long to watch the stages to measure their rate (0: no rate)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: mediawatch status [--json] [--sample D] [--config F] [--nats URL]\n\nEvery stage's backlog, rate and dead letters, every stream's size, every feed's health.\nThe notifier has a row per sink (its consumer notifier-<sink>), each with the stage's dead letters.\n\n")
		fs.PrintDefaults()
	}
	if err := parseNone(fs, args, stdout, stderr); err != nil {
		return helpOK(err)
	}
	_, nc, js, err := client(ctx, c, "mediawatch-status", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second+max(*sample, 0)) // the sample on top
	defer cancel()
	specs, err := workers.Consumers(ctx, js)
	if err != nil {
		return err
	}
	inspected, err := pipeline.Inspect(ctx, js, specs, *sample)
	if err != nil {
		return err
	}
	st := status{Status: *inspected}
	kv, err := js.KeyValue(ctx, pipeline.BucketFeedState)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound): // nothing has polled yet
	case err != nil:
		return fmt.Errorf("read feed states: %w", err)
	default:
		if st.Feeds, err = (feeds.KVState{KV: kv}).List(ctx); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tSTREAM\tSTORED\tPENDING\tACK PENDING\tREDELIVERED\tPULLS\tRATE/S\tDEAD LETTERS")
	for _, s := range st.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%d\n", s.Stage, s.Stream, s.Stored, s.Pending, s.AckPending, s.Redelivered, s.Pulls, s.Rate, s.DeadLetters)
	}
	fmt.Fprintf(tw, "\nalerts stored: %d\tmentions stored: %d\n", st.Streams[pipeline.StreamAlerts], st.Streams[pipeline.StreamMentions])
	fmt.Fprintln(tw, "\nFEED\tLAST SUCCESS\tARTICLES\tFAILURES\tLAST ERROR")
	for _, f := range st.Feeds {
		last := "never"
		if !f.LastSuccess.IsZero() {
			last = time.Since(f.LastSuccess).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", f.Feed, last, f.Articles, f.Failures, truncate(f.LastError, 100))
	}
	return tw.Flush()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
