package tagger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/langid"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/match/matchtest"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// BenchmarkWorker is the tagging stage on the real NATS server, in process:
// b.N articles of the matcher's news corpus published on ARTICLES, tagged
// into TAGGED, with and without stories (the story log read alongside).
// Its CPU profile shows what stories cost:
//
//	go test -run '^$' -bench Worker -cpuprofile /tmp/cpu.prof ./workers/tagger
func BenchmarkWorker(b *testing.B) {
	for _, stories := range []bool{false, true} {
		b.Run(fmt.Sprintf("stories=%v", stories), func(b *testing.B) {
			_, js := pipelinetest.Connect(b, pipelinetest.Server(b))
			pipelinetest.Topology(b, js)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			docs := matchtest.Corpus(b)
			cfg, err := config.Load("../../config/mediawatch.yaml", func(string) string { return "" })
			require.NoError(b, err)
			m, err := compile(ConfigFrom(cfg))
			require.NoError(b, err)
			var h match.Holder
			h.Store(m)
			langs, err := langid.New()
			require.NoError(b, err)
			var assigner Assigner
			var logDone chan error
			if stories {
				l := NewStoryLog(js, time.Hour, zap.NewNop())
				assigner = l
				logDone = make(chan error, 1)
				go func() { logDone <- l.Run(ctx) }()
			}
			r := pipeline.NewRunner(js, Spec(), Handle(&h, langs, assigner), zap.NewNop(), pipeline.RunnerOptions{})
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			b.ResetTimer()
			for i := range b.N {
				d := docs[i%len(docs)]
				a := pipeline.Article{Schema: 1, ID: fmt.Sprintf("%032x", i), Feed: "bench", URL: fmt.Sprintf("https://e.org/%d", i),
					Title: d.Title, Summary: d.Summary, Content: d.Content}
				_, err := js.PublishAsync(pipeline.Subject(pipeline.SubjectNew, "bench"), pipeline.Encode(a))
				require.NoError(b, err)
			}
			<-js.PublishAsyncComplete()
			s, err := js.Stream(ctx, pipeline.StreamTagged)
			require.NoError(b, err)
			for {
				info, err := s.Info(ctx)
				require.NoError(b, err)
				if info.State.Msgs >= uint64(b.N) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			cancel()
			require.NoError(b, <-done)
			if logDone != nil {
				require.NoError(b, <-logDone)
			}
		})
	}
}
