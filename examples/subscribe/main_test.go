package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// The README's subscriber builds, runs, and catches up on an alert stored
// while it was not running.
func TestSubscriber(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	pipelinetest.Topology(t, js)
	bin := filepath.Join(t.TempDir(), "subscribe")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	_, err = js.Publish(context.Background(), "alerts.venezuela", []byte(`{"schema":1,"rule":"venezuela"}`))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(cmd.Environ(), "NATS_URL="+srv.ClientURL())
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, `alerts.venezuela {"schema":1,"rule":"venezuela"}`, strings.TrimSpace(line))
}
