package notifier

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
)

// alertIDs are the ids of the alerts a receiver accepted, in order.
func (r *receiver) alertIDs() []string {
	_, accepted := r.snapshot()
	var out []string
	for _, d := range accepted {
		out = append(out, d.id)
	}
	return out
}

// A reload moves a sink's consumer with its rules, deletes the consumer of
// a sink that is gone, and starts a new sink: an alert of a rule newly
// routed to a sink reaches it, one of a rule no longer routed does not, the
// sink that is gone gets nothing more, and the new one gets the alerts to
// come.
func TestReload(t *testing.T) {
	_, js := setup(t)
	ra, rb, rc := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	vars := map[string]string{"HOOK_SECRET": testSecret}
	before := notifierConfig(t, fmt.Sprintf(`
sinks:
  - {id: a, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true}
  - {id: b, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true}
rules:
  - {id: r1, query: x, notify: [a, b]}
  - {id: r2, query: x, notify: [a]}
  - {id: r3, query: x}
`, ra.srv.URL, rb.srv.URL), vars)
	after := notifierConfig(t, fmt.Sprintf(`
sinks:
  - {id: a, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true}
  - {id: c, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true}
rules:
  - {id: r1, query: x, notify: [a, c]}
  - {id: r2, query: x}
  - {id: r3, query: x, notify: [a]}
`, ra.srv.URL, rc.srv.URL), vars)
	delivery := func(sink, rule string, i int) string { return AlertDeliveryID(sink, testAlert(rule, i).ID) }

	w, _ := startWorker(t, js, before)
	publishAlert(t, js, testAlert("r1", 1))
	publishAlert(t, js, testAlert("r2", 1))
	require.Eventually(t, func() bool {
		_, a := ra.counts()
		_, b := rb.counts()
		return a == 2 && b == 1
	}, 15*time.Second, 10*time.Millisecond)
	waitSettled(t, js, "notifier-a")
	waitSettled(t, js, "notifier-b")

	require.NoError(t, w.Reload(after))

	ctx := context.Background()
	_, err := js.Consumer(ctx, pipeline.StreamAlerts, "notifier-b")
	require.ErrorIs(t, err, jetstream.ErrConsumerNotFound, "the consumer of the sink that is gone is deleted")
	cons, err := js.Consumer(ctx, pipeline.StreamAlerts, "notifier-a")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"alerts.r1", "alerts.r3"}, cons.CachedInfo().Config.FilterSubjects, "a's consumer follows its rules")
	_, err = js.Consumer(ctx, pipeline.StreamAlerts, "notifier-c")
	require.NoError(t, err, "the new sink has its consumer")

	publishAlert(t, js, testAlert("r2", 2)) // no longer routed to a
	publishAlert(t, js, testAlert("r3", 2)) // newly routed to a
	publishAlert(t, js, testAlert("r1", 2)) // to a and c, no longer to b
	require.Eventually(t, func() bool {
		_, a := ra.counts()
		_, c := rc.counts()
		return a == 4 && c == 1
	}, 15*time.Second, 10*time.Millisecond)
	waitSettled(t, js, "notifier-a")
	waitSettled(t, js, "notifier-c")

	assert.ElementsMatch(t, []string{delivery("a", "r1", 1), delivery("a", "r2", 1), delivery("a", "r3", 2), delivery("a", "r1", 2)}, ra.alertIDs())
	assert.Equal(t, []string{delivery("b", "r1", 1)}, rb.alertIDs(), "b gets nothing once it is gone")
	assert.Equal(t, []string{delivery("c", "r1", 2)}, rc.alertIDs(), "c gets the alerts to come")
	n, _ := rb.counts()
	assert.Equal(t, 1, n)
}
