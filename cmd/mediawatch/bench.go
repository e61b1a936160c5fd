package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mediawatch/mediawatch/bench"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer, _ env) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var o bench.Options
	fs.IntVar(&o.Articles, "articles", 10_000, "articles in the burst")
	fs.Float64Var(&o.Rate, "rate", 0, "feed articles at this steady rate (articles/s) instead of a burst, and report the latency at that rate")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long a --rate run measures, after a warm-up of 15 s")
	fs.IntVar(&o.Feeds, "feeds", 0, "feeds the articles are spread over (default 50 for a burst, 1000 at a rate)")
	fs.Float64Var(&o.Share, "share", 0.1, "share of articles that name a watched entity")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verbose := fs.Bool("verbose", false, "show the pipeline's log")
	binary := fs.String("binary", "", "measure this mediawatch binary instead of this one (to compare builds)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured mediawatch run (start-up and the warm-up included) to this file")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: mediawatch bench [--articles N | --rate R --duration D] [--feeds N] [--share F] [--json] [--cpuprofile F] [--binary B] [--verbose]

Measures the whole pipeline against JetStream alone, in one run. It
generates articles of 2 to 4 KB (eleven languages, four scripts, a share
naming a watched entity, feeds that declare no language), serves them from a
local HTTP server (with ETags, as news sites do), runs "mediawatch run" on
its own embedded NATS server with file storage, and prints the throughput
from the first fetch to the last alert, the fetch-to-alert latency, the peak
and idle memory (RSS, in MB of 10^6 bytes), the CPU time per article (the
embedded NATS server's included) and the time from start to /readyz; then
the raw JetStream model of the same hops with messages of the same size on a
fresh embedded server once the pipeline has stopped, with its CPU time per
message (the server's included), and the ratio of the two throughputs.
Both are bound by the CPU on a small machine, so the ratio is about the raw
model's CPU per message over the pipeline's per article.
With --rate it feeds articles at that rate and reports the latency.
With --cpuprofile the measured process writes its CPU profile when it
stops: go tool pprof -top <file> shows where its CPU went.

`)
		fs.PrintDefaults()
	}
	if err := parseNone(fs, args, stdout, stderr); err != nil {
		return helpOK(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case o.Articles <= 0:
		return fmt.Errorf("%w: --articles %d: must be positive", errUsage, o.Articles)
	case o.Rate < 0:
		return fmt.Errorf("%w: --rate %g: must be positive", errUsage, o.Rate)
	case o.Rate > 0 && set["articles"]:
		return fmt.Errorf("%w: --articles is for a burst, --rate for a steady run: give one", errUsage)
	case o.Rate == 0 && set["duration"]:
		return fmt.Errorf("%w: --duration goes with --rate", errUsage)
	case o.Duration <= 0:
		return fmt.Errorf("%w: --duration %s: must be positive", errUsage, o.Duration)
	case o.Feeds < 0 || set["feeds"] && o.Feeds == 0:
		return fmt.Errorf("%w: --feeds %d: must be positive", errUsage, o.Feeds)
	case o.Share < 0 || o.Share > 1:
		return fmt.Errorf("%w: --share %g: must be between 0 and 1", errUsage, o.Share)
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find this binary: %w", err)
	}
	o.Binary = bin
	if *binary != "" {
		o.Binary = *binary
	}
	if *verbose {
		o.Log = stderr
	}
	if o.Rate > 0 {
		fmt.Fprintf(stderr, "bench: %.0f articles/s for %s after a 15 s warm-up...\n", o.Rate, o.Duration)
	} else {
		fmt.Fprintf(stderr, "bench: a burst of %d articles...\n", o.Articles)
	}
	res, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.Print(stdout)
	return nil
}
