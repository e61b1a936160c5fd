package dedup

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

func article(id string) []byte {
	return pipeline.Encode(pipeline.Article{Schema: pipeline.ArticleSchema, ID: pipelinetest.ID(id), Feed: "f", URL: "https://e.org/" + id, Title: id})
}

func TestHandle(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	pipelinetest.Topology(t, js)
	kv, err := js.KeyValue(ctx, pipeline.BucketSeen)
	require.NoError(t, err)
	h := Handle(KV{KV: kv, JS: js})

	tests := []struct {
		name    string
		data    []byte
		seq     uint64
		outputs int
		wantErr error
	}{
		{"first sighting passes", article("a1"), 1, 1, nil},
		{"another article passes", article("a2"), 2, 1, nil},
		{"a later copy is dropped", article("a1"), 3, 0, nil},
		{"a redelivery of the first passes again", article("a1"), 1, 1, nil},
		{"malformed JSON is permanent", []byte("{"), 4, 0, pipeline.ErrPermanent},
		{"no id is permanent", []byte(`{"schema":1,"feed":"f"}`), 5, 0, pipeline.ErrPermanent},
		{"a newer schema is permanent", []byte(`{"schema":99,"id":"x","feed":"f"}`), 6, 0, pipeline.ErrPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := h(ctx, pipeline.Message{Subject: "articles.raw.f", Data: tt.data, StreamSeq: tt.seq, Delivered: 1})
			outs := res.Outputs
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, outs, tt.outputs)
			for _, o := range outs {
				assert.Equal(t, "articles.new.f", o.Subject)
				assert.Equal(t, "dedup:"+string(o.MsgID[len("dedup:"):]), o.MsgID)
				assert.Equal(t, tt.data, o.Data)
			}
		})
	}
}

// Two dedup replicas racing on the same articles pass each exactly once.
func TestReplicasNeverBothPass(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	pipelinetest.Topology(t, js)
	kv, err := js.KeyValue(ctx, pipeline.BucketSeen)
	require.NoError(t, err)

	const n = 50
	var mu sync.Mutex
	passed := map[string]int{}
	var wg sync.WaitGroup
	for replica := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := Handle(KV{KV: kv, JS: js})
			for i := range n {
				id := fmt.Sprintf("art-%d", i)
				// Each copy is a different RAW message (a re-poll), so a
				// different stream sequence.
				res, err := h(ctx, pipeline.Message{Data: article(id), StreamSeq: uint64(1000*replica + i + 1), Delivered: 1})
				assert.NoError(t, err)
				mu.Lock()
				passed[id] += len(res.Outputs)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, passed, n)
	for id, c := range passed {
		assert.Equal(t, 1, c, id)
	}
}

func TestWorkerEndToEnd(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pipelinetest.Topology(t, js)
	w, err := New(ctx, ConfigFrom(config.Default()), pipeline.Deps{JS: js}, zaptest.NewLogger(t))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	for _, id := range []string{"x", "y", "x", "z", "y"} {
		_, err := js.Publish(ctx, "articles.raw.f", article(id))
		require.NoError(t, err)
	}
	s, err := js.Stream(ctx, pipeline.StreamArticles)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs == 3
	}, 10*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

func TestContract(t *testing.T) {
	t.Parallel()
	pipelinetest.RunContract(t, pipelinetest.Contract{
		Spec: Spec(),
		Handler: func(t *testing.T, js jetstream.JetStream) pipeline.Handler {
			kv, err := js.KeyValue(context.Background(), pipeline.BucketSeen)
			require.NoError(t, err)
			return Handle(KV{KV: kv, JS: js})
		},
		Input: func(_ *testing.T, i int) (string, []byte) {
			return "articles.raw.f", article(fmt.Sprintf("%032x", i))
		},
		Outputs:       1,
		OutputStreams: []string{pipeline.StreamArticles},
		Poison:        func(*testing.T) (string, []byte) { return "articles.raw.f", []byte("{") },
	})
}

// A key deleted by hand (a delete marker) can be claimed again; a claimed
// one answers by its owner.
func TestClaimAfterDelete(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	pipelinetest.Topology(t, js)
	kv, err := js.KeyValue(ctx, pipeline.BucketSeen)
	require.NoError(t, err)
	seen := KV{KV: kv, JS: js}
	first, err := seen.Claim(ctx, "k", "1")
	require.NoError(t, err)
	assert.True(t, first)
	again, err := seen.Claim(ctx, "k", "2")
	require.NoError(t, err)
	assert.False(t, again, "another owner")
	same, err := seen.Claim(ctx, "k", "1")
	require.NoError(t, err)
	assert.True(t, same, "the same owner: a redelivery")
	require.NoError(t, kv.Delete(ctx, "k"))
	after, err := seen.Claim(ctx, "k", "3")
	require.NoError(t, err)
	assert.True(t, after, "a deleted key is free")
}
