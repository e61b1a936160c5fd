package tagger

import (
	"testing"

	"github.com/mediawatch/mediawatch/match/matchtest"
	"github.com/mediawatch/mediawatch/pipeline"
)

// BenchmarkSign is what the story log adds per article: decoding it and
// signing it (the index's cost is story.BenchmarkIndexAdd).
func BenchmarkSign(b *testing.B) {
	docs := matchtest.Corpus(b)
	msgs := make([][]byte, len(docs))
	for i, d := range docs {
		msgs[i] = pipeline.Encode(pipeline.Article{Schema: 1, ID: "0123456789abcdef0123456789abcdef", URL: "https://e.org/1", Feed: "bench", Title: d.Title, Summary: d.Summary, Content: d.Content})
	}
	b.SetBytes(matchtest.Bytes(docs) / int64(len(docs)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, err := pipeline.DecodeArticle(msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		_ = Sign(a)
	}
}
