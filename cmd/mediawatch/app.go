package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
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
	demoMode := fs.Bool("demo", false, "serve the bundled sample feeds over local HTTP and poll them instead of the config's feeds (works without internet)")
	withFeeds := fs.Bool("with-feeds", false, "with --demo: poll the config's own feeds as well")
	quiet := fs.Bool("quiet", false, "do not print alerts as they are published")
	cpuProfile := profileFlag(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: mediawatch run [--config F] [--nats URL] [--demo [--with-feeds]] [--quiet] [--cpuprofile F]

Runs every stage (%s) in one process and prints
each alert as it is published. Without a NATS URL it starts the NATS server
in-process, so "nats sub 'alerts.>'" from another terminal sees the alerts
(and, unless GOGC is set, aims the garbage collector at GOGC=40, for less
memory at a little more CPU).
--demo polls the bundled sample feeds with the config's entities and rules
(not its feeds, unless --with-feeds).

`, strings.Join(workers.Names(), ", "))
		fs.PrintDefaults()
	}
	if err := parseNone(fs, args, stdout, stderr); err != nil {
		return helpOK(err)
	}
	if *withFeeds && !*demoMode {
		return fmt.Errorf("%w: --with-feeds goes with --demo", errUsage)
	}
	return start(ctx, c, startOptions{stages: workers.Stages(), embedded: true, demo: *demoMode, withFeeds: *withFeeds, printAlerts: !*quiet, cpuProfile: *cpuProfile}, stdout, stderr, getenv)
}

func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var c common
	c.register(fs)
	demoMode := fs.Bool("demo", false, "poller only: also serve the bundled sample feeds and poll them")
	cpuProfile := profileFlag(fs)
	names := strings.Join(workers.Names(), "|")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: mediawatch worker %s [--config F] [--nats URL] [--cpuprofile F] [--demo]

Runs one stage against an existing NATS server (--nats, else
MEDIAWATCH_NATS_URL or nats.url, else nats://<nats.embedded.listen>).
Replicas of a stage share one durable consumer, so starting more of them
spreads the work: docker compose up --scale tagger=4.

`, names)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args, stdout, stderr)
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
	return start(ctx, c, startOptions{stages: []workers.Stage{stage}, demo: *demoMode, withFeeds: true, cpuProfile: *cpuProfile}, stdout, stderr, getenv)
}

// profileFlag is the --cpuprofile flag of the commands that run stages.
func profileFlag(fs *flag.FlagSet) *string {
	return fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file when the process stops (read it with go tool pprof)")
}

// startCPUProfile starts profiling into path; the function it returns
// stops and writes the profile.
func startCPUProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpuprofile %s: %w", path, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		return nil
	}, nil
}

// startOptions say what start runs.
type startOptions struct {
	stages      []workers.Stage
	embedded    bool   // start the NATS server in-process when no URL is given
	demo        bool   // serve and poll the bundled sample feeds
	withFeeds   bool   // with demo: poll the config's feeds too
	printAlerts bool   // print every alert on stdout
	cpuProfile  string // write a CPU profile of the run here
}

// embeddedGOGC is the garbage collector's target (GOGC) in a process that
// runs the NATS server: the server's caches of the blocks it has just
// written are most of the heap, and a heap goal of 1.4 times the live heap
// instead of twice keeps the peak memory of a burst of 10,000 articles
// under 300 MB, for about 10 % more CPU.
const embeddedGOGC = 40

// embeddedGC sets embeddedGOGC unless GOGC is set.
func embeddedGC(getenv env) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(embeddedGOGC)
	}
}

// start loads the config, connects (starting the embedded server when no
// URL is given and that is allowed), applies the topology and runs the
// stages until ctx ends.
func start(ctx context.Context, c common, o startOptions, stdout, stderr io.Writer, getenv env) (err error) {
	if o.cpuProfile != "" {
		stop, perr := startCPUProfile(o.cpuProfile)
		if perr != nil {
			return perr
		}
		defer func() { err = errors.Join(err, stop()) }()
	}
	cfg, err := config.Find(c.config, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errSilent
	}
	log, err := newLogger(stderr, cfg, c.verbose)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	for _, w := range config.EnvTypos(os.Environ()) {
		log.Warn(w)
	}
	if cfg.Path == "" && len(cfg.Rules) == 0 {
		fmt.Fprint(stderr, noConfigWarning)
		log.Warn("no config file and no rules: nothing will alert", zap.String("looked_for", "--config, MEDIAWATCH_CONFIG, "+config.DefaultPath))
	}

	url, noURL := cfg.NATS.ServerURL(c.nats)
	if noURL && o.embedded {
		embeddedGC(getenv)
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
		if !o.withFeeds {
			// The demo shows alerts offline: the config's entities and
			// rules on the bundled feeds, not its real feeds.
			cfg.Sources = nil
		}
		cfg.Sources = append(cfg.Sources, sources...)
		log.Info("demo feeds served", zap.String("url", srv.URL), zap.Int("feeds", len(sources)), zap.Bool("config_feeds_too", o.withFeeds))
	}

	p := &workers.Process{
		Stages: o.stages, Config: cfg, Env: getenv, Extra: demoSources, OnlyExtra: o.demo && !o.withFeeds, Log: log,
		Dial: func(ctx context.Context, closed func(error)) (*nats.Conn, error) {
			return pipeline.Connect(ctx, url, "mediawatch", cfg.NATS.Auth(), log, closed)
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

// noConfigWarning is printed by run and worker when they found no config
// file and so have no rules.
const noConfigWarning = `
  *** mediawatch: no config file found, so no entities and no rules: nothing will alert. ***
  Looked for --config, MEDIAWATCH_CONFIG and ` + config.DefaultPath + ` (in the current directory).
  Copy the annotated sample, config/mediawatch.yaml of the repository, there or name it with
  MEDIAWATCH_CONFIG; mediawatch check --print shows the settings in effect.

`
