package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Metrics counts what every stage in this process does. It is safe for
// concurrent use; a nil *Metrics hands out counters nobody reads.
type Metrics struct {
	mu       sync.Mutex
	stages   map[string]*StageStats
	counters map[string]*atomic.Uint64
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{stages: map[string]*StageStats{}, counters: map[string]*atomic.Uint64{}}
}

// StageStats are one stage's counters.
type StageStats struct {
	processed, published, retries, deadLettered, errors atomic.Uint64
	busyNanos                                           atomic.Uint64
}

func (s *StageStats) observe(d time.Duration) { s.busyNanos.Add(uint64(d)) }

// Stage returns the counters of a stage, creating them on first use.
func (m *Metrics) Stage(name string) *StageStats {
	if m == nil {
		return &StageStats{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stages[name]
	if !ok {
		s = &StageStats{}
		m.stages[name] = s
	}
	return s
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

// WriteText writes the Prometheus text exposition format.
func (m *Metrics) WriteText(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.stages))
	for n := range m.stages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, def := range []struct {
		name, help string
		get        func(*StageStats) uint64
	}{
		{"mediawatch_messages_processed_total", "Messages handled and acknowledged.", func(s *StageStats) uint64 { return s.processed.Load() }},
		{"mediawatch_messages_published_total", "Output messages stored.", func(s *StageStats) uint64 { return s.published.Load() }},
		{"mediawatch_messages_retried_total", "Messages handed back for a retry.", func(s *StageStats) uint64 { return s.retries.Load() }},
		{"mediawatch_messages_dead_lettered_total", "Messages copied to the DLQ and terminated.", func(s *StageStats) uint64 { return s.deadLettered.Load() }},
		{"mediawatch_consumer_errors_total", "Consumer errors (heartbeats, reconnects, re-establishments).", func(s *StageStats) uint64 { return s.errors.Load() }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", def.name, def.help, def.name)
		for _, n := range names {
			fmt.Fprintf(w, "%s{stage=%q} %d\n", def.name, n, def.get(m.stages[n]))
		}
	}
	cs := make([]string, 0, len(m.counters))
	for n := range m.counters {
		cs = append(cs, n)
	}
	sort.Strings(cs)
	for _, n := range cs {
		fmt.Fprintf(w, "%s %d\n", n, m.counters[n].Load())
	}
}

// ServeHTTP serves /metrics, /healthz (the process is up) and /readyz (ready
// reports nil) on ln until ctx ends, and closes ln.
func ServeHTTP(ctx context.Context, ln net.Listener, m *Metrics, ready func() error, log *zap.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		m.WriteText(w)
	})
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
