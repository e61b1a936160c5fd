package pipeline

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	natstest "github.com/nats-io/nats-server/v2/test"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://alice:hunter2@127.0.0.1:1", "nats://alice:REDACTED@127.0.0.1:1"},
		{"nats://s3cr3t@host:4222", "nats://REDACTED@host:4222"},
		{"nats://a:x@n1:4222,nats://a:x@n2:4222", "nats://a:REDACTED@n1:4222,nats://a:REDACTED@n2:4222"},
		{"tls://bob:pw@host", "tls://bob:REDACTED@host"},
		{"", ""},
		{"%zz:pw@host", "REDACTED"},
		{"alice:s3cret@127.0.0.1:4222", "alice:REDACTED@127.0.0.1:4222"}, // no scheme: nats.go takes it
		{"t0ken@host:4222", "REDACTED@host:4222"},
		{"127.0.0.1:4222", "127.0.0.1:4222"},
		{"a:x@n1:4222, b:y@n2:4222", "a:REDACTED@n1:4222,b:REDACTED@n2:4222"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, RedactURL(tt.in), tt.in)
	}
}

// A command that cannot reach NATS says so within its deadline, with the
// real reason and no password.
func TestConnectFailsFastWithTheReason(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nobody listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = Connect(ctx, "nats://alice:hunter2@"+addr, "test", Auth{}, zaptest.NewLogger(t), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nats://alice:REDACTED@"+addr)
	assert.Contains(t, err.Error(), "connection refused")
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestStartEmbeddedSaysThePortIsTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	// The refusal comes from a listen before the server starts (the server
	// itself gives up on a taken port only after 15 s).
	_, err = StartEmbedded(ln.Addr().String(), t.TempDir(), zaptest.NewLogger(t))
	require.ErrorContains(t, err, "listen on "+ln.Addr().String())
}

// The password of a NATS URL appears in no log line, from the connection to
// a disconnection.
func TestConnectLogsNoPassword(t *testing.T) {
	t.Parallel()
	opts := natstest.DefaultTestOptions
	opts.Port = -1
	opts.Username, opts.Password = "alice", "hunter2"
	srv := natstest.RunServer(&opts)
	core, logs := observer.New(zapcore.DebugLevel)
	addr := srv.Addr().String()
	url := "nats://alice:hunter2@" + addr
	nc, err := Connect(context.Background(), url, "test", Auth{}, zap.New(core), nil)
	require.NoError(t, err)
	defer nc.Close()
	srv.Shutdown()
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("disconnected").Len() > 0 }, 10*time.Second, 10*time.Millisecond)
	for _, e := range logs.All() {
		line := e.Message
		for _, f := range e.Context {
			line += fmt.Sprintf(" %v %v", f.String, f.Interface)
		}
		assert.NotContains(t, line, "hunter2")
	}
	assert.Equal(t, "nats://alice:REDACTED@"+addr, logs.All()[0].ContextMap()["nats_url"])
}
