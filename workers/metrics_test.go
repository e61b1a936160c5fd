package workers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// The whole pipeline in one process, one feed with three articles (two
// name a watched entity), then /metrics read with the Prometheus text
// parser: every family has HELP and TYPE; the families the README lists
// are there with their labels; the poller's published counter counts the
// articles it stored.
func TestMetricsExposition(t *testing.T) {
	t.Parallel()
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Venezuela votes</title><link>https://e.org/1</link></item>
<item><title>Caracas, Venezuela: a storm</title><link>https://e.org/2</link></item>
<item><title>Nothing here</title><link>https://e.org/3</link></item>
</channel></rss>`
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, feed) }))
	t.Cleanup(feeds.Close)
	srv := pipelinetest.Server(t)
	nc, _ := pipelinetest.Connect(t, srv)
	alerts, err := nc.SubscribeSync(pipeline.All(pipeline.SubjectAlerts))
	require.NoError(t, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	cfg, err := config.Parse("t.yaml", fmt.Appendf(nil, `http: {listen: %q}
sources:
  - {id: news, url: %q, interval: 1h, lang: en}
entities:
  - {id: venezuela, names: {en: [Venezuela]}}
rules:
  - {id: vz, query: "entity:venezuela"}
`, addr, feeds.URL), nil)
	require.NoError(t, err)
	log := zaptest.NewLogger(t)
	p := &Process{Stages: Stages(), Config: cfg, Log: log,
		Dial: func(ctx context.Context, closed func(error)) (*nats.Conn, error) {
			return pipeline.Connect(ctx, srv.ClientURL(), "test", pipeline.Auth{}, log, closed)
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("the process did not stop")
		}
	})
	for range 2 {
		_, err := alerts.NextMsg(30 * time.Second)
		require.NoError(t, err, "two alerts")
	}

	var families map[string]*dto.MetricFamily
	value := func(family string, labels map[string]string) float64 {
		for _, m := range families[family].GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			match := true
			for k, v := range labels {
				match = match && got[k] == v
			}
			if match {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
		return -1
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics") //nolint:noctx // a test probe
		if err != nil {
			return false
		}
		defer func() { _ = resp.Body.Close() }()
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err = parser.TextToMetricFamilies(resp.Body)
		require.NoError(t, err)
		return value("mediawatch_alerts_total", map[string]string{"rule": "vz"}) == 2 &&
			value("mediawatch_messages_processed_total", map[string]string{"stage": "alerter"}) == 3
	}, 15*time.Second, 50*time.Millisecond)

	for name, mf := range families {
		assert.NotEmpty(t, mf.GetHelp(), "%s has HELP", name)
		assert.NotEqual(t, dto.MetricType_UNTYPED, mf.GetType(), "%s has TYPE", name)
	}
	for family, labels := range map[string][]string{
		"mediawatch_messages_received_total":             {"stage"},
		"mediawatch_messages_processed_total":            {"stage"},
		"mediawatch_messages_published_total":            {"stage"},
		"mediawatch_messages_retried_total":              {"stage"},
		"mediawatch_messages_dead_lettered_total":        {"stage"},
		"mediawatch_consumer_errors_total":               {"stage"},
		"mediawatch_handle_duration_seconds":             {"stage"},
		"mediawatch_feed_fetches_total":                  {"feed", "outcome"},
		"mediawatch_feed_fetch_duration_seconds":         {"feed"},
		"mediawatch_feed_items":                          {"feed"},
		"mediawatch_feed_last_success_timestamp_seconds": {"feed"},
		"mediawatch_feed_consecutive_failures":           {"feed"},
		"mediawatch_feed_polls_total":                    {"feed"},
		"mediawatch_alerts_total":                        {"rule"},
		"mediawatch_fetch_to_alert_seconds":              nil,
		"go_goroutines":                                  nil,
		"process_resident_memory_bytes":                  nil,
	} {
		mf, ok := families[family]
		if !assert.True(t, ok, "family %s", family) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var names []string
			for _, l := range m.GetLabel() {
				names = append(names, l.GetName())
			}
			assert.ElementsMatch(t, labels, names, family)
		}
	}
	assert.Equal(t, 3.0, value("mediawatch_messages_published_total", map[string]string{"stage": "poller"}), "the poller's published counter counts its articles")
	assert.Equal(t, 3.0, value("mediawatch_messages_published_total", map[string]string{"stage": "dedup"}))
	assert.Equal(t, 2.0, value("mediawatch_messages_published_total", map[string]string{"stage": "alerter"}))
	assert.Equal(t, 1.0, value("mediawatch_feed_fetches_total", map[string]string{"feed": "news", "outcome": "ok"}))
	assert.Equal(t, 3.0, value("mediawatch_feed_items", map[string]string{"feed": "news"}))
	assert.Equal(t, 0.0, value("mediawatch_feed_consecutive_failures", map[string]string{"feed": "news"}))
	assert.Greater(t, value("mediawatch_feed_last_success_timestamp_seconds", map[string]string{"feed": "news"}), float64(time.Now().Add(-time.Minute).Unix()))
	assert.Equal(t, 2.0, value("mediawatch_fetch_to_alert_seconds", nil), "one latency per alert")
	assert.GreaterOrEqual(t, value("mediawatch_handle_duration_seconds", map[string]string{"stage": "tagger"}), 3.0)
}
