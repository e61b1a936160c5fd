package notifier

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/notify"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

var (
	testKey    = []byte("0123456789abcdef0123456789abcdef")
	testSecret = "whsec_" + base64.StdEncoding.EncodeToString(testKey)
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// testAlert is alert number i of rule, as the alerter publishes it.
func testAlert(rule string, i int) pipeline.Alert {
	return pipeline.Alert{
		Schema: 1, ID: pipelinetest.ID(fmt.Sprintf("%s-%d", rule, i)), Rule: rule, Query: "venezuela NEAR/5 tanker",
		Created: time.Date(2026, 11, 27, 8, 0, i, 0, time.UTC),
		Article: pipeline.Article{Schema: 1, ID: pipelinetest.ID(fmt.Sprintf("a%d", i)), Feed: "efe-es", URL: fmt.Sprintf("https://e.org/%d", i),
			Title: fmt.Sprintf("Venezuela incauta el petrolero %d", i), Lang: "es"},
		Entities: []string{"venezuela"},
		Matches:  []pipeline.Match{{Term: "venezuela NEAR/5 tanker", Surface: "Venezuela … petrolero", Field: "title", Snippet: "Venezuela incauta el petrolero"}},
	}
}

func publishAlert(t *testing.T, js jetstream.JetStream, a pipeline.Alert) []byte {
	t.Helper()
	data := pipeline.Encode(a)
	_, err := js.Publish(context.Background(), pipeline.Subject(pipeline.SubjectAlerts, a.Rule), data)
	require.NoError(t, err)
	return data
}

// receiver is a webhook receiver that verifies Standard Webhooks
// signatures; it answers fail(n) for the n-th request (0 for 200).
type receiver struct {
	t    *testing.T
	srv  *httptest.Server
	fail func(n int) int

	mu       sync.Mutex
	header   http.Header // on the answers that are not 2xx
	requests []delivery  // every request, verified
	accepted []delivery  // those answered 2xx
}

type delivery struct {
	id   string
	body []byte
}

func newReceiver(t *testing.T, fail func(n int) int) *receiver {
	r := &receiver{t: t, fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
		sec, err := strconv.ParseInt(ts, 10, 64)
		ok := err == nil && id != "" && time.Since(time.Unix(sec, 0)).Abs() < 5*time.Minute
		// Verify as a receiver does: recompute the HMAC over id.timestamp.body.
		if ok {
			ok = false
			for _, sig := range strings.Fields(req.Header.Get("webhook-signature")) {
				if sig == notify.Sign(testKey, id, sec, body) {
					ok = true
				}
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if !ok {
			r.t.Errorf("bad signature on %s", id)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := len(r.requests)
		r.requests = append(r.requests, delivery{id, body})
		status := 200
		if r.fail != nil && r.fail(n) != 0 {
			status = r.fail(n)
		}
		if status < 300 {
			r.accepted = append(r.accepted, delivery{id, body})
		} else {
			for k, v := range r.header {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) counts() (requests, accepted int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests), len(r.accepted)
}

func (r *receiver) snapshot() (requests, accepted []delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.requests...), append([]delivery(nil), r.accepted...)
}

// notifierConfig parses a config whose sinks and rules are given, the
// way a user writes them.
func notifierConfig(t *testing.T, yaml string, vars map[string]string) Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml), nil)
	require.NoError(t, err)
	c := ConfigFrom(cfg)
	c.Getenv = env(vars)
	return c
}

func startWorker(t *testing.T, js jetstream.JetStream, cfg Config) (*Worker, func()) {
	t.Helper()
	w, err := New(context.Background(), cfg, pipeline.Deps{JS: js}, zaptest.NewLogger(t))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(15 * time.Second):
				t.Error("the notifier did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return w, stop
}

func setup(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	nc, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	return nc, js
}

func TestContract(t *testing.T) {
	pipelinetest.RunContract(t, pipelinetest.Contract{
		Spec: SinkSpec("hook", []string{"r"}),
		Handler: func(t *testing.T, js jetstream.JetStream) pipeline.Handler {
			rcv := newReceiver(t, nil)
			cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: hook, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true}]
rules: [{id: r, query: x, notify: [hook]}]
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
			w, err := New(context.Background(), cfg, pipeline.Deps{JS: js}, zaptest.NewLogger(t))
			require.NoError(t, err)
			sr := &sinkRun{}
			sr.cur.Store(w.pending["hook"])
			return w.handle(sr)
		},
		Input: func(_ *testing.T, i int) (string, []byte) {
			a := testAlert("r", i)
			return "alerts.r", pipeline.Encode(a)
		},
		Outputs:       1,
		OutputStreams: []string{"KV_" + pipeline.BucketNotified},
		Poison: func(*testing.T) (string, []byte) {
			return "alerts.r", []byte(`{"schema":1,"id":"not an id","rule":"r"}`)
		},
	})
}

// A receiver that fails three times, then succeeds, gets the alert once,
// with the same webhook-id and the alert's JSON unchanged every time, each
// request signed.
func TestWebhookRetriedAndDeliveredOnce(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, func(n int) int {
		if n < 3 {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: hook, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_delay: 50ms, headers: {X-Desk: night}}]
rules: [{id: tankers, query: x, notify: [hook]}]
`, rcv.srv.URL+"/hook"), map[string]string{"HOOK_SECRET": testSecret})
	startWorker(t, js, cfg)
	data := publishAlert(t, js, testAlert("tankers", 1))

	require.Eventually(t, func() bool { _, ok := rcv.counts(); return ok == 1 }, 20*time.Second, 10*time.Millisecond)
	waitSettled(t, js, "notifier-hook")
	requests, accepted := rcv.snapshot()
	assert.Len(t, requests, 4, "three failures, then the delivery, and nothing after it")
	require.Len(t, accepted, 1)
	assert.Equal(t, data, accepted[0].body, "the pinned alert JSON, unchanged")
	for _, r := range requests {
		assert.Equal(t, AlertDeliveryID("hook", testAlert("tankers", 1).ID), r.id, "one webhook-id on every retry")
	}
}

func waitSettled(t *testing.T, js jetstream.JetStream, consumer string) {
	t.Helper()
	require.Eventually(t, func() bool {
		c, err := js.Consumer(context.Background(), pipeline.StreamAlerts, consumer)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, 60*time.Second, 10*time.Millisecond, "consumer %s settles", consumer)
}

// A sink that is down for the whole test sends its alerts to dlq.notifier
// after the retry limit, while another sink of the same rule gets every
// alert on time.
func TestDownSinkDoesNotDelayAnother(t *testing.T) {
	nc, js := setup(t)
	dlq := make(chan *nats.Msg, 16)
	sub, err := nc.ChanSubscribe("dlq.notifier", dlq)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	down := newReceiver(t, func(int) int { return http.StatusBadGateway })
	up := newReceiver(t, nil)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks:
  - {id: down, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_delay: 100ms}
  - {id: up, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true}
rules: [{id: tankers, query: x, notify: [down, up]}]
`, down.srv.URL, up.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	startWorker(t, js, cfg)
	for i := range 5 {
		publishAlert(t, js, testAlert("tankers", i))
	}
	require.Eventually(t, func() bool { _, n := up.counts(); return n == 5 }, 10*time.Second, 10*time.Millisecond, "the healthy sink gets every alert")
	got := map[string]bool{}
	for len(got) < 5 {
		select {
		case m := <-dlq:
			assert.Contains(t, m.Header.Get(pipeline.HeaderError), "deliver to sink down: status 502")
			assert.NotContains(t, m.Header.Get(pipeline.HeaderError), testSecret)
			assert.Equal(t, "5", m.Header.Get(pipeline.HeaderDelivered), "after the retry limit")
			var a pipeline.Alert
			require.NoError(t, json.Unmarshal(m.Data, &a))
			got[a.ID] = true
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of 5 alerts in the DLQ", len(got))
		}
	}
	requests, _ := down.counts()
	assert.Equal(t, 25, requests, "five attempts each")
	_, n := up.counts()
	assert.Equal(t, 5, n, "once each")
}

// A 4xx other than 408, 425 and 429 goes to the DLQ at once, with the
// status and the start of the body.
func TestRefusedAlertDeadLetteredAtOnce(t *testing.T) {
	nc, js := setup(t)
	dlq := make(chan *nats.Msg, 4)
	sub, err := nc.ChanSubscribe("dlq.notifier", dlq)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusGone)
		_, _ = io.WriteString(w, "this hook was deleted")
	}))
	t.Cleanup(srv.Close)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: team, type: slack, url: %q, allow_private: true}]
rules: [{id: tankers, query: x, notify: [team]}]
`, srv.URL+"/services/T0/B0/topsecret"), nil)
	startWorker(t, js, cfg)
	publishAlert(t, js, testAlert("tankers", 1))
	select {
	case m := <-dlq:
		assert.Equal(t, `deliver to sink team: status 410 Gone: "this hook was deleted"`, m.Header.Get(pipeline.HeaderError))
		assert.Equal(t, "1", m.Header.Get(pipeline.HeaderDelivered))
		assert.NotContains(t, m.Header.Get(pipeline.HeaderError), "topsecret")
	case <-time.After(15 * time.Second):
		t.Fatal("no dead letter")
	}
}

// Without allow_private, a sink on a loopback address is refused at start,
// and a redirect to one is refused too (dead-lettered at once).
func TestPrivateSinksRefused(t *testing.T) {
	nc, js := setup(t)
	target := newReceiver(t, nil)
	for _, u := range []string{target.srv.URL, strings.Replace(target.srv.URL, "127.0.0.1", "localhost", 1)} {
		cfg := notifierConfig(t, `
sinks: [{id: hook, type: webhook, url: "https://example.org/hook", secret_env: HOOK_SECRET}]
rules: [{id: tankers, query: x, notify: [hook]}]
`, map[string]string{"HOOK_SECRET": testSecret})
		cfg.Sinks[0].Options.URL = u // as config refuses it at load already: the notifier checks on its own
		_, err := New(context.Background(), cfg, pipeline.Deps{JS: js}, zaptest.NewLogger(t))
		require.Error(t, err, u)
		assert.Contains(t, err.Error(), "sink hook: the url's host is a loopback or private address")
	}
	_, err := config.Parse("x.yaml", []byte(fmt.Sprintf("sinks: [{id: hook, type: webhook, url: %q, secret_env: S}]\n", target.srv.URL)), nil)
	require.ErrorContains(t, err, "x.yaml:1: sinks[0] (hook).url: host 127.0.0.1 is a loopback or private address")

	dlq := make(chan *nats.Msg, 4)
	sub, err := nc.ChanSubscribe("dlq.notifier", dlq)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.srv.URL+"/hook", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(front.Close)
	cfg := notifierConfig(t, `
sinks: [{id: hook, type: webhook, url: "https://example.org/hook", secret_env: HOOK_SECRET}]
rules: [{id: tankers, query: x, notify: [hook]}]
`, map[string]string{"HOOK_SECRET": testSecret})
	cfg.Sinks[0].Options.URL = front.URL
	frontAddr := netip.MustParseAddrPort(front.Listener.Addr().String())
	cfg.Allow = func(a netip.AddrPort) bool { return a == frontAddr } // as if front were a public server
	startWorker(t, js, cfg)
	publishAlert(t, js, testAlert("tankers", 1))
	select {
	case m := <-dlq:
		assert.Contains(t, m.Header.Get(pipeline.HeaderError), "refused: not a public address")
		assert.Equal(t, "1", m.Header.Get(pipeline.HeaderDelivered), "at once")
	case <-time.After(15 * time.Second):
		t.Fatal("no dead letter")
	}
	n, _ := target.counts()
	assert.Zero(t, n, "the redirect's target was never reached")
}

// Two sinks that fail the same alert each dead-letter it: one copy per
// sink in dlq.notifier, saying which sink.
func TestDeadLetterPerSink(t *testing.T) {
	_, js := setup(t)
	down := func(int) int { return http.StatusBadGateway }
	one, two := newReceiver(t, down), newReceiver(t, down)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks:
  - {id: one, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_delay: 10ms}
  - {id: two, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_delay: 10ms}
rules: [{id: tankers, query: x, notify: [one, two]}]
`, one.srv.URL, two.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	startWorker(t, js, cfg)
	for i := range 2 {
		publishAlert(t, js, testAlert("tankers", i))
	}
	waitSettled(t, js, "notifier-one")
	waitSettled(t, js, "notifier-two")

	ctx := context.Background()
	dlq, err := js.Stream(ctx, pipeline.StreamDLQ)
	require.NoError(t, err)
	info, err := dlq.Info(ctx, jetstream.WithSubjectFilter("dlq.notifier"))
	require.NoError(t, err)
	require.Equal(t, uint64(4), info.State.Subjects["dlq.notifier"], "two alerts, two sinks")
	got := map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := dlq.GetMsg(ctx, seq)
		require.NoError(t, err)
		sink := m.Header.Get(HeaderSink)
		assert.Contains(t, m.Header.Get(pipeline.HeaderError), "deliver to sink "+sink+": status 502")
		got[sink]++
	}
	assert.Equal(t, map[string]int{"one": 2, "two": 2}, got)
}
