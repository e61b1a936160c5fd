// Package dedup drops articles already seen. It remembers article ids in the
// KV bucket mw_seen with a TTL; an atomic create means two dedup replicas
// never both pass the same article.
package dedup

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Stage is this worker's name: its consumer, DLQ subject and Msg-Id prefix.
const Stage = "dedup"

// Spec is the stage's input: every raw article.
func Spec() pipeline.ConsumerSpec {
	return pipeline.ConsumerSpec{Stage: Stage, Stream: pipeline.StreamRaw, Subject: pipeline.All(pipeline.SubjectRaw)}
}

// Seen remembers which article ids have passed.
type Seen interface {
	// Claim records id as seen by owner. It reports true if this is the
	// first sighting, or if owner already claimed it (a redelivery of the
	// same input, whose output must be published again).
	Claim(ctx context.Context, id, owner string) (bool, error)
}

// Handle is the stage's logic: pass the article on the first sighting of its
// id, drop it otherwise. It reads the id and feed from the message's
// headers, not its JSON, when it has them.
func Handle(seen Seen) pipeline.Handler {
	return func(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
		id, feed, err := pipeline.ArticleRef(m)
		if err != nil {
			return pipeline.Result{}, err
		}
		first, err := seen.Claim(ctx, id, strconv.FormatUint(m.StreamSeq, 10))
		if err != nil {
			return pipeline.Result{}, fmt.Errorf("claim article %s: %w", id, err)
		}
		if !first {
			return pipeline.Result{}, nil
		}
		return pipeline.Outputs(pipeline.Output{
			Subject: pipeline.Subject(pipeline.SubjectNew, feed),
			MsgID:   pipeline.ArticleMsgID(Stage, id),
			Data:    m.Data,
			Header:  pipeline.ArticleHeader(id, feed),
		}), nil
	}
}

// KV is Seen on a JetStream key-value bucket. A claim is one asynchronous
// publish on the key's subject that expects the key to have no value yet
// (which is what a key-value create is), so that the claims of all the
// messages in flight share the connection rather than wait in turn; only a
// key that exists costs a read.
type KV struct {
	KV jetstream.KeyValue
	JS jetstream.JetStream
}

// Claim creates the key atomically; on a conflict it reads the owner back.
func (s KV) Claim(ctx context.Context, id, owner string) (bool, error) {
	m := nats.NewMsg("$KV." + s.KV.Bucket() + "." + id) // the bucket's subject for the key (NATS ADR-8)
	m.Data = []byte(owner)
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0")
	f, err := s.JS.PublishMsgAsync(m)
	if err != nil {
		return false, fmt.Errorf("create key: %w", err)
	}
	select {
	case <-f.Ok():
		return true, nil
	case err = <-f.Err():
	case <-ctx.Done():
		return false, fmt.Errorf("create key: %w", ctx.Err())
	}
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || (apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence && apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return false, fmt.Errorf("create key: %w", err)
	}
	e, err := s.KV.Get(ctx, id)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		// Expired or deleted in between: the bucket's own create knows
		// how to write over a delete marker.
		if _, err := s.KV.Create(ctx, id, []byte(owner)); err == nil {
			return true, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return false, fmt.Errorf("create key: %w", err)
		}
		return s.Claim(ctx, id, owner)
	case err != nil:
		return false, fmt.Errorf("get key: %w", err)
	}
	return string(e.Value()) == owner, nil
}

// Config is what dedup takes from the configuration: nothing, since how
// long ids are remembered is the bucket's TTL (dedup.ttl, set with the
// topology).
type Config struct{}

// ConfigFrom picks the stage's part of the configuration.
func ConfigFrom(*config.Config) Config { return Config{} }

// Worker is the dedup stage.
type Worker struct {
	runner *pipeline.Runner
}

// New binds the stage to the mw_seen bucket and its consumer.
func New(ctx context.Context, _ Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	kv, err := deps.JS.KeyValue(ctx, pipeline.BucketSeen)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", pipeline.BucketSeen, err)
	}
	r := pipeline.NewRunner(deps.JS, Spec(), Handle(KV{KV: kv, JS: deps.JS}), log, pipeline.RunnerOptions{Metrics: deps.Metrics})
	return &Worker{runner: r}, nil
}

// Reload takes a new configuration; dedup has nothing to change.
func (w *Worker) Reload(Config) error { return nil }

// Run consumes until ctx ends.
func (w *Worker) Run(ctx context.Context) error { return w.runner.Run(ctx) }
