package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Subjects. A <feed>, <rule> or <entity> token is an id matching
// [a-z0-9_-]+.
const (
	SubjectPolls    = "polls"           // polls.<feed>: a ticket to fetch a feed now
	SubjectRaw      = "articles.raw"    // articles.raw.<feed>: as fetched
	SubjectNew      = "articles.new"    // articles.new.<feed>: first sighting
	SubjectTagged   = "articles.tagged" // articles.tagged.<feed>: with entities
	SubjectAlerts   = "alerts"          // alerts.<rule>
	SubjectMentions = "mentions"        // mentions.<entity>
	SubjectDLQ      = "dlq"             // dlq.<stage>
)

// Subject joins a prefix and a token: Subject(SubjectAlerts, "venezuela").
func Subject(prefix, token string) string { return prefix + "." + token }

// Stream names.
const (
	StreamPolls    = "POLLS"
	StreamRaw      = "RAW"
	StreamArticles = "ARTICLES"
	StreamTagged   = "TAGGED"
	StreamAlerts   = "ALERTS"
	StreamMentions = "MENTIONS"
	StreamDLQ      = "DLQ"
)

// KV bucket names.
const (
	BucketFeeds     = "mw_feeds"      // the feed registry (added by the CLI)
	BucketFeedState = "mw_feed_state" // ETag, Last-Modified, failures, next due
	BucketSeen      = "mw_seen"       // dedup keys with a TTL
)

// Delivery settings every stage consumer shares. DuplicateWindow must
// outlast AckWait x MaxDeliver plus the retry backoff, so a redelivered
// input never yields two outputs.
const (
	AckWait         = 60 * time.Second
	MaxDeliver      = 5
	DuplicateWindow = 15 * time.Minute
)

// StreamSpec declares one stream.
type StreamSpec struct {
	Name      string
	Subjects  []string
	MaxAge    time.Duration
	WorkQueue bool
}

// Streams is the whole stream topology, as data.
var Streams = []StreamSpec{
	{Name: StreamPolls, Subjects: []string{SubjectPolls + ".>"}, MaxAge: time.Hour, WorkQueue: true},
	{Name: StreamRaw, Subjects: []string{SubjectRaw + ".>"}, MaxAge: 24 * time.Hour},
	{Name: StreamArticles, Subjects: []string{SubjectNew + ".>"}, MaxAge: 7 * 24 * time.Hour},
	{Name: StreamTagged, Subjects: []string{SubjectTagged + ".>"}, MaxAge: 30 * 24 * time.Hour},
	{Name: StreamAlerts, Subjects: []string{SubjectAlerts + ".>"}, MaxAge: 30 * 24 * time.Hour},
	{Name: StreamMentions, Subjects: []string{SubjectMentions + ".>"}, MaxAge: 7 * 24 * time.Hour},
	{Name: StreamDLQ, Subjects: []string{SubjectDLQ + ".>"}, MaxAge: 30 * 24 * time.Hour},
}

// StreamConfig maps a spec onto the server's configuration.
func StreamConfig(s StreamSpec, replicas int) jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name:       s.Name,
		Subjects:   s.Subjects,
		Retention:  jetstream.LimitsPolicy,
		Storage:    jetstream.FileStorage,
		MaxAge:     s.MaxAge,
		Duplicates: DuplicateWindow,
		Replicas:   replicas,
		Discard:    jetstream.DiscardOld,
	}
	if s.WorkQueue {
		cfg.Retention = jetstream.WorkQueuePolicy
	}
	return cfg
}

// ConsumerSpec declares the one durable consumer a stage kind shares across
// all its replicas.
type ConsumerSpec struct {
	Stage   string // poller, dedup, tagger, alerter
	Stream  string
	Subject string // filter
}

// Consumers lists each stage's input, as data.
var Consumers = map[string]ConsumerSpec{
	"poller":  {Stage: "poller", Stream: StreamPolls, Subject: SubjectPolls + ".>"},
	"dedup":   {Stage: "dedup", Stream: StreamRaw, Subject: SubjectRaw + ".>"},
	"tagger":  {Stage: "tagger", Stream: StreamArticles, Subject: SubjectNew + ".>"},
	"alerter": {Stage: "alerter", Stream: StreamTagged, Subject: SubjectTagged + ".>"},
}

// ConsumerConfig maps a spec onto the server's configuration.
func ConsumerConfig(c ConsumerSpec, replicas int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       c.Stage,
		Description:   "mediawatch " + c.Stage + " stage",
		FilterSubject: c.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       AckWait,
		MaxDeliver:    MaxDeliver,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 1000,
		Replicas:      replicas,
	}
}

// KVSpec declares one key-value bucket.
type KVSpec struct {
	Bucket string
	TTL    time.Duration // 0: keep forever
	// History keeps that many values per key.
	History uint8
}

// Buckets returns the KV topology; seenTTL is how long dedup remembers ids.
func Buckets(seenTTL time.Duration) []KVSpec {
	return []KVSpec{
		{Bucket: BucketFeeds, History: 1},
		{Bucket: BucketFeedState, History: 1},
		{Bucket: BucketSeen, TTL: seenTTL, History: 1},
	}
}

// KVConfig maps a spec onto the server's configuration.
func KVConfig(k KVSpec, replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:   k.Bucket,
		TTL:      k.TTL,
		History:  k.History,
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
	}
}

// Topology creates or updates every stream, consumer and bucket. It is
// idempotent: every worker calls it at start.
func Topology(ctx context.Context, js jetstream.JetStream, replicas int, seenTTL time.Duration) error {
	for _, s := range Streams {
		if _, err := js.CreateOrUpdateStream(ctx, StreamConfig(s, replicas)); err != nil {
			return fmt.Errorf("create stream %s: %w", s.Name, err)
		}
	}
	for _, c := range Consumers {
		if _, err := js.CreateOrUpdateConsumer(ctx, c.Stream, ConsumerConfig(c, replicas)); err != nil {
			return fmt.Errorf("create consumer %s on %s: %w", c.Stage, c.Stream, err)
		}
	}
	for _, k := range Buckets(seenTTL) {
		if _, err := js.CreateOrUpdateKeyValue(ctx, KVConfig(k, replicas)); err != nil {
			return fmt.Errorf("create key-value bucket %s: %w", k.Bucket, err)
		}
	}
	return nil
}

// ErrUnknownStage is returned for a stage name that has no consumer.
var ErrUnknownStage = errors.New("unknown stage")
