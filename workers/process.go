package workers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
)

// reloadDebounce is how long a changed config file must stay the same
// before it is reloaded.
const reloadDebounce = 2 * time.Second

// Process is a set of stages run in one process, on one connection.
type Process struct {
	Stages []Stage
	Config *config.Config
	Env    func(string) string // for reloading the config file
	Extra  []config.Source     // sources kept across reloads (the demo's)
	Conn   *nats.Conn
	JS     jetstream.JetStream
	Log    *zap.Logger
}

// Run builds the stages and runs them until ctx ends; meanwhile it serves
// /metrics, /healthz and /readyz and reloads the config file when it
// changes. Once ctx ends it waits for the stages within the shutdown budget.
func (p Process) Run(ctx context.Context) error {
	metrics := pipeline.NewMetrics()
	deps := pipeline.Deps{JS: p.JS, Metrics: metrics}
	ws := make([]Worker, 0, len(p.Stages))
	for _, s := range p.Stages {
		w, err := s.New(ctx, p.Config, deps, p.Log)
		if err != nil {
			return fmt.Errorf("start %s: %w", s.Name(), err)
		}
		ws = append(ws, w)
	}

	var wg sync.WaitGroup
	errs := make(chan error, len(ws))
	wg.Go(func() { config.Watch(ctx, p.Config.Path, p.Env, reloadDebounce, Reloader(ws, p.Extra, p.Log), p.Log) })
	wg.Go(func() {
		ready := func() error {
			if !p.Conn.IsConnected() {
				return errors.New("not connected to nats")
			}
			return nil
		}
		if err := pipeline.ServeHTTP(ctx, p.Config.HTTP.Listen, metrics, ready, p.Log); err != nil {
			p.Log.Warn("metrics and health endpoint not available", zap.Error(err))
		}
	})
	names := make([]string, len(p.Stages))
	for i, w := range ws {
		names[i] = p.Stages[i].Name()
		wg.Go(func() {
			if err := w.Run(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", names[i], err)
			}
		})
	}
	p.Log.Info("mediawatch running", zap.Strings("stages", names), zap.String("nats", p.Conn.ConnectedUrlRedacted()),
		zap.Int("sources", len(p.Config.Sources)), zap.Int("rules", len(p.Config.Rules)))
	<-ctx.Done()
	p.Log.Info("shutting down")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(pipeline.StopWait):
		p.Log.Warn("stages did not stop in time", zap.Duration("waited", pipeline.StopWait))
	}
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// Reloader hands a reloaded configuration to every worker; the extra
// sources stay.
func Reloader(ws []Worker, extra []config.Source, log *zap.Logger) func(*config.Config) {
	return func(cfg *config.Config) {
		cfg.Sources = append(cfg.Sources, extra...)
		for _, w := range ws {
			if err := w.Reload(cfg); err != nil {
				log.Error("config reload failed; that stage keeps its configuration", zap.Error(err))
			}
		}
	}
}

// Topology is the pipeline's topology for cfg: every stage's consumer.
func Topology(cfg *config.Config) pipeline.Topology {
	return pipeline.Plan(pipeline.TopologyOptions{Stages: Specs(), Replicas: cfg.NATS.Replicas, SeenTTL: time.Duration(cfg.Dedup.TTL)})
}
