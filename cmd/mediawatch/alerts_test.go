package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/workers"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testAlert(rule, title string) pipeline.Alert {
	return pipeline.Alert{
		Schema: 1, ID: "id-" + rule, Rule: rule, Query: "entity:venezuela",
		Article:  pipeline.Article{Schema: 1, ID: pipelinetest.ID("a"), Feed: "dw-de", URL: "https://e.org/a", Title: title, Lang: "de"},
		Entities: []string{"venezuela"},
		Matches:  []pipeline.Match{{Term: "entity:venezuela", Surface: "venezolanischen", Field: "title", Snippet: "… venezolanischen …"}},
	}
}

// tail runs "alerts tail" in-process until the test ends.
func tail(t *testing.T, url string, args ...string) (*lockedBuffer, *lockedBuffer) {
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"alerts", "tail", "--nats", url}, args...), out, errb, func(string) string { return "" })
	}()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	return out, errb
}

func TestAlertsTail(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	ctx := context.Background()
	pipelinetest.Topology(t, js, workers.Specs()...)

	// An alert stored before the tail starts: only --since replays it.
	_, err := js.Publish(ctx, "alerts.old", pipeline.Encode(testAlert("old", "Stored earlier")))
	require.NoError(t, err)

	readable, errb := tail(t, srv.ClientURL())
	raw, rawErr := tail(t, srv.ClientURL(), "--json", "--rule", "venezuela")
	replay, _ := tail(t, srv.ClientURL(), "--since", "1h")
	require.Eventually(t, func() bool { return strings.Contains(errb.String(), "following alerts.>") }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return strings.Contains(replay.String(), "Stored earlier") }, 10*time.Second, 10*time.Millisecond)

	// "following" is printed once the server has the subscription.
	require.Eventually(t, func() bool { return strings.Contains(rawErr.String(), "following alerts.venezuela") }, 10*time.Second, 10*time.Millisecond)
	for _, rule := range []string{"venezuela", "other"} {
		m := nats.NewMsg("alerts." + rule)
		m.Data = pipeline.Encode(testAlert(rule, "Putin sichert Maduro Unterstützung zu"))
		_, err := js.PublishMsg(ctx, m)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return strings.Count(readable.String(), "ALERT [") == 2 }, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, readable.String(), "ALERT [venezuela] Putin sichert Maduro Unterstützung zu")
	assert.Contains(t, readable.String(), `matched entity:venezuela: "venezolanischen" in title`)
	assert.NotContains(t, readable.String(), "Stored earlier", "without --since only new alerts")

	require.Eventually(t, func() bool { return strings.Count(raw.String(), "\n") == 1 }, 10*time.Second, 10*time.Millisecond)
	assert.True(t, strings.HasPrefix(raw.String(), `{"schema":1,"id":"id-venezuela","rule":"venezuela"`), raw.String())
	require.Eventually(t, func() bool { return strings.Count(replay.String(), "ALERT [") == 3 }, 10*time.Second, 10*time.Millisecond)
}
