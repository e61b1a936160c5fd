package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers/poller"
)

// stageStatus is one stage's backlog as the server sees it.
type stageStatus struct {
	Stage       string  `json:"stage"`
	Stream      string  `json:"stream"`
	Stored      uint64  `json:"stored"`        // messages in the input stream
	Pending     uint64  `json:"pending"`       // not yet delivered
	AckPending  int     `json:"ack_pending"`   // delivered, not yet acknowledged
	Redelivered int     `json:"redelivered"`   // delivered more than once, not yet acknowledged
	Pulls       int     `json:"pull_requests"` // pull requests waiting: about one per running replica
	DeadLetters uint64  `json:"dead_letters"`  // in dlq.<stage>
	Rate        float64 `json:"rate"`          // messages acknowledged per second over the sample
	ackFloor    uint64
}

type feedStatus struct {
	Feed string `json:"feed"`
	poller.State
}

type status struct {
	Stages  []stageStatus     `json:"stages"`
	Streams map[string]uint64 `json:"streams"`
	Feeds   []feedStatus      `json:"feeds"`
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	sample := fs.Duration("sample", time.Second, "how long to watch the stages to measure their rate (0: no rate)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: mediawatch status [--json] [--sample D] [--config F] [--nats URL]\n\nEvery stage's backlog, rate and dead letters, every stream's size, every feed's health.\n\n")
		fs.PrintDefaults()
	}
	if _, err := parse(fs, args, stderr); err != nil {
		return helpOK(err)
	}
	_, nc, js, err := client(ctx, c, "mediawatch-status", stderr, getenv)
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := readStatus(ctx, js)
	if err != nil {
		return err
	}
	if *sample > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(*sample):
		}
		later, err := readStatus(ctx, js)
		if err != nil {
			return err
		}
		for i := range later.Stages {
			later.Stages[i].Rate = float64(later.Stages[i].ackFloor-st.Stages[i].ackFloor) / sample.Seconds()
		}
		st = later
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

func readStatus(ctx context.Context, js jetstream.JetStream) (*status, error) {
	st := &status{Streams: map[string]uint64{}}
	var deadLetters map[string]uint64
	for _, spec := range pipeline.Streams {
		s, err := js.Stream(ctx, spec.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue // nothing has run against this server yet
		}
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", spec.Name, err)
		}
		var opts []jetstream.StreamInfoOpt
		if spec.Name == pipeline.StreamDLQ {
			opts = append(opts, jetstream.WithSubjectFilter(pipeline.SubjectDLQ+".>"))
		}
		info, err := s.Info(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", spec.Name, err)
		}
		st.Streams[spec.Name] = info.State.Msgs
		if spec.Name == pipeline.StreamDLQ {
			deadLetters = info.State.Subjects
		}
	}
	for _, stage := range stages {
		spec := pipeline.Consumers[stage]
		ss := stageStatus{
			Stage: stage, Stream: spec.Stream, Stored: st.Streams[spec.Stream],
			DeadLetters: deadLetters[pipeline.Subject(pipeline.SubjectDLQ, stage)],
		}
		if cons, err := js.Consumer(ctx, spec.Stream, spec.Stage); err == nil {
			if info, err := cons.Info(ctx); err == nil {
				ss.Pending, ss.AckPending, ss.Redelivered, ss.Pulls = info.NumPending, info.NumAckPending, info.NumRedelivered, info.NumWaiting
				ss.ackFloor = info.AckFloor.Consumer
			}
		}
		st.Stages = append(st.Stages, ss)
	}
	kv, err := js.KeyValue(ctx, pipeline.BucketFeedState)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read feed states: %w", err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("read feed states: %w", err)
	}
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue // deleted in between
		}
		f := feedStatus{Feed: k}
		if json.Unmarshal(e.Value(), &f.State) == nil {
			st.Feeds = append(st.Feeds, f)
		}
	}
	sort.Slice(st.Feeds, func(i, j int) bool { return st.Feeds[i].Feed < st.Feeds[j].Feed })
	return st, nil
}
