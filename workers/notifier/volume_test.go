package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/notify"
	"github.com/mediawatch/mediawatch/pipeline"
)

// clock is a settable clock for the notifier.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// sinkState reads a sink's volume control from mw_notify.
func sinkState(t *testing.T, js jetstream.JetStream, sink string) (notify.State, bool) {
	t.Helper()
	kv, err := js.KeyValue(context.Background(), pipeline.BucketNotify)
	require.NoError(t, err)
	e, err := kv.Get(context.Background(), sink)
	if err != nil {
		return notify.State{}, false
	}
	var st notify.State
	require.NoError(t, json.Unmarshal(e.Value(), &st))
	return st, true
}

// digestOf reads a digest as a webhook receives it.
type digestOf struct {
	Type   string        `json:"type"`
	ID     string        `json:"id"`
	Count  int           `json:"count"`
	Alerts []notify.Item `json:"alerts"`
}

// A sink of mode each with max_per_hour: 2 that gets five alerts within an
// hour sends two at once and folds the other three into one digest, sent
// when the next clock hour begins: every alert once, none twice.
func TestHourlyCap(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, nil)
	clk := newClock(time.Date(2026, 11, 27, 8, 10, 0, 0, time.UTC))
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: phone, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_per_hour: 2}]
rules: [{id: tankers, query: x, notify: [phone]}]
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	cfg.Now = clk.now
	startWorker(t, js, cfg)

	all := map[string]bool{}
	for i := range 5 {
		publishAlert(t, js, testAlert("tankers", i))
		all[testAlert("tankers", i).ID] = true
		clk.add(time.Minute) // all within 08:10 and 08:15
	}
	waitSettled(t, js, "notifier-phone")
	st, ok := sinkState(t, js, "phone")
	require.True(t, ok)
	assert.Len(t, st.Pending, 3, "three alerts beyond the cap wait for the digest")
	assert.Equal(t, 2, st.Sent)
	assert.Equal(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), st.Due, "the next clock hour")
	_, accepted := rcv.snapshot()
	require.Len(t, accepted, 2, "two at once")
	got := map[string]int{}
	for _, d := range accepted {
		id, ok := strings.CutPrefix(d.id, "alert:phone:")
		require.True(t, ok, d.id)
		got[id]++
	}

	clk.set(time.Date(2026, 11, 27, 9, 0, 1, 0, time.UTC))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 3 }, 15*time.Second, 10*time.Millisecond, "the digest goes when the hour begins")
	require.Eventually(t, func() bool {
		st, _ := sinkState(t, js, "phone")
		return st.Sending == nil
	}, 15*time.Second, 10*time.Millisecond, "the digest is recorded as delivered")
	st, _ = sinkState(t, js, "phone")
	assert.Empty(t, st.Pending)
	assert.Empty(t, st.More)
	assert.Equal(t, 1, st.Sent, "the digest counts against its hour")

	requests, accepted := rcv.snapshot()
	require.Len(t, accepted, 3)
	assert.Len(t, requests, 3, "nothing sent again")
	var dg digestOf
	require.NoError(t, json.Unmarshal(accepted[2].body, &dg))
	assert.Equal(t, "digest", dg.Type)
	assert.Equal(t, notify.DigestID("phone", 1), accepted[2].id)
	assert.Equal(t, 3, dg.Count)
	require.Len(t, dg.Alerts, 3)
	for i, it := range dg.Alerts {
		got[it.Alert]++
		if i > 0 {
			assert.False(t, it.Created.Before(dg.Alerts[i-1].Created), "oldest first")
		}
	}
	for id := range all {
		assert.Equal(t, 1, got[id], "alert %s once", id)
	}
	assert.Len(t, got, 5, "no other alert")
}

// A burst of alerts to a digest sink, handled hundreds at a time, all land
// in its digest: none is dead-lettered for want of a turn at the sink's
// state.
func TestDigestBurst(t *testing.T) {
	nc, js := setup(t)
	dlq := make(chan *nats.Msg, 512)
	sub, err := nc.ChanSubscribe("dlq.notifier", dlq)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	rcv := newReceiver(t, nil)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: desk, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, mode: digest, every: 1h, max_delay: 50ms}]
rules: [{id: tankers, query: x, notify: [desk]}]
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	cfg.Now = newClock(time.Date(2026, 11, 27, 8, 10, 0, 0, time.UTC)).now
	startWorker(t, js, cfg)
	const n = 400
	for i := range n {
		publishAlert(t, js, testAlert("tankers", i))
	}
	waitSettled(t, js, "notifier-desk")
	st, ok := sinkState(t, js, "desk")
	require.True(t, ok)
	assert.Len(t, st.Pending, n, "every alert in the digest")
	assert.Len(t, dlq, 0, "none dead-lettered")
}

// The alerts a cap folded into a digest are still delivered when a reload
// takes the cap off: the digest goes when it is due, and the alerts to
// come go at once.
func TestFoldedAlertsOutliveTheCap(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, nil)
	clk := newClock(time.Date(2026, 11, 27, 8, 10, 0, 0, time.UTC))
	sinks := `
sinks: [{id: phone, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true%s}]
rules:
  - {id: tankers, query: x, notify: [phone]}
  - {id: sanctions, query: x%s}
`
	vars := map[string]string{"HOOK_SECRET": testSecret}
	capped := notifierConfig(t, fmt.Sprintf(sinks, rcv.srv.URL, ", max_per_hour: 1", ""), vars)
	capped.Now = clk.now
	w, _ := startWorker(t, js, capped)
	for i := range 3 {
		publishAlert(t, js, testAlert("tankers", i))
	}
	waitSettled(t, js, "notifier-phone")
	st, _ := sinkState(t, js, "phone")
	require.Len(t, st.Pending, 2)

	// A new rule too: the sink starts anew, with no memory of its cap.
	uncapped := notifierConfig(t, fmt.Sprintf(sinks, rcv.srv.URL, "", ", notify: [phone]"), vars)
	require.NoError(t, w.Reload(uncapped))
	publishAlert(t, js, testAlert("tankers", 3))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 2 }, 15*time.Second, 10*time.Millisecond, "no cap any more")
	clk.set(time.Date(2026, 11, 27, 9, 0, 1, 0, time.UTC))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 3 }, 15*time.Second, 10*time.Millisecond, "the folded alerts' digest")
	_, accepted := rcv.snapshot()
	assert.Equal(t, notify.DigestID("phone", 1), accepted[2].id)
	var dg digestOf
	require.NoError(t, json.Unmarshal(accepted[2].body, &dg))
	assert.Equal(t, 2, dg.Count)
}

// Under a cap, the retries of an alert that failed count once: it goes on
// its own when the receiver is back, and the hour keeps room for the next.
func TestCapCountsAnAlertOnce(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, func(n int) int {
		if n < 2 {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: phone, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_per_hour: 2, max_delay: 50ms}]
rules: [{id: tankers, query: x, notify: [phone]}]
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	cfg.Now = newClock(time.Date(2026, 11, 27, 8, 10, 0, 0, time.UTC)).now
	startWorker(t, js, cfg)
	publishAlert(t, js, testAlert("tankers", 1))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 1 }, 15*time.Second, 10*time.Millisecond)
	waitSettled(t, js, "notifier-phone")
	publishAlert(t, js, testAlert("tankers", 2))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 2 }, 15*time.Second, 10*time.Millisecond)
	waitSettled(t, js, "notifier-phone")

	requests, accepted := rcv.snapshot()
	assert.Len(t, requests, 4, "two failures, then each alert once")
	assert.Equal(t, AlertDeliveryID("phone", testAlert("tankers", 1).ID), accepted[0].id, "on its own, not folded")
	assert.Equal(t, AlertDeliveryID("phone", testAlert("tankers", 2).ID), accepted[1].id, "the hour had room for it")
	st, _ := sinkState(t, js, "phone")
	assert.Equal(t, 2, st.Sent)
	assert.Empty(t, st.Pending)
}

// An alert folded into the digest and published again is neither folded
// nor counted twice.
func TestFoldedOnce(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, nil)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: phone, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_per_hour: 1}]
rules: [{id: tankers, query: x, notify: [phone]}]
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	cfg.Now = newClock(time.Date(2026, 11, 27, 8, 10, 0, 0, time.UTC)).now
	metrics := pipeline.NewMetrics()
	w, err := New(context.Background(), cfg, pipeline.Deps{JS: js, Metrics: metrics}, zaptest.NewLogger(t))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	publishAlert(t, js, testAlert("tankers", 0))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 1 }, 15*time.Second, 10*time.Millisecond)
	publishAlert(t, js, testAlert("tankers", 1))
	publishAlert(t, js, testAlert("tankers", 1)) // the same alert again
	waitSettled(t, js, "notifier-phone")
	st, _ := sinkState(t, js, "phone")
	assert.Len(t, st.Pending, 1)
	assert.Equal(t, uint64(1), metrics.Counter(`mediawatch_notifier_folded_total{sink="phone"}`).Load())
}

// A digest sink that a reload leaves without rules still sends the digest
// it was gathering when it is due: it only gets no new alerts.
func TestDigestOfASinkNoRuleNamesAnyMore(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, nil)
	clk := newClock(time.Date(2026, 11, 27, 8, 10, 0, 0, time.UTC))
	sinks := `
sinks: [{id: desk, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, mode: digest, every: 1h}]
rules:
  - {id: tankers, query: x%s}
`
	vars := map[string]string{"HOOK_SECRET": testSecret}
	named := notifierConfig(t, fmt.Sprintf(sinks, rcv.srv.URL, ", notify: [desk]"), vars)
	named.Now = clk.now
	w, _ := startWorker(t, js, named)
	for i := range 2 {
		publishAlert(t, js, testAlert("tankers", i))
	}
	waitSettled(t, js, "notifier-desk")
	st, _ := sinkState(t, js, "desk")
	require.Len(t, st.Pending, 2)

	unnamed := notifierConfig(t, fmt.Sprintf(sinks, rcv.srv.URL, ""), vars)
	unnamed.Now = clk.now
	require.NoError(t, w.Reload(unnamed))
	clk.set(time.Date(2026, 11, 27, 9, 10, 1, 0, time.UTC))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 1 }, 15*time.Second, 10*time.Millisecond, "the digest gathered before the reload")
	_, accepted := rcv.snapshot()
	var dg digestOf
	require.NoError(t, json.Unmarshal(accepted[0].body, &dg))
	assert.Equal(t, 2, dg.Count)
}
