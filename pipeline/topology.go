package pipeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Subjects. A <feed>, <rule> or <entity> token is an id (see ValidID).
const (
	SubjectPolls    = "polls"           // polls.<feed>: a ticket to fetch a feed now
	SubjectRaw      = "articles.raw"    // articles.raw.<feed>: as fetched
	SubjectNew      = "articles.new"    // articles.new.<feed>: first sighting
	SubjectTagged   = "articles.tagged" // articles.tagged.<feed>: with entities
	SubjectAlerts   = "alerts"          // alerts.<rule>
	SubjectMentions = "mentions"        // mentions.<entity>
	SubjectDLQ      = "dlq"             // dlq.<stage>
	SubjectStories  = "stories"         // stories.<story id>: a later copy of a story
	SubjectSpikes   = "spikes"          // spikes.<rule>.<slot>: a story counted by a spike rule
)

// Subject joins a prefix and a token: Subject(SubjectAlerts, "venezuela").
func Subject(prefix, token string) string { return prefix + "." + token }

// All is the subject filter matching every subject under prefix:
// All(SubjectAlerts) is "alerts.>".
func All(prefix string) string { return prefix + ".>" }

// Stream names.
const (
	StreamPolls    = "POLLS"
	StreamRaw      = "RAW"
	StreamArticles = "ARTICLES"
	StreamTagged   = "TAGGED"
	StreamAlerts   = "ALERTS"
	StreamMentions = "MENTIONS"
	StreamDLQ      = "DLQ"
	StreamStories  = "STORIES"
	StreamSpikes   = "SPIKES"
)

// KV bucket names.
const (
	BucketFeeds     = "mw_feeds"      // the feed registry (added by the CLI)
	BucketFeedState = "mw_feed_state" // ETag, Last-Modified, failures, next due
	BucketSeen      = "mw_seen"       // dedup keys with a TTL
	BucketNotify    = "mw_notify"     // the notifier's state per sink: digests, hourly counts
	BucketNotified  = "mw_notified"   // the notifier's receipts: alerts delivered, per sink
	BucketAlerted   = "mw_alerted"    // the alerter's claims: <rule>.<story> -> the article that alerted
)

// SpikeRetention is how long the spike counts are kept: the 7 days of the
// baseline and the window being counted.
const SpikeRetention = 8 * 24 * time.Hour

// NotifiedTTL is how long the notifier remembers that it delivered an
// alert to a sink: far longer than any redelivery takes.
const NotifiedTTL = 24 * time.Hour

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

// Streams returns every stream of the topology, as data.
func Streams() []StreamSpec {
	return []StreamSpec{
		{Name: StreamPolls, Subjects: []string{All(SubjectPolls)}, MaxAge: time.Hour, WorkQueue: true},
		{Name: StreamRaw, Subjects: []string{All(SubjectRaw)}, MaxAge: 24 * time.Hour},
		{Name: StreamArticles, Subjects: []string{All(SubjectNew)}, MaxAge: 7 * 24 * time.Hour},
		{Name: StreamTagged, Subjects: []string{All(SubjectTagged)}, MaxAge: 30 * 24 * time.Hour},
		{Name: StreamAlerts, Subjects: []string{All(SubjectAlerts)}, MaxAge: 30 * 24 * time.Hour},
		{Name: StreamMentions, Subjects: []string{All(SubjectMentions)}, MaxAge: 7 * 24 * time.Hour},
		{Name: StreamDLQ, Subjects: []string{All(SubjectDLQ)}, MaxAge: 30 * 24 * time.Hour},
		{Name: StreamStories, Subjects: []string{All(SubjectStories)}, MaxAge: 7 * 24 * time.Hour},
		{Name: StreamSpikes, Subjects: []string{All(SubjectSpikes)}, MaxAge: SpikeRetention},
	}
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
// all its replicas: its input. Every stage package declares its own (its
// Spec function); the stage registry, package workers, lists them.
type ConsumerSpec struct {
	Stage   string // the stage's name: its durable consumer's name and its DLQ token
	Stream  string // the input stream
	Subject string // filter
	// Durable, when set, names the consumer instead of Stage: for a stage
	// with several consumers (the notifier has one per sink).
	Durable string
	// Subjects, when set, are the filters instead of Subject.
	Subjects []string
	// DeliverNew starts a new consumer at the messages stored from then on,
	// instead of every stored message.
	DeliverNew bool
}

// Name is the durable consumer's name: Durable, else Stage.
func (c ConsumerSpec) Name() string {
	if c.Durable != "" {
		return c.Durable
	}
	return c.Stage
}

// OwnConsumer is the name of one of the consumers of a stage with several:
// <stage>-<name> (the notifier's sink "desk" reads notifier-desk).
func OwnConsumer(stage, name string) string { return stage + "-" + name }

// StageConsumers lists, by name, the consumers of a stage with several
// (see OwnConsumer) that exist on the server: those on the stream of
// stage (a stage's Spec) named <stage>-<something>. A stream that does not
// exist yet has none.
func StageConsumers(ctx context.Context, js jetstream.JetStream, stage ConsumerSpec) ([]ConsumerSpec, error) {
	stream, err := js.Stream(ctx, stage.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list consumers of %s: %w", stage.Stream, err)
	}
	var out []ConsumerSpec
	list := stream.ListConsumers(ctx)
	for info := range list.Info() {
		if !strings.HasPrefix(info.Name, OwnConsumer(stage.Stage, "")) {
			continue
		}
		out = append(out, ConsumerSpec{
			Stage: stage.Stage, Stream: stage.Stream, Durable: info.Name,
			Subject: info.Config.FilterSubject, Subjects: info.Config.FilterSubjects,
			DeliverNew: info.Config.DeliverPolicy == jetstream.DeliverNewPolicy,
		})
	}
	if err := list.Err(); err != nil {
		return nil, fmt.Errorf("list consumers of %s: %w", stage.Stream, err)
	}
	slices.SortFunc(out, func(a, b ConsumerSpec) int { return strings.Compare(a.Durable, b.Durable) })
	return out, nil
}

// ConsumerConfig maps a spec onto the server's configuration.
func ConsumerConfig(c ConsumerSpec, replicas int) jetstream.ConsumerConfig {
	cfg := jetstream.ConsumerConfig{
		Durable:       c.Name(),
		Description:   "mediawatch " + c.Stage + " stage",
		FilterSubject: c.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       AckWait,
		MaxDeliver:    MaxDeliver,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 1000,
		Replicas:      replicas,
	}
	if len(c.Subjects) > 0 {
		cfg.FilterSubject, cfg.FilterSubjects = "", c.Subjects
	}
	if c.DeliverNew {
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	}
	if c.Durable != "" {
		cfg.Description = "mediawatch " + c.Stage + " stage: " + c.Durable
	}
	return cfg
}

// KVSpec declares one key-value bucket.
type KVSpec struct {
	Bucket string
	TTL    time.Duration // 0: keep forever
	// History keeps that many values per key.
	History uint8
}

// DefaultAlertedTTL is how long the alerter's claims are kept where the
// topology's options say nothing: longer than the longest story window.
const DefaultAlertedTTL = 8 * 24 * time.Hour

// Buckets returns the KV topology; seenTTL is how long dedup remembers ids,
// alertedTTL how long the alerter's claims last (0: DefaultAlertedTTL).
func Buckets(seenTTL, alertedTTL time.Duration) []KVSpec {
	if alertedTTL <= 0 {
		alertedTTL = DefaultAlertedTTL
	}
	return []KVSpec{
		{Bucket: BucketFeeds, History: 1},
		{Bucket: BucketFeedState, History: 1},
		{Bucket: BucketSeen, TTL: seenTTL, History: 1},
		{Bucket: BucketNotify, History: 1},
		{Bucket: BucketNotified, TTL: NotifiedTTL, History: 1},
		{Bucket: BucketAlerted, TTL: alertedTTL, History: 1},
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

// TopologyOptions say what a topology is made of besides the fixed streams
// and buckets.
type TopologyOptions struct {
	Stages   []ConsumerSpec // one durable consumer each
	Replicas int            // of every stream, consumer and bucket (0: 1)
	SeenTTL  time.Duration  // how long dedup remembers article ids
	// AlertedTTL is how long the alerter remembers that a story alerted
	// a rule: longer than the story window (0: DefaultAlertedTTL).
	AlertedTTL time.Duration
	Limits     map[string]Limits // by stream name; zero fields keep the defaults
}

// Limits bound a stream: messages older than MaxAge, or beyond MaxBytes in
// all (the oldest first), are dropped.
type Limits struct {
	MaxAge   time.Duration
	MaxBytes int64
	// OwnMaxAge and OwnMaxBytes say the configuration sets the limit: it is
	// applied to an existing stream too. Otherwise it applies only to a
	// stream being created, and an operator's own limit stays.
	OwnMaxAge, OwnMaxBytes bool
}

// Topology is every stream, consumer and bucket as the server configures
// them.
type Topology struct {
	Streams   []jetstream.StreamConfig
	Consumers []StreamConsumer
	Buckets   []jetstream.KeyValueConfig
	// Limits say, by stream name, which limits the configuration sets
	// (OwnMaxAge, OwnMaxBytes): only those are applied to a stream that
	// exists already.
	Limits map[string]Limits
}

// StreamConsumer is a consumer's configuration and the stream it reads.
type StreamConsumer struct {
	Stream string
	Config jetstream.ConsumerConfig
}

// Plan maps the topology's specs onto server configurations: a pure
// function of its options.
func Plan(o TopologyOptions) Topology {
	replicas := max(o.Replicas, 1)
	t := Topology{Limits: o.Limits}
	for _, s := range Streams() {
		cfg := StreamConfig(s, replicas)
		if l, ok := o.Limits[s.Name]; ok {
			if l.MaxAge > 0 {
				cfg.MaxAge = l.MaxAge
			}
			if l.MaxBytes > 0 {
				cfg.MaxBytes = l.MaxBytes
			}
		}
		t.Streams = append(t.Streams, cfg)
	}
	for _, c := range o.Stages {
		t.Consumers = append(t.Consumers, StreamConsumer{Stream: c.Stream, Config: ConsumerConfig(c, replicas)})
	}
	for _, k := range Buckets(o.SeenTTL, o.AlertedTTL) {
		t.Buckets = append(t.Buckets, KVConfig(k, replicas))
	}
	return t
}

// Create creates what is missing of t and brings what exists in line
// with the settings mediawatch owns, in the order streams, consumers,
// buckets; it writes nothing that is already as it should be, and is
// idempotent. Owned: a stream's subjects, retention, duplicate window,
// replicas and discard policy, and the limits (max_age, max_bytes) the
// configuration sets; a consumer's filter, ack policy, ack wait, max
// deliver, description and replicas; a bucket's TTL, history and
// replicas. Every other setting of an existing stream, consumer or
// bucket (an operator's max_bytes, max_msgs, placement, max_ack_pending,
// ...) stays as it is.
func (t Topology) Create(ctx context.Context, js jetstream.JetStream) error {
	for _, want := range t.Streams {
		if err := ensureStream(ctx, js, want, t.Limits[want.Name]); err != nil {
			return err
		}
	}
	for _, c := range t.Consumers {
		if err := EnsureConsumer(ctx, js, c.Stream, c.Config); err != nil {
			return err
		}
	}
	for _, k := range t.Buckets {
		if err := ensureBucket(ctx, js, k); err != nil {
			return err
		}
	}
	return nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig, own Limits) error {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if _, err := js.CreateStream(ctx, want); err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("create stream %s: %w", want.Name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", want.Name, err)
	}
	have := s.CachedInfo().Config
	merged := MergeStream(have, want, own)
	if reflect.DeepEqual(merged, have) {
		return nil
	}
	if _, err := js.UpdateStream(ctx, merged); err != nil {
		return fmt.Errorf("update stream %s: %w", want.Name, err)
	}
	return nil
}

// MergeStream is the configuration that brings an existing stream (have)
// in line with want: want's owned settings (see Topology.Create) over
// have's others. A pure function.
func MergeStream(have, want jetstream.StreamConfig, own Limits) jetstream.StreamConfig {
	out := have
	out.Subjects = want.Subjects
	out.Retention = want.Retention
	out.Duplicates = want.Duplicates
	out.Replicas = want.Replicas
	out.Discard = want.Discard
	if own.OwnMaxAge {
		out.MaxAge = want.MaxAge
	}
	if own.OwnMaxBytes {
		out.MaxBytes = want.MaxBytes
	}
	return out
}

// EnsureConsumer creates the durable consumer want on stream, or brings an
// existing one in line with the settings mediawatch owns (MergeConsumer),
// writing nothing when it already is.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, stream string, want jetstream.ConsumerConfig) error {
	c, err := js.Consumer(ctx, stream, want.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		if _, err := js.CreateConsumer(ctx, stream, want); err != nil && !errors.Is(err, jetstream.ErrConsumerExists) {
			return fmt.Errorf("create consumer %s on %s: %w", want.Durable, stream, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up consumer %s on %s: %w", want.Durable, stream, err)
	}
	have := c.CachedInfo().Config
	merged := MergeConsumer(have, want)
	if reflect.DeepEqual(merged, have) {
		return nil
	}
	if _, err := js.UpdateConsumer(ctx, stream, merged); err != nil {
		return fmt.Errorf("update consumer %s on %s: %w", want.Durable, stream, err)
	}
	return nil
}

// MergeConsumer is want's owned settings (filter, ack policy, ack wait,
// max deliver, description, replicas) over an existing consumer's others.
func MergeConsumer(have, want jetstream.ConsumerConfig) jetstream.ConsumerConfig {
	out := have
	out.FilterSubject, out.FilterSubjects = want.FilterSubject, want.FilterSubjects
	out.AckPolicy = want.AckPolicy
	out.AckWait = want.AckWait
	out.MaxDeliver = want.MaxDeliver
	out.Description = want.Description
	if want.Replicas > 0 {
		out.Replicas = want.Replicas
	}
	return out
}

// ensureBucket creates a missing bucket, or brings the stream behind an
// existing one in line with its owned settings (TTL, history, replicas).
func ensureBucket(ctx context.Context, js jetstream.JetStream, want jetstream.KeyValueConfig) error {
	s, err := js.Stream(ctx, "KV_"+want.Bucket)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		if _, err := js.CreateKeyValue(ctx, want); err != nil && !errors.Is(err, jetstream.ErrBucketExists) {
			return fmt.Errorf("create key-value bucket %s: %w", want.Bucket, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up key-value bucket %s: %w", want.Bucket, err)
	}
	have := s.CachedInfo().Config
	merged := MergeBucket(have, want)
	if reflect.DeepEqual(merged, have) {
		return nil
	}
	if _, err := js.UpdateStream(ctx, merged); err != nil {
		return fmt.Errorf("update key-value bucket %s: %w", want.Bucket, err)
	}
	return nil
}

// MergeBucket is want's owned settings over the configuration of the
// stream behind an existing bucket.
func MergeBucket(have jetstream.StreamConfig, want jetstream.KeyValueConfig) jetstream.StreamConfig {
	out := have
	out.MaxAge = want.TTL
	out.MaxMsgsPerSubject = max(int64(want.History), 1)
	out.Replicas = max(want.Replicas, 1)
	return out
}

// topologyPatience is how long Apply keeps trying: a cluster that is still
// electing leaders answers with timeouts for a while.
const topologyPatience = 5 * time.Minute

// Apply creates or updates the topology, retrying with backoff for up to
// five minutes while the server (or a cluster electing its leaders) cannot
// take it yet. Each attempt is bounded by 30 s.
func (t Topology) Apply(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error {
	b := RetryBackoff()
	deadline := time.Now().Add(topologyPatience)
	for {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := t.Create(tctx, js)
		cancel()
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		d := b.NextBackOff()
		log.Warn("set up streams failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
		if !Sleep(ctx, d) {
			return ctx.Err()
		}
	}
}
