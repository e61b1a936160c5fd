package notifier

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/notify"
	"github.com/mediawatch/mediawatch/pipeline"
)

// A receiver's Retry-After is honoured up to the sink's max_delay.
func TestRetryAfterCapped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		want time.Duration
		ok   bool
	}{
		{"shorter than max_delay", &notify.Error{Sink: "s", Status: 429, RetryAfter: 20 * time.Second}, 20 * time.Second, true},
		{"capped", &notify.Error{Sink: "s", Status: 503, RetryAfter: 6 * time.Hour}, time.Minute, true},
		{"none: the backoff's", &notify.Error{Sink: "s", Status: 503}, 0, false},
		{"not a delivery error", errors.New("read receipt"), 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, ok := pipeline.RetryDelay(retryable(tt.err, time.Minute))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, d)
		})
	}
	err := retryable(&notify.Error{Sink: "s", Status: 410, Permanent: true}, time.Minute)
	require.ErrorIs(t, err, pipeline.ErrPermanent)
}

// On the real server: a receiver that asks for an hour (429, Retry-After:
// 3600) gets the alert again after the sink's max_delay.
func TestRetryAfterOnTheServer(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, func(n int) int {
		if n == 0 {
			return http.StatusTooManyRequests
		}
		return 0
	})
	rcv.mu.Lock()
	rcv.header = http.Header{"Retry-After": {"3600"}}
	rcv.mu.Unlock()
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: hook, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, max_delay: 200ms}]
rules: [{id: tankers, query: x, notify: [hook]}]
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	startWorker(t, js, cfg)
	publishAlert(t, js, testAlert("tankers", 1))
	require.Eventually(t, func() bool { _, n := rcv.counts(); return n == 1 }, 15*time.Second, 10*time.Millisecond, "retried after max_delay, not after an hour")
	waitSettled(t, js, "notifier-hook")
	n, _ := rcv.counts()
	assert.Equal(t, 2, n)
}
