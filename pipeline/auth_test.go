package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// Each way to authenticate, over TLS that the server requires: the client
// connects with the right settings, uses JetStream, and is refused
// without them.
func TestConnectToSecuredServers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secure pipelinetest.Secure
		auth   func(c pipelinetest.Credentials) pipeline.Auth
		wrong  func(c pipelinetest.Credentials) pipeline.Auth
	}{
		{
			name:   "user and password",
			secure: pipelinetest.Secure{User: "alice", Password: "hunter2"},
			auth: func(c pipelinetest.Credentials) pipeline.Auth {
				return pipeline.Auth{User: "alice", Password: "hunter2", CA: c.PKI.CA}
			},
			wrong: func(c pipelinetest.Credentials) pipeline.Auth {
				return pipeline.Auth{User: "alice", Password: "nope", CA: c.PKI.CA}
			},
		},
		{
			name:   "token",
			secure: pipelinetest.Secure{Token: "s3cr3t-token"},
			auth: func(c pipelinetest.Credentials) pipeline.Auth {
				return pipeline.Auth{Token: "s3cr3t-token", CA: c.PKI.CA}
			},
			wrong: func(c pipelinetest.Credentials) pipeline.Auth { return pipeline.Auth{Token: "other", CA: c.PKI.CA} },
		},
		{
			name:   "nkey seed file",
			secure: pipelinetest.Secure{NKey: true},
			auth:   func(c pipelinetest.Credentials) pipeline.Auth { return pipeline.Auth{NKey: c.NKey, CA: c.PKI.CA} },
			wrong:  func(c pipelinetest.Credentials) pipeline.Auth { return pipeline.Auth{CA: c.PKI.CA} },
		},
		{
			name:   "credentials file (operator mode)",
			secure: pipelinetest.Secure{Creds: true},
			auth:   func(c pipelinetest.Credentials) pipeline.Auth { return pipeline.Auth{Creds: c.Creds, CA: c.PKI.CA} },
			wrong:  func(c pipelinetest.Credentials) pipeline.Auth { return pipeline.Auth{CA: c.PKI.CA} },
		},
		{
			name:   "mutual TLS",
			secure: pipelinetest.Secure{ClientCert: true},
			auth: func(c pipelinetest.Credentials) pipeline.Auth {
				return pipeline.Auth{CA: c.PKI.CA, Cert: c.PKI.ClientCert, Key: c.PKI.ClientKey}
			},
			wrong: func(c pipelinetest.Credentials) pipeline.Auth { return pipeline.Auth{CA: c.PKI.CA} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, creds := pipelinetest.SecureServer(t, tt.secure)
			url := strings.Replace(srv.ClientURL(), "nats://", "tls://", 1)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			nc, err := pipeline.Connect(ctx, url, "test", tt.auth(creds), zaptest.NewLogger(t), nil)
			require.NoError(t, err)
			defer nc.Close()
			assert.True(t, nc.TLSRequired())
			js, err := jetstream.New(nc)
			require.NoError(t, err)
			_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}})
			require.NoError(t, err, "JetStream over the secured connection")

			wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer wcancel()
			_, err = pipeline.Connect(wctx, url, "test", tt.wrong(creds), zaptest.NewLogger(t), nil)
			require.Error(t, err, "refused without the right credentials")
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

// Without the CA the server's certificate is not trusted; a plain nats://
// URL to a server that requires TLS is upgraded when a CA is set.
func TestConnectTLSTrust(t *testing.T) {
	t.Parallel()
	srv, creds := pipelinetest.SecureServer(t, pipelinetest.Secure{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := pipeline.Connect(ctx, strings.Replace(srv.ClientURL(), "nats://", "tls://", 1), "test", pipeline.Auth{}, zaptest.NewLogger(t), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")

	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	nc, err := pipeline.Connect(ctx2, srv.ClientURL(), "test", pipeline.Auth{CA: creds.PKI.CA}, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	nc.Close()
}

// Settings that cannot work are refused before dialling, each named.
func TestAuthCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth pipeline.Auth
		want string
	}{
		{"two methods", pipeline.Auth{User: "a", Token: "t"}, "only one of"},
		{"password alone", pipeline.Auth{Password: "p"}, "password without user"},
		{"cert without key", pipeline.Auth{Cert: "c.pem"}, "tls.cert and tls.key"},
		{"missing creds file", pipeline.Auth{Creds: "/nonexistent/x.creds"}, "creds: stat /nonexistent/x.creds"},
		{"missing ca", pipeline.Auth{CA: "/nonexistent/ca.pem"}, "tls.ca"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.auth.Check()
			require.ErrorIs(t, err, pipeline.ErrAuthConfig)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	require.NoError(t, pipeline.Auth{}.Check())
}
