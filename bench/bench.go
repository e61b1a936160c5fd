// Package bench measures the whole pipeline against JetStream alone, in one
// run: it generates articles (2 to 4 KB, in eleven languages and four
// scripts, a share naming a watched entity, in feeds that declare no
// language), serves them over local HTTP, runs `mediawatch run` on its own
// embedded NATS server with file storage as a child process, and times them
// from the first fetch to the last alert; then, the child stopped, it times
// the raw JetStream model of the same hops with messages of the same size on
// a fresh embedded server with file storage, in the same run.
// With a rate, it feeds articles at that steady rate instead and reports
// the latency at that rate.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/pipeline"
)

// Options say what to measure.
type Options struct {
	Binary   string        // the mediawatch binary to run
	Articles int           // the burst (default 10,000)
	Rate     float64       // articles per second; 0: a burst
	Duration time.Duration // of a rate run (default 30 s), after a warm-up of one polling interval
	Feeds    int           // default 50 for a burst, 1000 at a rate
	Share    float64       // of articles naming a watched entity (default 0.1)
	Dir      string        // for the NATS store and the config (default: a temporary directory)
	Log      io.Writer     // the child's stderr goes here (nil: discarded)
	// CPUProfile, if set, is where the child writes a CPU profile of its
	// whole run (run --cpuprofile) when it stops.
	CPUProfile string
}

// Result is what a run measured.
type Result struct {
	Articles   int     `json:"articles"`
	Alerts     int     `json:"alerts"`
	Bytes      int     `json:"avg_article_bytes"`
	Seconds    float64 `json:"seconds"`          // first fetch to last alert (burst), or the measured span (rate)
	Throughput float64 `json:"articles_per_sec"` // through the whole pipeline
	P50        float64 `json:"fetch_to_alert_p50_ms"`
	P99        float64 `json:"fetch_to_alert_p99_ms"`
	PeakRSS    int64   `json:"peak_rss_bytes"`     // of the mediawatch process
	Cores      float64 `json:"cores_busy"`         // its CPU time over the span, in cores
	CPUPerArt  float64 `json:"cpu_ms_per_article"` // its CPU time (all cores, the embedded NATS server's included) per article
	Fetches    int64   `json:"feed_fetches"`       // feed requests answered with items
	NotMod     int64   `json:"feed_not_modified"`  // feed requests answered 304 Not Modified
	IdleRSS    int64   `json:"idle_rss_bytes"`     // before any article came
	ReadyMS    float64 `json:"start_to_ready_ms"`  // process start to /readyz 200
	Rate       float64 `json:"rate,omitempty"`
	RawSeconds float64 `json:"raw_seconds,omitempty"`
	RawRate    float64 `json:"raw_msgs_per_sec,omitempty"`
	RawCores   float64 `json:"raw_cores_busy,omitempty"`     // the raw model's CPU time over its span, in cores
	RawCPU     float64 `json:"raw_cpu_ms_per_msg,omitempty"` // its CPU time (the server's included) per message, through every hop
	Ratio      float64 `json:"ratio,omitempty"`              // Throughput / RawRate
}

// rawOnFreshServer runs the raw model on a NATS server of its own, started
// in this process as `run` starts its embedded one (file storage under
// dir), once the pipeline's process has stopped: JetStream alone, at its
// best, on the same machine. It returns the model's time and the CPU time
// this process (the server and the model's clients) used meanwhile.
func rawOnFreshServer(ctx context.Context, dir string, n, size int) (elapsed, cpu time.Duration, err error) {
	srv, err := pipeline.StartEmbedded("127.0.0.1:0", dir, zap.NewNop())
	if err != nil {
		return 0, 0, err
	}
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		return 0, 0, fmt.Errorf("bench: raw model: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, 0, fmt.Errorf("bench: raw model: %w", err)
	}
	cpu0 := selfCPU()
	elapsed, err = rawModel(ctx, js, n, size)
	return elapsed, selfCPU() - cpu0, err
}

// interval is how often the child polls each feed (the shortest the
// config allows).
const interval = 10 * time.Second

// Run measures.
func Run(ctx context.Context, o Options) (*Result, error) {
	o.defaults()
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "mediawatch-bench-"); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	window := time.Duration(0)
	if o.Rate > 0 {
		window = interval + 2*time.Second // every item is served by at least one poll
	}
	fs, err := newFeedServer(o.Feeds, window)
	if err != nil {
		return nil, err
	}
	defer fs.close()
	gen := newGenerator(1, o.Share)
	res := &Result{Rate: o.Rate}
	want, total := 0, 0
	if o.Rate == 0 {
		for k := range o.Articles {
			it := gen.next(k)
			fs.add(k%o.Feeds, it)
			total += len(it.body)
			if it.mention {
				want++
			}
		}
		res.Articles, res.Bytes = o.Articles, total/max(1, o.Articles)
		fs.prerender()
	}

	child, err := start(ctx, o, dir, fs)
	if err != nil {
		return nil, err
	}
	defer child.stop()
	res.ReadyMS = float64(child.ready.Milliseconds())
	nc, err := nats.Connect(child.natsURL)
	if err != nil {
		return nil, fmt.Errorf("bench: connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	// Idle: started, the feeds tried once (and answered 503), nothing else.
	time.Sleep(time.Second)
	res.IdleRSS = rss(child.cmd.Process.Pid, "VmRSS:")

	fs.open.Store(true)
	cpu0 := cpuTime(child.cmd.Process.Pid)
	if o.Rate == 0 {
		if err := pollNow(ctx, js, o.Feeds); err != nil {
			return nil, err
		}
		if err := waitDrained(ctx, js, o.Articles); err != nil {
			return nil, err
		}
		lats, last, err := alertLatencies(ctx, js, time.Time{})
		if err != nil {
			return nil, err
		}
		cpu := cpuTime(child.cmd.Process.Pid) - cpu0
		res.Cores = cpu.Seconds() / time.Since(fs.firstFetch()).Seconds()
		res.CPUPerArt = float64(cpu.Microseconds()) / 1000 / float64(o.Articles)
		res.Fetches, res.NotMod = fs.fetches.Load(), fs.notModified.Load()
		res.Alerts = len(lats)
		if res.Alerts < want {
			return nil, fmt.Errorf("bench: %d alerts for %d articles naming a watched entity", res.Alerts, want)
		}
		res.Seconds = last.Sub(fs.firstFetch()).Seconds()
		res.Throughput = float64(o.Articles) / res.Seconds
		res.P50, res.P99 = percentile(lats, 50), percentile(lats, 99)
		res.PeakRSS = rss(child.cmd.Process.Pid, "VmHWM:")
		nc.Close()
		child.stop()
		raw, rawCPU, err := rawOnFreshServer(ctx, filepath.Join(dir, "raw"), o.Articles, res.Bytes)
		if err != nil {
			return nil, err
		}
		res.RawSeconds = raw.Seconds()
		res.RawRate = float64(o.Articles) / raw.Seconds()
		res.RawCores = rawCPU.Seconds() / raw.Seconds()
		res.RawCPU = float64(rawCPU.Microseconds()) / 1000 / float64(o.Articles)
		res.Ratio = res.Throughput / res.RawRate
		return res, nil
	}

	// A steady rate: articles are added to the feeds as time goes by; the
	// measure starts after one polling interval.
	begin := time.Now()
	measureFrom := begin.Add(interval + interval/2)
	end := measureFrom.Add(o.Duration)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	k, inSpan := 0, 0
	for now := range tick.C {
		if now.After(end) {
			break
		}
		for due := int(now.Sub(begin).Seconds() * o.Rate); k < due; k++ {
			it := gen.next(k)
			it.added = now
			fs.add(k%o.Feeds, it)
			total += len(it.body)
			if now.After(measureFrom) {
				inSpan++
			}
		}
	}
	cpu := cpuTime(child.cmd.Process.Pid) - cpu0
	res.Cores = cpu.Seconds() / time.Since(begin).Seconds()
	res.CPUPerArt = float64(cpu.Microseconds()) / 1000 / float64(max(1, k))
	time.Sleep(interval + interval/2) // the last items are fetched and alerted
	lats, _, err := alertLatencies(ctx, js, measureFrom)
	if err != nil {
		return nil, err
	}
	res.Articles, res.Bytes, res.Alerts = inSpan, total/max(1, k), len(lats)
	res.Seconds = o.Duration.Seconds()
	res.Throughput = float64(inSpan) / res.Seconds
	res.P50, res.P99 = percentile(lats, 50), percentile(lats, 99)
	res.PeakRSS = rss(child.cmd.Process.Pid, "VmHWM:")
	return res, nil
}

func (o *Options) defaults() {
	if o.Articles <= 0 {
		o.Articles = 10_000
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Second
	}
	if o.Feeds <= 0 {
		o.Feeds = 50
		if o.Rate > 0 {
			o.Feeds = 1000
		}
	}
	if o.Share <= 0 {
		o.Share = 0.1
	}
}

// child is the mediawatch process under measure.
type child struct {
	cmd     *exec.Cmd
	natsURL string
	ready   time.Duration
	done    chan error
	once    sync.Once
}

func start(ctx context.Context, o Options, dir string, fs *feedServer) (*child, error) {
	natsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var cfg bytes.Buffer
	fmt.Fprintf(&cfg, "nats:\n  embedded: {listen: %q, store_dir: %q}\nhttp: {listen: %q}\npoller: {max_items: 100000, max_body_size: 200MB}\n",
		natsAddr, filepath.Join(dir, "nats"), httpAddr)
	cfg.WriteString("sources:\n")
	for i := range o.Feeds {
		fmt.Fprintf(&cfg, "  - {id: f%d, url: %q, interval: %s}\n", i, fs.feedURL(i), interval)
	}
	cfg.WriteString(entitiesYAML)
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, cfg.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("bench: write config: %w", err)
	}
	args := []string{"run", "--config", path, "--quiet"}
	if o.CPUProfile != "" {
		prof, err := filepath.Abs(o.CPUProfile)
		if err == nil {
			// Said here, not by a child that exits before it is ready.
			var f *os.File
			if f, err = os.Create(prof); err == nil {
				err = f.Close()
			}
		}
		if err != nil {
			return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		args = append(args, "--cpuprofile", prof)
	}
	cmd := exec.CommandContext(ctx, o.Binary, args...)
	cmd.Env = append(os.Environ(), "MEDIAWATCH_NATS_URL=")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if o.Log != nil {
		cmd.Stderr = o.Log
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", o.Binary, err)
	}
	c := &child{cmd: cmd, natsURL: "nats://" + natsAddr, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	for {
		resp, err := http.Get("http://" + httpAddr + "/readyz") //nolint:noctx // a local probe, bounded by the loop
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.ready = time.Since(began)
				return c, nil
			}
		}
		select {
		case err := <-c.done:
			return nil, fmt.Errorf("bench: mediawatch exited before it was ready: %v", err) //nolint:errorlint // an exit status, reported
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(began) > time.Minute {
			c.stop()
			return nil, fmt.Errorf("bench: mediawatch not ready within a minute")
		}
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 15 s); it may be
// called more than once.
func (c *child) stop() {
	c.once.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-c.done:
			_ = err // its exit status says nothing the measure needs
		case <-time.After(15 * time.Second):
			_ = c.cmd.Process.Kill()
		}
	})
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// pollNow asks for every feed to be fetched now, as a poller's start does.
func pollNow(ctx context.Context, js jetstream.JetStream, feeds int) error {
	for i := range feeds {
		t := pipeline.Ticket{Feed: "f" + strconv.Itoa(i), Due: time.Now(), Boot: true}
		if _, err := js.Publish(ctx, pipeline.Subject(pipeline.SubjectPolls, t.Feed), pipeline.Encode(t)); err != nil {
			return fmt.Errorf("bench: publish a poll ticket: %w", err)
		}
	}
	return nil
}

// waitDrained waits until the alerter has handled all the articles. It
// asks every drainPoll: each question costs the server some CPU, taken
// from the pipeline it measures, and the measure ends when the last alert
// was made, not at the answer.
func waitDrained(ctx context.Context, js jetstream.JetStream, articles int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		t, err := msgs(ctx, js, pipeline.StreamTagged)
		if err != nil {
			return err
		}
		if t >= articles {
			cons, err := js.Consumer(ctx, pipeline.StreamTagged, "alerter")
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			info, err := cons.Info(ctx)
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			if info.NumPending == 0 && info.NumAckPending == 0 {
				return nil
			}
		}
		if !pipeline.Sleep(ctx, drainPoll) {
			return ctx.Err()
		}
	}
	return fmt.Errorf("bench: the pipeline did not drain within 10 minutes")
}

const drainPoll = 25 * time.Millisecond

func msgs(ctx context.Context, js jetstream.JetStream, stream string) (int, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	return int(info.State.Msgs), nil
}

// alertLatencies reads the stored alerts of articles fetched since from:
// each one's time from fetch to alert, and the last alert's creation.
func alertLatencies(ctx context.Context, js jetstream.JetStream, from time.Time) ([]time.Duration, time.Time, error) {
	cons, err := js.OrderedConsumer(ctx, pipeline.StreamAlerts, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("bench: %w", err)
	}
	var lats []time.Duration
	var last time.Time
	for {
		batch, err := cons.FetchNoWait(1000)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("bench: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var a pipeline.Alert
			if json.Unmarshal(m.Data(), &a) != nil || a.Article.Fetched.Before(from) {
				continue
			}
			lats = append(lats, a.Created.Sub(a.Article.Fetched))
			if a.Created.After(last) {
				last = a.Created
			}
		}
		if n == 0 {
			return lats, last, nil
		}
	}
}

func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[min(len(s)-1, len(s)*p/100)].Microseconds()) / 1000
}

// rss reads a /proc/<pid>/status field in bytes (VmHWM: the peak, VmRSS:
// now); 0 where there is no /proc.
func rss(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the CPU time a process has used (user and system), from
// /proc; 0 where there is none.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th, in clock ticks of 1/100 s.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// Print writes a result for people.
func (r *Result) Print(w io.Writer) {
	// Decimal units, as the config's sizes are (10MB is 10,000,000 bytes).
	mb := func(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }
	if r.Rate == 0 {
		fmt.Fprintf(w, "pipeline:        %d articles (%.1f KB on average) in %.2f s, first fetch to last alert: %.0f articles/s\n",
			r.Articles, float64(r.Bytes)/1e3, r.Seconds, r.Throughput)
	} else {
		fmt.Fprintf(w, "pipeline:        %d articles at %.0f articles/s for %.0f s: %.0f articles/s through\n", r.Articles, r.Rate, r.Seconds, r.Throughput)
	}
	fmt.Fprintf(w, "fetch to alert:  p50 %.1f ms, p99 %.1f ms (%d alerts)\n", r.P50, r.P99, r.Alerts)
	fmt.Fprintf(w, "memory:          peak RSS %s, idle %s\n", mb(r.PeakRSS), mb(r.IdleRSS))
	fmt.Fprintf(w, "cpu:             %.2f cores busy on average, %.3f ms per article\n", r.Cores, r.CPUPerArt)
	fmt.Fprintf(w, "start to ready:  %.0f ms\n", r.ReadyMS)
	if r.Rate == 0 {
		fmt.Fprintf(w, "feed requests:   %d answered with items, %d not modified\n", r.Fetches, r.NotMod)
	}
	if r.RawRate > 0 {
		fmt.Fprintf(w, "raw JetStream:   %d messages of %.1f KB through %d hops in %.2f s: %.0f msg/s\n",
			r.Articles, float64(r.Bytes)/1e3, rawHops, r.RawSeconds, r.RawRate)
		if r.RawCPU > 0 {
			fmt.Fprintf(w, "raw cpu:         %.2f cores busy on average, %.3f ms per message\n", r.RawCores, r.RawCPU)
		}
		fmt.Fprintf(w, "ratio:           %.2f (pipeline / raw JetStream)\n", r.Ratio)
	}
}
