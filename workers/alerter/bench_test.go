package alerter

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/rules"
)

// BenchmarkHandle is the alerting stage's handler without NATS: decoding a
// tagged article of about 3 KB, evaluating the rules, encoding the alert.
func BenchmarkHandle(b *testing.B) {
	e, err := NewEngine([]rules.Rule{
		{ID: "venezuela", Query: "entity:venezuela OR entity:caribbean"},
		{ID: "words", Query: `(sanctions OR "oil exports") AND NOT feed:sport`},
	})
	require.NoError(b, err)
	var p atomic.Pointer[Engine]
	p.Store(e)
	h := Handle(&p, time.Now, nil)
	a := testArticle()
	for len(a.Content) < 3000 {
		a.Content += "<p>Die Regierung kündigte neue Sanktionen an; die Ölexporte gehen zurück.</p>"
	}
	msgs := make([]pipeline.Message, 256)
	for i := range msgs {
		a.ID = fmt.Sprintf("%032x", i)
		msgs[i] = pipeline.Message{Data: pipeline.Encode(a)}
	}
	b.SetBytes(int64(len(msgs[0].Data)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := h(context.Background(), msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}
