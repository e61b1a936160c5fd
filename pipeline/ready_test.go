package pipeline_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
)

func TestReadyURL(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "http://127.0.0.1:9090/readyz", pipeline.ReadyURL("0.0.0.0:9090"))
	assert.Equal(t, "http://127.0.0.1:9090/readyz", pipeline.ReadyURL(":9090"))
	assert.Equal(t, "http://[::1]:9090/readyz", pipeline.ReadyURL("[::1]:9090"))
	assert.Equal(t, "http://10.0.0.5:9090/readyz", pipeline.ReadyURL("10.0.0.5:9090"))
}

func TestCheckReady(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte("not connected to nats\n"))
	}))
	t.Cleanup(srv.Close)
	_, err := pipeline.CheckReady(context.Background(), srv.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "503")
	assert.Contains(t, err.Error(), "not connected to nats")
	status.Store(http.StatusOK)
	answer, err := pipeline.CheckReady(context.Background(), srv.URL)
	require.NoError(t, err)
	assert.Equal(t, "not connected to nats", answer)
	_, err = pipeline.CheckReady(context.Background(), "http://127.0.0.1:1/readyz")
	assert.Error(t, err, "nothing listens")
}
