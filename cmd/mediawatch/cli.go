package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers"
)

// usage is the top-level help; %s is the stages, poller|dedup|...
const usage = `mediawatch: a streaming media monitor on NATS JetStream.

Usage:
  mediawatch run      [--config F] [--nats URL] [--demo [--with-feeds]] [--quiet] [--cpuprofile F]
  mediawatch worker   %s [--config F] [--nats URL] [--cpuprofile F] [--demo]
  mediawatch feeds    add URL --id ID [--interval D] [--lang L] | list | remove ID | import FILE.opml [--interval D] | export
  mediawatch alerts   tail [--rule ID] [--since DURATION] [--json]
  mediawatch rules    test 'QUERY' | --rule ID [--since DURATION] [--feed ID] [--json]
  mediawatch status   [--json] [--sample D]
  mediawatch check    [--config F] [--print]
  mediawatch bench    [--articles N | --rate R --duration D] [--feeds N] [--share F] [--json] [--cpuprofile F] [--binary B] [--verbose]
  mediawatch version
  mediawatch healthcheck [--url U] [--timeout D] [--config F]

  run      poll, dedup, tag and alert; prints the alerts
  worker   one stage alone, for scaling out
  feeds    manage the feeds added at run time (registry mw_feeds)
  alerts   follow the alerts
  rules    backtest a query on the stored tagged articles
  status   backlog, rate and dead letters of every stage; health of every feed
  check    validate a config: every problem, with its line; --print the effective one
  bench    the whole pipeline against JetStream alone, in one run
  version  the module version and VCS revision of this binary
  healthcheck  exit 0 when a running process's /readyz answers 200 (for container health checks)

Without --nats, MEDIAWATCH_NATS_URL or nats.url, "run" starts the NATS
server in-process (JetStream on, listening on nats.embedded.listen, default
127.0.0.1:4222, storing under nats.embedded.store_dir, default ./data/nats);
the other commands connect to that address. Every command that talks to
NATS takes --config F, --nats URL and --verbose (debug logging).

The config file is --config, else MEDIAWATCH_CONFIG, else
config/mediawatch.yaml when it exists, else built-in defaults (no rules).
Every key can also come from the environment: MEDIAWATCH_<SECTION>_<KEY>,
the key's path in upper case with _ for dots (MEDIAWATCH_NATS_URL,
MEDIAWATCH_NATS_PASSWORD, MEDIAWATCH_LOG_FORMAT, MEDIAWATCH_STREAMS_ALERTS_MAX_BYTES).

Run "mediawatch COMMAND --help" for a command's flags.
`

// env is how commands read the environment (a func so tests pass their own).
type env func(string) string

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	usage := fmt.Sprintf(usage, strings.Join(workers.Names(), "|"))
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr, getenv)
	case "worker":
		return cmdWorker(ctx, rest, stdout, stderr, getenv)
	case "alerts":
		return cmdAlerts(ctx, rest, stdout, stderr, getenv)
	case "feeds":
		return cmdFeeds(ctx, rest, stdout, stderr, getenv)
	case "rules":
		return cmdRules(ctx, rest, stdout, stderr, getenv)
	case "status":
		return cmdStatus(ctx, rest, stdout, stderr, getenv)
	case "check":
		return cmdCheck(rest, stdout, stderr, getenv)
	case "version":
		return cmdVersion(rest, stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(ctx, rest, stdout, stderr, getenv)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr, getenv)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

// common are the flags every command that talks to NATS takes.
type common struct {
	config  string
	nats    string
	verbose bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "config file (default: MEDIAWATCH_CONFIG, else config/mediawatch.yaml if present)")
	fs.StringVar(&c.nats, "nats", "", "NATS server URL, comma-separated for a cluster (wins over MEDIAWATCH_NATS_URL and nats.url)")
	fs.BoolVar(&c.verbose, "verbose", false, "log every message handled (debug level)")
}

// parse parses flags that may stand before, between or after positional
// arguments, and returns the positional ones.
// Help asked for (-h, --help) goes to stdout, the usage after an error to
// stderr.
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fs.SetOutput(stdout)
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %s: %w", errUsage, fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNone is parse for a command that takes flags only: an argument
// besides them is a usage error, not something to ignore (`check
// my.yaml` would check the default config and say ok).
func parseNone(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	pos, err := parse(fs, args, stdout, stderr)
	if err != nil || len(pos) == 0 {
		return err
	}
	hint := ""
	if fs.Lookup("config") != nil && (strings.HasSuffix(pos[0], ".yaml") || strings.HasSuffix(pos[0], ".yml")) {
		hint = " (give a config file with --config)"
	}
	return fmt.Errorf("%w: %s takes no arguments, got %s%s", errUsage, fs.Name(), pipeline.Quote(pos[0]), hint)
}

// commandConnectWait is how long a command tries to reach NATS before it
// says it cannot.
const commandConnectWait = 3 * time.Second

// client loads the config and connects to NATS, for the commands that talk
// to a running pipeline; it fails within commandConnectWait, naming the URL
// (redacted) and the reason. The caller closes the connection.
func client(ctx context.Context, c common, name string, stderr io.Writer, getenv env) (*config.Config, *nats.Conn, jetstream.JetStream, error) {
	cfg, err := config.Find(c.config, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, nil, errSilent
	}
	url, _ := cfg.NATS.ServerURL(c.nats)
	cctx, cancel := context.WithTimeout(ctx, commandConnectWait)
	defer cancel()
	nc, err := pipeline.Connect(cctx, url, name, cfg.NATS.Auth(), zap.NewNop(), nil)
	if err != nil {
		return nil, nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, nil, fmt.Errorf("open jetstream: %w", err)
	}
	return cfg, nc, js, nil
}

// newLogger builds the logger of log.format and log.level; --verbose is
// log.level debug.
func newLogger(stderr io.Writer, cfg *config.Config, verbose bool) (*zap.Logger, error) {
	level := cfg.Log.Level
	if verbose {
		level = "debug"
	}
	log, err := pipeline.NewLogger(stderr, cfg.Log.Format, level)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return log, nil
}

func cmdCheck(args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	path := fs.String("config", "", "config file to validate (default: MEDIAWATCH_CONFIG, else config/mediawatch.yaml)")
	print := fs.Bool("print", false, "print the effective config (file, defaults and MEDIAWATCH_* variables merged) as YAML, secrets redacted")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: mediawatch check [--config F] [--print]\n\nValidates a config and lists every problem with its line; exits 1 if there is any.\nWith --print, shows the effective config with its secrets redacted.\n\n")
		fs.PrintDefaults()
	}
	if err := parseNone(fs, args, stdout, stderr); err != nil {
		return helpOK(err)
	}
	for _, w := range config.EnvTypos(os.Environ()) {
		fmt.Fprintln(stderr, "warning:", w)
	}
	cfg, err := config.Find(*path, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errSilent
	}
	if *print {
		enc := yaml.NewEncoder(stdout)
		enc.SetIndent(2)
		if err := enc.Encode(cfg.Redacted()); err != nil {
			return fmt.Errorf("print config: %w", err)
		}
		return enc.Close()
	}
	shown := cfg.Path
	if shown == "" {
		shown = "(no config file: defaults)"
	}
	fmt.Fprintf(stdout, "%s: ok (%d sources, %d entities, %d rules, %d sinks)\n",
		shown, len(cfg.Sources), len(cfg.Entities), len(cfg.Rules), len(cfg.Sinks))
	return nil
}

// helpOK turns --help into success.
func helpOK(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
