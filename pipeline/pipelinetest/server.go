// Package pipelinetest is what the tests of every stage share: the real
// NATS server started in-process, the pipeline's topology on it, and the
// contract suite every stage passes (RunContract).
package pipelinetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natstest "github.com/nats-io/nats-server/v2/test"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
)

// Server starts a JetStream-enabled NATS server on a random port with a
// temporary store; everything is closed when the test ends.
func Server(t testing.TB) *server.Server {
	t.Helper()
	opts := natstest.DefaultTestOptions
	opts.Port = -1
	opts.JetStream = true
	opts.StoreDir = t.TempDir()
	opts.NoLog = true
	srv := natstest.RunServer(&opts)
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

// Connect connects to srv and returns the connection and its JetStream
// context, closed at the end of the test.
func Connect(t testing.TB, srv *server.Server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(srv.ClientURL(), nats.Timeout(5*time.Second))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc, js
}

// Topology creates the pipeline's streams and buckets on js, and the
// durable consumers of stages (none: each runner creates its own when it
// starts), with one replica and a dedup TTL of an hour.
func Topology(t testing.TB, js jetstream.JetStream, stages ...pipeline.ConsumerSpec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, pipeline.Plan(pipeline.TopologyOptions{Stages: stages, Replicas: 1, SeenTTL: time.Hour}).Create(ctx, js))
}

// Deliver does with a handler's result what the runner does after the
// handler returns: it stores every output, with its Msg-Id, then runs the
// After step.
func Deliver(t testing.TB, js jetstream.JetStream, res pipeline.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, o := range res.Outputs {
		m := nats.NewMsg(o.Subject)
		m.Data = o.Data
		if o.MsgID != "" {
			m.Header.Set(jetstream.MsgIDHeader, o.MsgID)
		}
		_, err := js.PublishMsg(ctx, m)
		require.NoError(t, err)
	}
	if res.After != nil {
		require.NoError(t, res.After(ctx))
	}
}

// ID is an article id made from a name, for tests: the same name, the same
// id.
func ID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:16])
}
