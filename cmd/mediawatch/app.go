package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/demo"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers"
	"github.com/mediawatch/mediawatch/workers/poller"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	demoMode := fs.Bool("demo", false, "also serve the bundled sample feeds over local HTTP and poll them (works without internet)")
	quiet := fs.Bool("quiet", false, "do not print alerts as they are published")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: mediawatch run [--config F] [--nats URL] [--demo]

Runs every stage (%s) in one process and prints
each alert as it is published. Without a NATS URL it starts the NATS server
in-process, so "nats sub 'alerts.>'" from another terminal sees the alerts.

`, strings.Join(workers.Names(), ", "))
		fs.PrintDefaults()
	}
	if _, err := parse(fs, args, stderr); err != nil {
		return helpOK(err)
	}
	return start(ctx, c, startOptions{stages: workers.Stages(), embedded: true, demo: *demoMode, printAlerts: !*quiet}, stdout, stderr, getenv)
}

func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var c common
	c.register(fs)
	demoMode := fs.Bool("demo", false, "poller only: also serve the bundled sample feeds and poll them")
	names := strings.Join(workers.Names(), "|")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: mediawatch worker %s [--config F] [--nats URL]

Runs one stage against an existing NATS server (--nats, else
MEDIAWATCH_NATS_URL or nats.url, else nats://<nats.embedded.listen>).
Replicas of a stage share one durable consumer, so starting more of them
spreads the work: docker compose up --scale tagger=4.

`, names)
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
	stage, err := workers.Lookup(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *demoMode && stage.Name() != poller.Stage {
		return fmt.Errorf("%w: --demo is for the poller", errUsage)
	}
	return start(ctx, c, startOptions{stages: []workers.Stage{stage}, demo: *demoMode}, stdout, stderr, getenv)
}

// startOptions say what start runs.
type startOptions struct {
	stages      []workers.Stage
	embedded    bool // start the NATS server in-process when no URL is given
	demo        bool // serve and poll the bundled sample feeds
	printAlerts bool // print every alert on stdout
}

// start loads the config, connects (starting the embedded server when no
// URL is given and that is allowed), applies the topology and runs the
// stages until ctx ends.
func start(ctx context.Context, c common, o startOptions, stdout, stderr io.Writer, getenv env) error {
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

	p := &workers.Process{
		Stages: o.stages, Config: cfg, Env: getenv, Extra: demoSources, Log: log,
		Dial: func(ctx context.Context, closed func(error)) (*nats.Conn, error) {
			return pipeline.Connect(ctx, url, "mediawatch", log, closed)
		},
	}
	if o.printAlerts {
		p.Session = func(nc *nats.Conn) (func(), error) {
			sub, err := nc.Subscribe(pipeline.All(pipeline.SubjectAlerts), func(m *nats.Msg) { printAlert(stdout, m.Data, false) })
			if err != nil {
				return nil, fmt.Errorf("subscribe to alerts: %w", err)
			}
			return func() { _ = sub.Unsubscribe() }, nil
		}
	}
	return p.Run(ctx)
}
