package pipeline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// JSON lines carry the fixed field names; the level filters; a writer
// that is not a terminal gets JSON by default.
func TestNewLogger(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	log, err := NewLogger(&b, "", "warn")
	require.NoError(t, err)
	log = log.With(zap.String("worker", "poller"))
	log.Info("not shown")
	log.Warn("fetch failed; retrying", zap.String("feed", "bbc"), zap.Uint64("stream_seq", 7))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 1, b.String())
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	for _, k := range []string{LogTime, LogLevel, LogMessage, "worker", "feed", "stream_seq"} {
		assert.Contains(t, got, k)
	}
	assert.Equal(t, "warn", got[LogLevel])
	assert.Equal(t, "fetch failed; retrying", got[LogMessage])

	b.Reset()
	log, err = NewLogger(&b, LogConsole, "debug")
	require.NoError(t, err)
	log.Debug("handled", zap.String("subject", "polls.x"))
	assert.Contains(t, b.String(), "DEBUG\thandled\t{\"subject\": \"polls.x\"}")

	_, err = NewLogger(&b, "xml", "")
	require.ErrorContains(t, err, `"xml"`)
	_, err = NewLogger(&b, "", "loud")
	require.ErrorContains(t, err, `"loud"`)
}
