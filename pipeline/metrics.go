package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Metrics is what this process exports on /metrics, in the Prometheus text
// format (prometheus/client_golang): per stage, messages in, out, retried
// and dead-lettered and a handling-time histogram; per feed, fetches by
// outcome, a fetch-time histogram, the items of the last fetch, the time of
// the last success and the failures in a row; per rule, alerts; the
// fetch-to-alert latency at the alerter; and the Go and process
// collectors. It is safe for concurrent use; a nil *Metrics records
// nothing.
type Metrics struct {
	reg      *prometheus.Registry
	mu       sync.Mutex
	stages   map[string]*StageStats
	counters map[string]*atomic.Uint64

	handling    *prometheus.HistogramVec
	fetches     *prometheus.CounterVec
	fetchTime   *prometheus.HistogramVec
	items       *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	failures    *prometheus.GaugeVec
	alerts      *prometheus.CounterVec
	latency     prometheus.Histogram
}

// Metric families besides the per-stage counters.
const (
	MetricHandling    = "mediawatch_handle_duration_seconds"
	MetricFetches     = "mediawatch_feed_fetches_total"
	MetricFetchTime   = "mediawatch_feed_fetch_duration_seconds"
	MetricItems       = "mediawatch_feed_items"
	MetricLastSuccess = "mediawatch_feed_last_success_timestamp_seconds"
	MetricFailures    = "mediawatch_feed_consecutive_failures"
	MetricAlerts      = "mediawatch_alerts_total"
	MetricLatency     = "mediawatch_fetch_to_alert_seconds"
)

// Fetch outcomes, the outcome label of MetricFetches.
const (
	FetchOK          = "ok"
	FetchNotModified = "not_modified"
	FetchFailed      = "failed"
)

// NewMetrics returns a registry with every family and the Go and process
// collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(), stages: map[string]*StageStats{}, counters: map[string]*atomic.Uint64{},
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: MetricHandling, Help: "Time a stage took to handle one message, outputs stored included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"stage"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricFetches, Help: "Fetches of a feed by outcome: ok, not_modified (304) or failed.",
		}, []string{"feed", "outcome"}),
		fetchTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: MetricFetchTime, Help: "Time to fetch and parse a feed, failures included.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30},
		}, []string{"feed"}),
		items: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricItems, Help: "Items the last successful fetch of a feed published (0 when not modified).",
		}, []string{"feed"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricLastSuccess, Help: "Unix time of the last successful fetch of a feed.",
		}, []string{"feed"}),
		failures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricFailures, Help: "Failed fetches of a feed in a row (0 after a success).",
		}, []string{"feed"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricAlerts, Help: "Alerts published, by rule.",
		}, []string{"rule"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: MetricLatency, Help: "Time from an article's fetch to its alert's publication, at the alerter.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.handling, m.fetches, m.fetchTime, m.items, m.lastSuccess, m.failures, m.alerts, m.latency,
		countersCollector{m},
	)
	return m
}

// Registry is where the families are registered, for a test to gather.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// StageStats are one stage's counters.
type StageStats struct {
	received, processed, published, retries, deadLettered, errors atomic.Uint64
	handling                                                      prometheus.Observer
	// unbound counts the stage's runners that are running without a
	// consumer (it is missing, or its stream is): readiness says so.
	unbound atomic.Int64
}

func (s *StageStats) observe(d time.Duration) {
	if s.handling != nil {
		s.handling.Observe(d.Seconds())
	}
}

// Stage returns the counters of a stage, creating them on first use.
func (m *Metrics) Stage(name string) *StageStats {
	if m == nil {
		return &StageStats{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stages[name]
	if !ok {
		s = &StageStats{handling: m.handling.WithLabelValues(name)}
		m.stages[name] = s
	}
	return s
}

// Unbound lists the stages with a runner that has no consumer to read
// from, in name order.
func (m *Metrics) Unbound() []string {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for name, s := range m.stages {
		if s.unbound.Load() > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Counter returns a named counter (a Prometheus metric name with optional
// labels, such as `mediawatch_feed_failures_total{feed="x"}`).
func (m *Metrics) Counter(name string) *atomic.Uint64 {
	if m == nil {
		return &atomic.Uint64{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.counters[name]
	if !ok {
		c = &atomic.Uint64{}
		m.counters[name] = c
	}
	return c
}

// Fetched records one fetch of feed: its outcome, how long it took, and
// for a success the items it published; failures is the count in a row
// after it (0 after a success).
func (m *Metrics) Fetched(feed, outcome string, took time.Duration, items, failures int, at time.Time) {
	if m == nil {
		return
	}
	m.fetches.WithLabelValues(feed, outcome).Inc()
	m.fetchTime.WithLabelValues(feed).Observe(took.Seconds())
	m.failures.WithLabelValues(feed).Set(float64(failures))
	if outcome != FetchFailed {
		m.items.WithLabelValues(feed).Set(float64(items))
		m.lastSuccess.WithLabelValues(feed).Set(float64(at.UnixNano()) / 1e9)
	}
}

// Alerted records an alert of rule, fetched (the article's fetch time) to
// now.
func (m *Metrics) Alerted(rule string, fetched, now time.Time) {
	if m == nil {
		return
	}
	m.alerts.WithLabelValues(rule).Inc()
	if !fetched.IsZero() {
		m.latency.Observe(max(now.Sub(fetched), 0).Seconds())
	}
}

// counterHelp is the HELP of the named counters' families.
var counterHelp = map[string]string{
	"mediawatch_feed_failures_total":                  "Fetches of a feed that failed.",
	"mediawatch_feed_polls_total":                     "Fetches of a feed that succeeded (not modified included).",
	"mediawatch_feed_dropped_items_total":             "Items of a feed beyond poller.max_items, left out.",
	"mediawatch_feed_truncated_fields_total":          "Item fields of a feed cut to their limit.",
	"mediawatch_feed_dropped_links_total":             "Item links of a feed dropped for not being http(s) URLs.",
	"mediawatch_notifier_folded_total":                "Alerts of a sink folded into a digest by its hourly cap.",
	"mediawatch_notifier_digests_total":               "Digests a sink sent.",
	"mediawatch_notifier_digests_dead_lettered_total": "Digests of a sink that could not be sent, dead-lettered.",
}

// stageCounters are the per-stage families.
var stageCounters = []struct {
	name, help string
	get        func(*StageStats) uint64
}{
	{"mediawatch_messages_received_total", "Messages a stage received (every delivery, redeliveries included).", func(s *StageStats) uint64 { return s.received.Load() }},
	{"mediawatch_messages_processed_total", "Messages handled and acknowledged.", func(s *StageStats) uint64 { return s.processed.Load() }},
	{"mediawatch_messages_published_total", "Output messages stored.", func(s *StageStats) uint64 { return s.published.Load() }},
	{"mediawatch_messages_retried_total", "Messages handed back for a retry.", func(s *StageStats) uint64 { return s.retries.Load() }},
	{"mediawatch_messages_dead_lettered_total", "Messages copied to the DLQ and terminated.", func(s *StageStats) uint64 { return s.deadLettered.Load() }},
	{"mediawatch_consumer_errors_total", "Consumer errors (heartbeats, reconnects, re-establishments).", func(s *StageStats) uint64 { return s.errors.Load() }},
}

// countersCollector exports the stages' counters and the named counters.
// It is unchecked (describes nothing): the named counters appear as they
// are first used.
type countersCollector struct{ m *Metrics }

func (countersCollector) Describe(chan<- *prometheus.Desc) {}

func (c countersCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	names := make([]string, 0, len(c.m.stages))
	for n := range c.m.stages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, def := range stageCounters {
		desc := prometheus.NewDesc(def.name, def.help, []string{"stage"}, nil)
		for _, n := range names {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(def.get(c.m.stages[n])), n)
		}
	}
	for name, v := range c.m.counters {
		family, keys, values := splitMetricName(name)
		help := counterHelp[family]
		if help == "" {
			help = "A mediawatch counter."
		}
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(family, help, keys, nil), prometheus.CounterValue, float64(v.Load()), values...)
	}
}

// splitMetricName reads `family{k="v",...}` (values quoted as Go quotes
// them) into the family and its label names and values.
func splitMetricName(s string) (family string, keys, values []string) {
	family, rest, ok := strings.Cut(s, "{")
	if !ok {
		return s, nil, nil
	}
	rest = strings.TrimSuffix(rest, "}")
	for rest != "" {
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		q, err := strconv.QuotedPrefix(after)
		if err != nil {
			break
		}
		v, _ := strconv.Unquote(q)
		keys, values = append(keys, k), append(values, v)
		rest = strings.TrimPrefix(after[len(q):], ",")
	}
	return family, keys, values
}

// ServeHTTP serves /metrics, /healthz (the process is up) and /readyz (ready
// reports nil) on ln until ctx ends, and closes ln.
func ServeHTTP(ctx context.Context, ln net.Listener, m *Metrics, ready func() error, log *zap.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: promLog{log}}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CloseWait)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("serving metrics and health", zap.String("listen", ln.Addr().String()))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// promLog hands the exposition's errors to the log.
type promLog struct{ log *zap.Logger }

func (l promLog) Println(v ...any) {
	l.log.Warn("serve metrics", zap.String("error", fmt.Sprint(v...)))
}
