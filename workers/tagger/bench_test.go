package tagger

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/langid"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/match/matchtest"
	"github.com/mediawatch/mediawatch/pipeline"
)

// BenchmarkHandle is the tagging stage's handler on one core, without NATS:
// decoding, language detection (no article declares its language), entity
// matching with the shipped config, mentions and encoding, over the real
// news articles of the matcher's benchmark corpus.
//
//	go test -run '^$' -bench Handle -benchmem ./workers/tagger
func BenchmarkHandle(b *testing.B) {
	for _, declared := range []bool{false, true} {
		b.Run(fmt.Sprintf("declared-lang=%v", declared), func(b *testing.B) {
			docs := matchtest.Corpus(b)
			cfg, err := config.Load("../../config/mediawatch.yaml", func(string) string { return "" })
			require.NoError(b, err)
			m, err := compile(ConfigFrom(cfg))
			require.NoError(b, err)
			var h match.Holder
			h.Store(m)
			langs, err := langid.New()
			require.NoError(b, err)
			handle := Handle(&h, langs, nil)
			msgs := make([]pipeline.Message, len(docs))
			for i, d := range docs {
				a := pipeline.Article{Schema: 1, ID: fmt.Sprintf("%032x", i), Feed: "bench", URL: fmt.Sprintf("https://e.org/%d", i),
					Title: d.Title, Summary: d.Summary, Content: d.Content}
				if declared {
					a.Lang = d.Lang
				}
				msgs[i] = pipeline.Message{Data: pipeline.Encode(a)}
			}
			b.SetBytes(matchtest.Bytes(docs) / int64(len(docs)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := handle(context.Background(), msgs[i%len(msgs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
