// Package workers is the stage registry: every stage of the pipeline, in
// pipeline order, with its input and its constructor. Adding a stage is one
// entry in Stages.
package workers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers/alerter"
	"github.com/mediawatch/mediawatch/workers/dedup"
	"github.com/mediawatch/mediawatch/workers/notifier"
	"github.com/mediawatch/mediawatch/workers/poller"
	"github.com/mediawatch/mediawatch/workers/tagger"
)

// Worker is a running stage.
type Worker interface {
	// Run works until ctx ends, then stops within the shutdown budget and
	// returns nil.
	Run(ctx context.Context) error
	// Reload hands the stage a new configuration (it takes the part it
	// needs); on an error the stage keeps its old one.
	Reload(cfg *config.Config) error
}

// Stage is one entry of the registry.
type Stage struct {
	Spec pipeline.ConsumerSpec // the stage's name and input
	New  func(ctx context.Context, cfg *config.Config, deps pipeline.Deps, log *zap.Logger) (Worker, error)
	// OwnConsumers says the stage makes its consumers itself, as its
	// configuration says (the notifier: one per sink): the topology has
	// none for it.
	OwnConsumers bool
}

// Name is the stage's name.
func (s Stage) Name() string { return s.Spec.Stage }

// Stages lists every stage, in pipeline order.
func Stages() []Stage {
	return []Stage{
		entry(poller.Spec(), poller.ConfigFrom, poller.New),
		entry(dedup.Spec(), dedup.ConfigFrom, dedup.New),
		entry(tagger.Spec(), tagger.ConfigFrom, tagger.New),
		entry(alerter.Spec(), alerter.ConfigFrom, alerter.New),
		ownConsumers(entry(notifier.Spec(), notifier.ConfigFrom, notifier.New)),
	}
}

// ownConsumers marks a stage that makes its consumers itself.
func ownConsumers(s Stage) Stage {
	s.OwnConsumers = true
	return s
}

// ErrUnknownStage is returned for a stage name that is not in the registry.
var ErrUnknownStage = errors.New("unknown stage")

// Lookup finds a stage by name.
func Lookup(name string) (Stage, error) {
	for _, s := range Stages() {
		if s.Name() == name {
			return s, nil
		}
	}
	return Stage{}, fmt.Errorf("%w: %q (want one of %s)", ErrUnknownStage, name, strings.Join(Names(), ", "))
}

// Names lists the stages' names, in pipeline order.
func Names() []string {
	var out []string
	for _, s := range Stages() {
		out = append(out, s.Name())
	}
	return out
}

// Specs lists the stages' inputs, in pipeline order: the consumers of the
// topology (a stage that makes its own consumers has none there).
func Specs() []pipeline.ConsumerSpec {
	var out []pipeline.ConsumerSpec
	for _, s := range Stages() {
		if !s.OwnConsumers {
			out = append(out, s.Spec)
		}
	}
	return out
}

// Consumers lists every stage's consumers as the server has them, in
// pipeline order: the topology's, and those a stage makes itself (the
// notifier's, one per sink), by name. A stage that makes its own and has
// none yet is listed by its Spec, so that its dead letters still show.
func Consumers(ctx context.Context, js jetstream.JetStream) ([]pipeline.ConsumerSpec, error) {
	var out []pipeline.ConsumerSpec
	for _, s := range Stages() {
		if !s.OwnConsumers {
			out = append(out, s.Spec)
			continue
		}
		own, err := pipeline.StageConsumers(ctx, js, s.Spec)
		if err != nil {
			return nil, fmt.Errorf("consumers of the %s stage: %w", s.Name(), err)
		}
		if len(own) == 0 {
			own = []pipeline.ConsumerSpec{s.Spec}
		}
		out = append(out, own...)
	}
	return out, nil
}

// stageWorker is the shape of every stage package's Worker: it takes the
// stage's part C of the configuration.
type stageWorker[C any] interface {
	Run(ctx context.Context) error
	Reload(cfg C) error
}

// entry makes a registry entry of a stage package: its input, the function
// that picks its part of the configuration, and its constructor.
func entry[C any, W stageWorker[C]](spec pipeline.ConsumerSpec, part func(*config.Config) C,
	newWorker func(context.Context, C, pipeline.Deps, *zap.Logger) (W, error)) Stage {
	return Stage{
		Spec: spec,
		New: func(ctx context.Context, cfg *config.Config, deps pipeline.Deps, log *zap.Logger) (Worker, error) {
			w, err := newWorker(ctx, part(cfg), deps, log)
			if err != nil {
				return nil, err
			}
			return adapted[C]{w: w, part: part}, nil
		},
	}
}

// adapted is a stage's Worker seen through the registry.
type adapted[C any] struct {
	w    stageWorker[C]
	part func(*config.Config) C
}

func (a adapted[C]) Run(ctx context.Context) error   { return a.w.Run(ctx) }
func (a adapted[C]) Reload(cfg *config.Config) error { return a.w.Reload(a.part(cfg)) }
