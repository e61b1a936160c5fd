package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// What an operator changed with the NATS API on streams, consumers and
// buckets stays through a new start; only the settings mediawatch owns
// come back, and the limits the configuration sets. A start that finds
// everything as it should be writes nothing.
func TestTopologyKeepsOperatorSettings(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.Server(t)
	nc, js := pipelinetest.Connect(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stage := pipeline.ConsumerSpec{Stage: "tagger", Stream: pipeline.StreamArticles, Subject: pipeline.All(pipeline.SubjectNew)}
	plan := func(limits map[string]pipeline.Limits) pipeline.Topology {
		return pipeline.Plan(pipeline.TopologyOptions{Stages: []pipeline.ConsumerSpec{stage}, Replicas: 1, SeenTTL: time.Hour, Limits: limits})
	}
	defaults := map[string]pipeline.Limits{pipeline.StreamAlerts: {MaxAge: 30 * 24 * time.Hour, MaxBytes: 2_000_000_000}}
	require.NoError(t, plan(defaults).Create(ctx, js))
	alerts, err := js.Stream(ctx, pipeline.StreamAlerts)
	require.NoError(t, err)
	assert.Equal(t, int64(2_000_000_000), alerts.CachedInfo().Config.MaxBytes, "a new stream takes the defaults")

	// The operator's edits: nats stream edit ALERTS --max-bytes ..., and so on.
	sc := alerts.CachedInfo().Config
	sc.MaxBytes, sc.MaxMsgs, sc.Duplicates = 12_345_678, 1000, time.Minute
	_, err = js.UpdateStream(ctx, sc)
	require.NoError(t, err)
	cons, err := js.Consumer(ctx, stage.Stream, stage.Name())
	require.NoError(t, err)
	cc := cons.CachedInfo().Config
	cc.MaxAckPending, cc.AckWait = 77, time.Second
	_, err = js.UpdateConsumer(ctx, stage.Stream, cc)
	require.NoError(t, err)
	kv, err := js.Stream(ctx, "KV_"+pipeline.BucketFeeds)
	require.NoError(t, err)
	kc := kv.CachedInfo().Config
	kc.MaxBytes = 5_000_000
	_, err = js.UpdateStream(ctx, kc)
	require.NoError(t, err)

	require.NoError(t, plan(defaults).Create(ctx, js))
	alerts, err = js.Stream(ctx, pipeline.StreamAlerts)
	require.NoError(t, err)
	got := alerts.CachedInfo().Config
	assert.Equal(t, int64(12_345_678), got.MaxBytes, "the operator's max_bytes stays")
	assert.Equal(t, int64(1000), got.MaxMsgs, "and max_msgs")
	assert.Equal(t, pipeline.DuplicateWindow, got.Duplicates, "the duplicate window is mediawatch's")
	cons, err = js.Consumer(ctx, stage.Stream, stage.Name())
	require.NoError(t, err)
	assert.Equal(t, 77, cons.CachedInfo().Config.MaxAckPending, "the operator's max_ack_pending stays")
	assert.Equal(t, pipeline.AckWait, cons.CachedInfo().Config.AckWait, "the ack wait is mediawatch's")
	kv, err = js.Stream(ctx, "KV_"+pipeline.BucketFeeds)
	require.NoError(t, err)
	assert.Equal(t, int64(5_000_000), kv.CachedInfo().Config.MaxBytes, "a bucket's max_bytes stays")

	// A start that finds everything in line writes nothing.
	var writes atomic.Int32
	sub, err := nc.Subscribe("$JS.API.>", func(m *nats.Msg) {
		for _, verb := range []string{"CREATE", "UPDATE", "DELETE", "PURGE"} {
			if containsToken(m.Subject, verb) {
				writes.Add(1)
				t.Logf("write: %s", m.Subject)
			}
		}
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	require.NoError(t, plan(defaults).Create(ctx, js))
	require.NoError(t, nc.Flush())
	require.NoError(t, sub.Unsubscribe())
	assert.Zero(t, writes.Load(), "nothing written when nothing changed")

	// A limit the configuration sets is applied.
	owned := map[string]pipeline.Limits{pipeline.StreamAlerts: {MaxAge: 30 * 24 * time.Hour, MaxBytes: 99_000_000, OwnMaxBytes: true}}
	require.NoError(t, plan(owned).Create(ctx, js))
	alerts, err = js.Stream(ctx, pipeline.StreamAlerts)
	require.NoError(t, err)
	assert.Equal(t, int64(99_000_000), alerts.CachedInfo().Config.MaxBytes, "the configuration's max_bytes wins")
	assert.Equal(t, int64(1000), alerts.CachedInfo().Config.MaxMsgs)
}

func containsToken(subject, token string) bool {
	return slices.Contains(strings.Split(subject, "."), token)
}

// The merge functions are pure: owned settings from want, the rest from
// have.
func TestMergeStream(t *testing.T) {
	t.Parallel()
	have := jetstream.StreamConfig{Name: "A", Subjects: []string{"old.>"}, MaxBytes: 5, MaxAge: time.Hour, MaxMsgs: 9, Replicas: 1, Duplicates: time.Minute}
	want := jetstream.StreamConfig{Name: "A", Subjects: []string{"a.>"}, MaxBytes: 100, MaxAge: 2 * time.Hour, Replicas: 3, Duplicates: pipeline.DuplicateWindow}
	tests := []struct {
		name     string
		own      pipeline.Limits
		maxBytes int64
		maxAge   time.Duration
	}{
		{"limits not set", pipeline.Limits{}, 5, time.Hour},
		{"max_bytes set", pipeline.Limits{OwnMaxBytes: true}, 100, time.Hour},
		{"both set", pipeline.Limits{OwnMaxBytes: true, OwnMaxAge: true}, 100, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pipeline.MergeStream(have, want, tt.own)
			assert.Equal(t, tt.maxBytes, got.MaxBytes)
			assert.Equal(t, tt.maxAge, got.MaxAge)
			assert.Equal(t, int64(9), got.MaxMsgs)
			assert.Equal(t, []string{"a.>"}, got.Subjects)
			assert.Equal(t, 3, got.Replicas)
			assert.Equal(t, pipeline.DuplicateWindow, got.Duplicates)
		})
	}
}
