package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/demo"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers/alerter"
	"github.com/mediawatch/mediawatch/workers/dedup"
	"github.com/mediawatch/mediawatch/workers/poller"
	"github.com/mediawatch/mediawatch/workers/tagger"
)

// stages lists every stage in pipeline order.
var stages = []string{"poller", "dedup", "tagger", "alerter"}

type worker interface {
	Run(ctx context.Context) error
}

func newWorker(ctx context.Context, stage string, cfg *config.Config, deps pipeline.Deps, log *zap.Logger) (worker, error) {
	switch stage {
	case "poller":
		return poller.New(ctx, cfg, deps, log)
	case "dedup":
		return dedup.New(ctx, cfg, deps, log)
	case "tagger":
		return tagger.New(ctx, cfg, deps, log)
	case "alerter":
		return alerter.New(ctx, cfg, deps, log)
	}
	return nil, fmt.Errorf("%w: %q (want one of poller, dedup, tagger, alerter)", pipeline.ErrUnknownStage, stage)
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	demoMode := fs.Bool("demo", false, "also serve the bundled sample feeds over local HTTP and poll them (works without internet)")
	quiet := fs.Bool("quiet", false, "do not print alerts as they are published")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: mediawatch run [--config F] [--nats URL] [--demo]

Runs every stage (poller, dedup, tagger, alerter) in one process and prints
each alert as it is published. Without a NATS URL it starts the NATS server
in-process, so "nats sub 'alerts.>'" from another terminal sees the alerts.

`)
		fs.PrintDefaults()
	}
	if _, err := parse(fs, args, stderr); err != nil {
		return helpOK(err)
	}
	return start(ctx, c, startOptions{stages: stages, embedded: true, demo: *demoMode, printAlerts: !*quiet}, stdout, stderr, getenv)
}

func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var c common
	c.register(fs)
	demoMode := fs.Bool("demo", false, "poller only: also serve the bundled sample feeds and poll them")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: mediawatch worker poller|dedup|tagger|alerter [--config F] [--nats URL]

Runs one stage against an existing NATS server (--nats, else
MEDIAWATCH_NATS_URL or nats.url, else nats://<nats.embedded.listen>).
Replicas of a stage share one durable consumer, so starting more of them
spreads the work: docker compose up --scale tagger=4.

`)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: worker takes exactly one stage", errUsage)
	}
	if !slices.Contains(stages, pos[0]) {
		return fmt.Errorf("%w: %w: %q (want one of poller, dedup, tagger, alerter)", errUsage, pipeline.ErrUnknownStage, pos[0])
	}
	if *demoMode && pos[0] != "poller" {
		return fmt.Errorf("%w: --demo is for the poller", errUsage)
	}
	return start(ctx, c, startOptions{stages: pos, demo: *demoMode}, stdout, stderr, getenv)
}

// startOptions say what start runs.
type startOptions struct {
	stages      []string
	embedded    bool // start the NATS server in-process when no URL is given
	demo        bool // serve and poll the bundled sample feeds
	printAlerts bool // print every alert on stdout
}

// start loads the config, connects (starting the embedded server when no
// URL is given and that is allowed), applies the topology and runs the
// stages until ctx ends.
func start(ctx context.Context, c common, o startOptions, stdout, stderr io.Writer, getenv env) error {
	names := o.stages
	log := newLogger(stderr, c.verbose)
	defer func() { _ = log.Sync() }()
	cfg, err := loadConfig(c.config, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errSilent
	}

	url, noURL := natsURL(c.nats, cfg)
	if noURL && o.embedded {
		srv, err := pipeline.StartEmbedded(cfg.NATS.Embedded.Listen, cfg.NATS.Embedded.StoreDir, log)
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		url = srv.URL()
	}
	nc, err := pipeline.Connect(ctx, url, "mediawatch", log)
	if err != nil {
		return err
	}
	defer func() {
		// Acks and publishes still buffered reach the server before it stops.
		_ = nc.FlushTimeout(2 * time.Second)
		nc.Close()
	}()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("open jetstream: %w", err)
	}
	if err := applyTopology(ctx, js, cfg, log); err != nil {
		return err
	}

	var demoSources []config.Source
	if o.demo {
		srv, sources, err := demo.Serve(ctx, log)
		if err != nil {
			return err
		}
		defer srv.Close()
		demoSources = sources
		cfg.Sources = append(cfg.Sources, sources...)
		log.Info("demo feeds served", zap.String("url", srv.URL), zap.Int("feeds", len(sources)))
	}

	metrics := pipeline.NewMetrics()
	deps := pipeline.Deps{JS: js, Metrics: metrics}
	ws := make([]worker, 0, len(names))
	for _, name := range names {
		w, err := newWorker(ctx, name, cfg, deps, log)
		if err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		ws = append(ws, w)
	}

	if o.printAlerts {
		sub, err := nc.Subscribe(pipeline.SubjectAlerts+".>", func(m *nats.Msg) {
			printAlert(stdout, m.Data, false)
		})
		if err != nil {
			return fmt.Errorf("subscribe to alerts: %w", err)
		}
		defer func() { _ = sub.Unsubscribe() }()
	}

	var wg sync.WaitGroup
	errs := make(chan error, len(ws)+1)
	var reloaders []reloader
	for _, w := range ws {
		if r, ok := w.(reloader); ok {
			reloaders = append(reloaders, r)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchConfig(ctx, cfg.Path, getenv, reloaders, demoSources, 2*time.Second, log)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		ready := func() error {
			if !nc.IsConnected() {
				return errors.New("not connected to nats")
			}
			return nil
		}
		if err := pipeline.ServeHTTP(ctx, cfg.HTTP.Listen, metrics, ready, log); err != nil {
			log.Warn("metrics and health endpoint not available", zap.Error(err))
		}
	}()
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", names[i], err)
			}
		}()
	}
	log.Info("mediawatch running", zap.Strings("stages", names), zap.String("nats", nc.ConnectedUrlRedacted()),
		zap.Int("sources", len(cfg.Sources)), zap.Int("rules", len(cfg.Rules)))
	<-ctx.Done()
	log.Info("shutting down")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(9 * time.Second):
		log.Warn("stages did not stop within 9s")
	}
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// applyTopology creates or updates the streams, consumers and buckets. A
// cluster that is still electing leaders answers with timeouts for a while,
// so it retries with backoff for up to five minutes.
func applyTopology(ctx context.Context, js jetstream.JetStream, cfg *config.Config, log *zap.Logger) error {
	deadline := time.Now().Add(5 * time.Minute)
	for attempt := uint64(1); ; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := pipeline.Topology(tctx, js, cfg.NATS.Replicas, time.Duration(cfg.Dedup.TTL))
		cancel()
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		d := pipeline.DefaultBackoff(attempt)
		log.Warn("set up streams failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}
