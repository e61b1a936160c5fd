package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

const hostileConfig = `nats:
  embedded: {listen: "%s", store_dir: "%s"}
http: {listen: "%s"}
poller: {timeout: 2s}
sources:
  - {id: good, url: "%[4]s/good.xml", interval: 10m}
  - {id: bomb, url: "%[4]s/bomb.xml", interval: 10m}
  - {id: deep, url: "%[4]s/deep.json", interval: 10m}
  - {id: big, url: "%[4]s/big.xml", interval: 10m}
  - {id: drip, url: "%[4]s/drip.xml", interval: 10m}
  - {id: title, url: "%[4]s/title.xml", interval: 10m}
entities:
  - {id: venezuela, kind: place, names: {en: [Venezuela]}}
rules:
  - {id: venezuela, query: 'entity:venezuela'}
`

// hostileServer serves a healthy feed beside five hostile ones.
func hostileServer(t *testing.T) *httptest.Server {
	var bomb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range 200 { // 200 MB of zeros in about 200 KB
		_, err := zw.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	deep := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[` + strings.Repeat("[", 2<<20) + `]}`
	var big strings.Builder
	big.WriteString(`<rss version="2.0"><channel><title>big</title>`)
	for i := range 100_000 {
		fmt.Fprintf(&big, `<item><link>https://big.example.org/%d</link></item>`, i)
	}
	big.WriteString(`</channel></rss>`)
	title := `<rss version="2.0"><channel><title>t</title><item><title>` + strings.Repeat("Venezuela ", 500_000) +
		`</title><link>https://title.example.org/1</link></item></channel></rss>`

	mux := http.NewServeMux()
	mux.HandleFunc("/good.xml", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>good</title><item><title>Venezuela votes</title>`+
			`<link>https://good.example.org/venezuela-votes</link></item></channel></rss>`)
	})
	mux.HandleFunc("/bomb.xml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/deep.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		_, _ = io.WriteString(w, deep)
	})
	mux.HandleFunc("/big.xml", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, big.String()) })
	mux.HandleFunc("/title.xml", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, title) })
	mux.HandleFunc("/drip.xml", func(w http.ResponseWriter, r *http.Request) {
		// A byte every 100 ms, for ever: headers come at once, the body never ends.
		fl := w.(http.Flusher)
		_, _ = io.WriteString(w, `<rss version="2.0"><channel><title>`)
		for {
			fl.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
				_, _ = io.WriteString(w, "x")
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// Beside a healthy feed, a gzip bomb, a deeply nested JSON Feed, a
// 100,000-item feed, a slow drip and a 5 MB title: the healthy feed alerts
// as usual, each hostile feed is logged and counted with its reason, and the
// process stays small.
func TestHostileFeeds(t *testing.T) {
	srv := hostileServer(t)
	dir := t.TempDir()
	listen, httpAddr := freePort(t), freePort(t)
	cfgPath := filepath.Join(dir, "mediawatch.yaml")
	require.NoError(t, os.WriteFile(cfgPath, fmt.Appendf(nil, hostileConfig, listen, filepath.Join(dir, "nats"), httpAddr, srv.URL), 0o644))
	p := startRun(t, cfgPath)
	nc := connectWhenUp(t, "nats://"+listen)

	alerts := make(chan pipeline.Alert, 10)
	_, err := nc.Subscribe("alerts.>", func(m *nats.Msg) {
		var a pipeline.Alert
		if json.Unmarshal(m.Data, &a) == nil {
			alerts <- a
		}
	})
	require.NoError(t, err)
	var seen []string
	deadline := time.After(60 * time.Second)
	for len(seen) < 2 {
		select {
		case a := <-alerts:
			seen = append(seen, a.Article.URL)
			if a.Article.URL == "https://good.example.org/venezuela-votes" {
				latency := a.Created.Sub(a.Article.Fetched)
				t.Logf("the healthy feed's alert: %s from fetch to alert", latency)
				assert.Less(t, latency, 10*time.Second, "the healthy feed is not held up")
			}
		case <-deadline:
			t.Fatalf("alerts so far: %v", seen)
		}
	}
	assert.ElementsMatch(t, []string{"https://good.example.org/venezuela-votes", "https://title.example.org/1"}, seen,
		"the healthy feed alerts, and so does the item whose 5 MB title was cut")

	// Each hostile feed's failure is recorded with its reason.
	reasons := map[string]string{"bomb": "body too large", "deep": "nested too deeply", "drip": "deadline exceeded"}
	var st status
	require.Eventually(t, func() bool {
		out, _, err := runCLI(t, nil, "status", "--json", "--sample", "0", "--nats", "nats://"+listen)
		if err != nil || json.Unmarshal([]byte(out), &st) != nil {
			return false
		}
		failed := 0
		for _, f := range st.Feeds {
			if _, ok := reasons[f.Feed]; ok && f.Failures > 0 {
				failed++
			}
		}
		return failed == len(reasons)
	}, 60*time.Second, 200*time.Millisecond)
	for _, f := range st.Feeds {
		if want, ok := reasons[f.Feed]; ok {
			assert.Contains(t, f.LastError, want, f.Feed)
		}
		if f.Feed == "good" || f.Feed == "big" || f.Feed == "title" {
			assert.Zero(t, f.Failures, f.Feed)
		}
	}

	// ... and counted, once the 100,000-item feed is parsed too.
	var metrics map[string]float64
	require.Eventually(t, func() bool {
		metrics = scrape(t, "http://"+httpAddr+"/metrics")
		return metrics[`mediawatch_feed_dropped_items_total{feed="big"}`] > 0
	}, 60*time.Second, 200*time.Millisecond, "the big feed is parsed")
	for _, feed := range []string{"bomb", "deep", "drip"} {
		assert.GreaterOrEqual(t, metrics[`mediawatch_feed_failures_total{feed="`+feed+`"}`], 1.0, feed)
	}
	assert.Equal(t, float64(100_000-1000), metrics[`mediawatch_feed_dropped_items_total{feed="big"}`])
	assert.Equal(t, 1.0, metrics[`mediawatch_feed_truncated_fields_total{feed="title"}`])
	for _, feed := range []string{"bomb", "deep", "drip"} {
		assert.Contains(t, p.logs(), `"feed": "`+feed+`"`, "the failure of %s is logged with its id", feed)
	}

	rss := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS: %d MB", rss>>20)
	assert.Less(t, rss, int64(400<<20), "peak RSS")
	p.stop(t)
}

// A message whose id would make a 5,000-byte subject is dead-lettered at
// once with its reason; the connection stays up, /readyz says so, and the
// next article flows.
func TestHostileIDDoesNotStopThePipeline(t *testing.T) {
	dir := t.TempDir()
	listen, httpAddr := freePort(t), freePort(t)
	cfgPath := filepath.Join(dir, "mediawatch.yaml")
	cfg := fmt.Sprintf("nats:\n  embedded: {listen: %q, store_dir: %q}\nhttp: {listen: %q}\n", listen, filepath.Join(dir, "nats"), httpAddr)
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o644))
	p := startRun(t, cfgPath)
	nc := connectWhenUp(t, "nats://"+listen)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	dlq := make(chan *nats.Msg, 10)
	_, err = nc.ChanSubscribe("dlq.>", dlq)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return get(t, "http://"+httpAddr+"/readyz") == http.StatusOK }, 30*time.Second, 50*time.Millisecond)

	long := strings.Repeat("i", 5000)
	for _, bad := range []string{
		`{"schema":1,"id":"` + long + `","feed":"x","title":"t"}`,
		`{"schema":1,"id":"` + pipelinetest.ID("a") + `","feed":"` + long + `","title":"t"}`,
		`{"schema":1,"id":"` + pipelinetest.ID("b") + `","feed":"bad id*>","title":"t"}`,
		`{"schema":1,"id":"` + pipelinetest.ID("c") + `","feed":"a.b","title":"t"}`,
	} {
		_, err := js.Publish(context.Background(), "articles.raw.x", []byte(bad))
		require.NoError(t, err)
		select {
		case m := <-dlq:
			assert.Equal(t, "dlq.dedup", m.Subject)
			assert.Equal(t, "1", m.Header.Get(pipeline.HeaderDelivered), "dead-lettered at once, not retried")
			assert.Contains(t, m.Header.Get(pipeline.HeaderError), "decode article")
		case <-time.After(20 * time.Second):
			t.Fatalf("not dead-lettered: %.80s", bad)
		}
	}
	assert.Equal(t, http.StatusOK, get(t, "http://"+httpAddr+"/readyz"), "still connected and ready")
	good := pipeline.Article{Schema: 1, ID: pipelinetest.ID("good"), Feed: "x", URL: "https://e.org/good", Title: "fine"}
	_, err = js.Publish(context.Background(), "articles.raw.x", pipeline.Encode(good))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		s, err := js.Stream(context.Background(), pipeline.StreamTagged)
		if err != nil {
			return false
		}
		info, err := s.Info(context.Background())
		return err == nil && info.State.Msgs == 1
	}, 30*time.Second, 50*time.Millisecond, "the next article goes through")
	p.stop(t)
}

func get(t *testing.T, url string) int {
	resp, err := http.Get(url) //nolint:noctx // a test probe with the client's default
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// scrape reads a Prometheus text exposition into name{labels} -> value.
func scrape(t *testing.T, url string) map[string]float64 {
	resp, err := http.Get(url) //nolint:noctx // a test probe
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc.
func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// mediawatch bench runs the whole pipeline and the raw model in one run and
// says what it measured.
func TestBenchCommand(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	out, err := exec.Command(binary, "bench", "--articles", "300", "--json", "--cpuprofile", prof).Output()
	require.NoError(t, err)
	var r struct {
		Articles int     `json:"articles"`
		Alerts   int     `json:"alerts"`
		Through  float64 `json:"articles_per_sec"`
		RawRate  float64 `json:"raw_msgs_per_sec"`
		RawCPU   float64 `json:"raw_cpu_ms_per_msg"`
		RawCores float64 `json:"raw_cores_busy"`
		Ratio    float64 `json:"ratio"`
		PeakRSS  int64   `json:"peak_rss_bytes"`
		Bytes    int     `json:"avg_article_bytes"`
	}
	require.NoError(t, json.Unmarshal(out, &r), "%s", out)
	assert.Equal(t, 300, r.Articles)
	assert.Greater(t, r.Alerts, 10, "about a tenth of the articles name a watched entity")
	assert.Greater(t, r.Through, 0.0)
	assert.Greater(t, r.RawRate, 0.0)
	assert.Greater(t, r.RawCPU, 0.0, "the raw model's CPU per message")
	assert.Greater(t, r.RawCores, 0.0)
	assert.Greater(t, r.Ratio, 0.0)
	assert.GreaterOrEqual(t, r.Bytes, 2048)
	assert.LessOrEqual(t, r.Bytes, 4096)

	// The measured run wrote its CPU profile (gzipped protocol buffers)
	// when it stopped.
	f, err := os.Open(prof)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err, "a CPU profile is gzipped")
	n, err := io.Copy(io.Discard, zr)
	require.NoError(t, err)
	assert.Greater(t, n, int64(100), "the profile holds samples")
}
