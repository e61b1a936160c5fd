package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/workers"
)

// BenchmarkPipeline pushes b.N raw articles through dedup, tagger and
// alerter on the real server (one process, the shipped config's entities
// and rule; every other article mentions Venezuela) and reports the
// throughput and the raw-to-alert latency.
//
//	go test -run '^$' -bench Pipeline -benchtime 2000x ./cmd/mediawatch
func BenchmarkPipeline(b *testing.B) {
	srv := pipelinetest.Server(b)
	nc, js := pipelinetest.Connect(b, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := config.Load("../../config/mediawatch.yaml", func(string) string { return "" })
	require.NoError(b, err)
	pipelinetest.Topology(b, js, workers.Specs()...)
	deps := pipeline.Deps{JS: js}
	for _, stage := range []string{"dedup", "tagger", "alerter"} {
		s, err := workers.Lookup(stage)
		require.NoError(b, err)
		w, err := s.New(ctx, cfg, deps, zap.NewNop())
		require.NoError(b, err)
		go func() { _ = w.Run(ctx) }()
	}

	want := (b.N + 1) / 2
	latencies := make(chan time.Duration, want)
	sub, err := nc.Subscribe("alerts.>", func(m *nats.Msg) {
		var a pipeline.Alert
		if json.Unmarshal(m.Data, &a) == nil {
			latencies <- time.Since(a.Article.Fetched)
		}
	})
	require.NoError(b, err)
	defer func() { _ = sub.Unsubscribe() }()

	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		title := fmt.Sprintf("Markets close higher on day %d", i)
		if i%2 == 0 {
			title = fmt.Sprintf("Venezuela's opposition meets in Caracas, round %d", i)
		}
		a := pipeline.Article{Schema: 1, ID: fmt.Sprintf("%032x", i), Feed: "bench", URL: fmt.Sprintf("https://e.org/%d", i),
			Title: title, Summary: "A short summary of the story, as feeds send it.", Lang: "en", Fetched: time.Now()}
		_, err := js.PublishAsync("articles.raw.bench", pipeline.Encode(a))
		require.NoError(b, err)
	}
	got := make([]time.Duration, 0, want)
	timeout := time.After(5 * time.Minute)
	for len(got) < want {
		select {
		case d := <-latencies:
			got = append(got, d)
		case <-timeout:
			b.Fatalf("%d of %d alerts after 5 minutes", len(got), want)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "articles/s")
	b.ReportMetric(float64(got[len(got)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(got[len(got)*99/100].Milliseconds()), "p99-ms")
}
