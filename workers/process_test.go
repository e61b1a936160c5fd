package workers

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
)

// recorder is a worker that remembers the configurations it was given.
type recorder struct {
	mu   sync.Mutex
	cfgs []*config.Config
}

func (r *recorder) Run(context.Context) error { return nil }

func (r *recorder) Reload(cfg *config.Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfgs = append(r.cfgs, cfg)
	return nil
}

func TestReloaderKeepsExtraSources(t *testing.T) {
	rec := &recorder{}
	extra := []config.Source{{ID: "demo-x", URL: "http://127.0.0.1/x.xml"}}
	cfg := config.Default()
	cfg.Sources = []config.Source{{ID: "a", URL: "https://e.org/a.xml"}}
	Reloader([]Worker{rec, rec}, extra, zaptest.NewLogger(t))(cfg)
	require.Len(t, rec.cfgs, 2, "every worker gets the configuration")
	c := rec.cfgs[0]
	assert.Equal(t, "demo-x", c.Sources[len(c.Sources)-1].ID, "extra sources survive a reload")
}
