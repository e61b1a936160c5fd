package workers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
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

// Process is a set of stages run in one process.
type Process struct {
	Stages []Stage
	Config *config.Config
	Env    func(string) string // for reloading the config file
	Extra  []config.Source     // sources kept across reloads (the demo's)
	// OnlyExtra drops the sources of a reloaded config: the Extra ones are
	// polled alone (the demo without --with-feeds), as at start.
	OnlyExtra bool
	// Dial makes a connection; closed is to be called when the server
	// closes it for good (see pipeline.Connect). Process dials again then.
	Dial func(ctx context.Context, closed func(error)) (*nats.Conn, error)
	// Session, when set, runs on every new connection once the stages are
	// built (to follow a subject, say); the returned stop runs when the
	// connection is given up.
	Session func(nc *nats.Conn) (stop func(), err error)
	Log     *zap.Logger

	ready   atomic.Bool
	conn    atomic.Pointer[nats.Conn]
	metrics atomic.Pointer[pipeline.Metrics]
}

// Ready reports why the process is not ready to work, or nil: it is
// connected, its stages are running, and each has its consumer to read
// from.
func (p *Process) Ready() error {
	nc := p.conn.Load()
	switch {
	case nc == nil || !nc.IsConnected():
		return errors.New("not connected to nats")
	case !p.ready.Load():
		return errors.New("stages not running")
	}
	if unbound := p.metrics.Load().Unbound(); len(unbound) > 0 {
		return fmt.Errorf("no consumer to read from (its stream or consumer is missing): %s", strings.Join(unbound, ", "))
	}
	return nil
}

// Run serves /metrics, /healthz and /readyz on the config's HTTP address
// (failing at once when it is taken), connects, sets up the topology,
// builds the stages and runs them until ctx ends, reloading the config file
// when it changes. A connection the server closes for good is dialled
// again and the stages rebuilt on it. Once ctx ends it waits for the stages
// within the shutdown budget.
func (p *Process) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", p.Config.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen for http on %s: %w (set http.listen)", p.Config.HTTP.Listen, err)
	}
	metrics := pipeline.NewMetrics()
	p.metrics.Store(metrics)
	// The endpoint and the config watcher stop with Run, also when it
	// fails (a sink's secret missing, say) before ctx ends.
	bctx, stop := context.WithCancel(ctx)
	var bg sync.WaitGroup
	defer func() { stop(); bg.Wait() }()
	bg.Go(func() {
		if err := pipeline.ServeHTTP(bctx, ln, metrics, p.Ready, p.Log); err != nil {
			p.Log.Warn("metrics and health endpoint stopped", zap.Error(err))
		}
	})
	current := &workerSet{cfg: p.Config}
	reload := current.reload(Reloader(p.Extra, p.OnlyExtra, p.Log))
	bg.Go(func() { config.Watch(bctx, p.Config.Path, p.Env, reloadDebounce, reload, p.Log) })

	retry := pipeline.RetryBackoff()
	for {
		lost := make(chan error, 1)
		nc, err := p.Dial(ctx, func(err error) {
			select {
			case lost <- err:
			default:
			}
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		p.conn.Store(nc)
		err = p.session(ctx, nc, lost, current, pipeline.Deps{Metrics: metrics})
		p.ready.Store(false)
		_ = nc.FlushTimeout(pipeline.CloseWait) // acks and publishes still buffered
		nc.Close()
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil // stopped while starting: not a failure
		}
		if ctx.Err() != nil || err != nil {
			return err
		}
		d := retry.NextBackOff()
		p.Log.Warn("nats closed the connection for good; connecting again", zap.Duration("retry_in", d))
		if !pipeline.Sleep(ctx, d) {
			return nil
		}
	}
}

// session runs the stages on one connection until ctx ends (nil) or the
// connection is lost (nil, after the stages stopped).
func (p *Process) session(ctx context.Context, nc *nats.Conn, lost <-chan error, current *workerSet, deps pipeline.Deps) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("open jetstream: %w", err)
	}
	cfg := current.config()
	if err := Topology(cfg).Apply(ctx, js, p.Log); err != nil {
		return err
	}
	deps.JS = js
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ws := make([]Worker, 0, len(p.Stages))
	names := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		names[i] = s.Name()
		w, err := s.New(sctx, cfg, deps, p.Log)
		if err != nil {
			return fmt.Errorf("start %s: %w", s.Name(), err)
		}
		ws = append(ws, w)
	}
	current.set(ws)
	if p.Session != nil {
		stop, err := p.Session(nc)
		if err != nil {
			return err
		}
		defer stop()
	}

	var wg sync.WaitGroup
	errs := make(chan error, len(ws))
	for i, w := range ws {
		wg.Go(func() {
			if err := w.Run(sctx); err != nil {
				errs <- fmt.Errorf("%s: %w", names[i], err)
			}
		})
	}
	p.ready.Store(true)
	p.Log.Info("mediawatch running", zap.Strings("stages", names), zap.String("nats", nc.ConnectedUrlRedacted()),
		zap.Int("sources", len(cfg.Sources)), zap.Int("rules", len(cfg.Rules)))
	select {
	case <-ctx.Done():
		p.Log.Info("shutting down")
	case err := <-lost:
		p.Log.Error("nats closed the connection for good; stopping the stages to start them again on a new one", zap.Error(err))
	}
	cancel()
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

// workerSet is the latest configuration and the workers of the current
// session, for reloads: a session that starts after a reload builds its
// stages with the reloaded configuration.
type workerSet struct {
	mu  sync.Mutex
	cfg *config.Config
	ws  []Worker
}

func (s *workerSet) set(ws []Worker) {
	s.mu.Lock()
	s.ws = ws
	s.mu.Unlock()
}

func (s *workerSet) config() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

func (s *workerSet) reload(hand func([]Worker, *config.Config)) func(*config.Config) {
	return func(cfg *config.Config) {
		s.mu.Lock()
		defer s.mu.Unlock()
		hand(s.ws, cfg)
		s.cfg = cfg
	}
}

// Reloader hands a reloaded configuration to every worker; the extra
// sources stay, alone when onlyExtra is set.
func Reloader(extra []config.Source, onlyExtra bool, log *zap.Logger) func([]Worker, *config.Config) {
	return func(ws []Worker, cfg *config.Config) {
		if onlyExtra {
			cfg.Sources = nil
		}
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
	return pipeline.Plan(pipeline.TopologyOptions{
		Stages: Specs(), Replicas: cfg.NATS.Replicas, SeenTTL: time.Duration(cfg.Dedup.TTL), Limits: cfg.Streams.ByStream(),
	})
}
