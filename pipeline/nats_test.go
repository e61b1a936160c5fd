package pipeline

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
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
	_, err = Connect(ctx, "nats://alice:hunter2@"+addr, "test", zaptest.NewLogger(t), nil)
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
