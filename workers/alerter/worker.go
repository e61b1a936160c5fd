package alerter

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Stage is this worker's name.
const Stage = "alerter"

// Handle is the stage's logic: one output per rule the article fires, with
// Nats-Msg-Id alert:<rule>:<article id>.
// The engine is read on every message, so a reload applies from the next
// message on.
func Handle(engine *atomic.Pointer[Engine], now func() time.Time) pipeline.Handler {
	return func(_ context.Context, m pipeline.Message) ([]pipeline.Output, error) {
		a, err := pipeline.DecodeArticle(m.Data)
		if err != nil {
			return nil, err
		}
		alerts := engine.Load().Evaluate(a, now())
		outs := make([]pipeline.Output, 0, len(alerts))
		for _, al := range alerts {
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectAlerts, al.Rule),
				MsgID:   "alert:" + al.Rule + ":" + a.ID,
				Data:    pipeline.Encode(al),
			})
		}
		return outs, nil
	}
}

// Worker is the alerter stage.
type Worker struct {
	engine atomic.Pointer[Engine]
	runner *pipeline.Runner
	log    *zap.Logger
}

// New compiles the rules and binds the stage's consumer.
func New(_ context.Context, cfg *config.Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	e, err := NewEngine(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("start alerter: %w", err)
	}
	w := &Worker{log: log.With(zap.String("worker", Stage))}
	w.engine.Store(e)
	w.runner = pipeline.NewRunner(deps.JS, pipeline.Consumers[Stage], Handle(&w.engine, time.Now), log, pipeline.RunnerOptions{Metrics: deps.Metrics})
	return w, nil
}

// Reload compiles the rules of cfg and swaps them in atomically; on an
// error the old rules stay.
func (w *Worker) Reload(cfg *config.Config) error {
	e, err := NewEngine(cfg.Rules)
	if err != nil {
		return fmt.Errorf("reload rules: %w", err)
	}
	w.engine.Store(e)
	w.log.Info("rules swapped", zap.Int("rules", len(cfg.Rules)))
	return nil
}

// Run consumes until ctx ends.
func (w *Worker) Run(ctx context.Context) error { return w.runner.Run(ctx) }
