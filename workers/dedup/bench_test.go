package dedup

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/mediawatch/mediawatch/pipeline"
)

// memSeen is Seen in memory, for the benchmark: the handler's own cost,
// without the round trip to the bucket.
type memSeen struct {
	mu   sync.Mutex
	seen map[string]string
}

func (s *memSeen) Claim(_ context.Context, id, owner string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.seen[id]; ok {
		return o == owner, nil
	}
	s.seen[id] = owner
	return true, nil
}

// BenchmarkHandle is the dedup stage's handler without NATS: an article's
// identity read from its headers, a claim, the output.
func BenchmarkHandle(b *testing.B) {
	for _, headers := range []bool{true, false} {
		b.Run(fmt.Sprintf("headers=%v", headers), func(b *testing.B) {
			h := Handle(&memSeen{seen: map[string]string{}})
			msgs := make([]pipeline.Message, 1024)
			for i := range msgs {
				a := pipeline.Article{Schema: 1, ID: fmt.Sprintf("%032x", i), Feed: "f", URL: fmt.Sprintf("https://e.org/%d", i),
					Title: "A title", Content: string(make([]byte, 3000))}
				msgs[i] = pipeline.Message{Data: pipeline.Encode(a), StreamSeq: uint64(i)}
				if headers {
					msgs[i].Header = pipeline.ArticleHeader(a.ID, a.Feed)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := h(context.Background(), msgs[i%len(msgs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
