package pipeline

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	stages := []ConsumerSpec{
		{Stage: "dedup", Stream: StreamRaw, Subject: All(SubjectRaw)},
		{Stage: "tagger", Stream: StreamArticles, Subject: All(SubjectNew)},
	}
	top := Plan(TopologyOptions{Stages: stages, Replicas: 3, SeenTTL: 48 * time.Hour})

	streams := map[string]jetstream.StreamConfig{}
	for _, s := range top.Streams {
		streams[s.Name] = s
	}
	tests := []struct {
		stream    string
		subject   string
		maxAge    time.Duration
		retention jetstream.RetentionPolicy
	}{
		{StreamPolls, "polls.>", time.Hour, jetstream.WorkQueuePolicy},
		{StreamRaw, "articles.raw.>", 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamArticles, "articles.new.>", 7 * 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamTagged, "articles.tagged.>", 30 * 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamAlerts, "alerts.>", 30 * 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamMentions, "mentions.>", 7 * 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamDLQ, "dlq.>", 30 * 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamStories, "stories.>", 7 * 24 * time.Hour, jetstream.LimitsPolicy},
		{StreamSpikes, "spikes.>", 8 * 24 * time.Hour, jetstream.LimitsPolicy},
	}
	require.Len(t, top.Streams, len(tests))
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			s, ok := streams[tt.stream]
			require.True(t, ok)
			assert.Equal(t, []string{tt.subject}, s.Subjects)
			assert.Equal(t, tt.maxAge, s.MaxAge)
			assert.Equal(t, tt.retention, s.Retention)
			assert.Equal(t, jetstream.FileStorage, s.Storage)
			assert.Equal(t, 3, s.Replicas)
			assert.Equal(t, DuplicateWindow, s.Duplicates)
			assert.Equal(t, jetstream.DiscardOld, s.Discard)
		})
	}

	require.Len(t, top.Consumers, 2)
	for i, c := range top.Consumers {
		assert.Equal(t, stages[i].Stream, c.Stream)
		assert.Equal(t, stages[i].Stage, c.Config.Durable)
		assert.Equal(t, stages[i].Subject, c.Config.FilterSubject)
		assert.Equal(t, jetstream.AckExplicitPolicy, c.Config.AckPolicy)
		assert.Equal(t, AckWait, c.Config.AckWait)
		assert.Equal(t, MaxDeliver, c.Config.MaxDeliver)
		assert.Equal(t, 3, c.Config.Replicas)
	}

	buckets := map[string]jetstream.KeyValueConfig{}
	for _, b := range top.Buckets {
		buckets[b.Bucket] = b
		assert.Equal(t, 3, b.Replicas)
		assert.Equal(t, jetstream.FileStorage, b.Storage)
	}
	assert.Len(t, buckets, 6, "the feed registry, feed states, dedup keys, the notifier's state and receipts, and the alerter's claims")
	assert.Equal(t, 48*time.Hour, buckets[BucketSeen].TTL, "dedup remembers ids for the configured TTL")
	assert.Zero(t, buckets[BucketFeeds].TTL, "the feed registry is kept forever")
	assert.Zero(t, buckets[BucketFeedState].TTL)
	assert.Zero(t, buckets[BucketNotify].TTL, "digests wait however long their period is")
	assert.Equal(t, NotifiedTTL, buckets[BucketNotified].TTL)
	assert.Equal(t, DefaultAlertedTTL, buckets[BucketAlerted].TTL, "claims outlast the longest story window")

	// A redelivered input can never yield a second output: the duplicate
	// window outlasts every redelivery.
	worst := time.Duration(MaxDeliver)*AckWait + time.Duration(MaxDeliver-1)*DefaultBackoff(MaxDeliver)*3/2
	assert.Greater(t, DuplicateWindow, worst)
}

func TestPlanLimits(t *testing.T) {
	t.Parallel()
	top := Plan(TopologyOptions{Limits: map[string]Limits{StreamRaw: {MaxAge: time.Hour, MaxBytes: 1 << 20}, StreamAlerts: {MaxBytes: 5}}})
	for _, s := range top.Streams {
		switch s.Name {
		case StreamRaw:
			assert.Equal(t, time.Hour, s.MaxAge)
			assert.Equal(t, int64(1<<20), s.MaxBytes)
		case StreamAlerts:
			assert.Equal(t, 30*24*time.Hour, s.MaxAge, "an unset limit keeps its default")
			assert.Equal(t, int64(5), s.MaxBytes)
		default:
			assert.Zero(t, s.MaxBytes, s.Name)
		}
	}
}

func TestPlanDefaultsToOneReplica(t *testing.T) {
	t.Parallel()
	top := Plan(TopologyOptions{})
	for _, s := range top.Streams {
		assert.Equal(t, 1, s.Replicas, s.Name)
	}
	assert.Empty(t, top.Consumers)
}

func TestBackoffPolicy(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: time.Second, Max: 8 * time.Second}
	for attempt, base := range map[uint64]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 10: 8 * time.Second} {
		for range 20 {
			d := b.Delay(attempt)
			assert.GreaterOrEqual(t, d, base/2, "attempt %d", attempt)
			assert.LessOrEqual(t, d, min(base*3/2, b.Max), "attempt %d: never beyond Max", attempt)
		}
	}
	// Jittered: twenty delays of one attempt are not all the same.
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[DefaultBackoff(3)] = true
	}
	assert.Greater(t, len(seen), 1)
}

func TestConsumerConfigOfASink(t *testing.T) {
	c := ConsumerConfig(ConsumerSpec{Stage: "notifier", Durable: "notifier-hook", Stream: StreamAlerts, Subjects: []string{"alerts.a", "alerts.b"}, DeliverNew: true}, 1)
	assert.Equal(t, "notifier-hook", c.Durable)
	assert.Empty(t, c.FilterSubject)
	assert.Equal(t, []string{"alerts.a", "alerts.b"}, c.FilterSubjects)
	assert.Equal(t, jetstream.DeliverNewPolicy, c.DeliverPolicy, "a new sink starts with the alerts to come")
	assert.Equal(t, MaxDeliver, c.MaxDeliver)
}
