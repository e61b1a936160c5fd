package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/workers"
)

// rules test shows each match's story and counts stories as well as
// articles; it refuses spike rules.
func TestRulesTestCountsStories(t *testing.T) {
	srv := pipelinetest.Server(t)
	_, js := pipelinetest.Connect(t, srv)
	ctx := context.Background()
	pipelinetest.Topology(t, js, workers.Specs()...)
	wire, other := pipelinetest.ID("w0"), pipelinetest.ID("o0")
	for i, st := range []*pipeline.Story{{ID: wire, Size: 1}, {ID: wire, Size: 2}, {ID: other, Size: 1}, {ID: wire, Size: 3}, nil} {
		a := pipeline.Article{Schema: 1, ID: pipelinetest.ID(fmt.Sprint("s", i)), Feed: "bbc", URL: fmt.Sprintf("https://e.org/s%d", i),
			Title: fmt.Sprintf("Venezuela story %d", i), Story: st}
		if i == 0 {
			a.ID = wire
		}
		if i == 2 {
			a.ID = other
		}
		_, err := js.Publish(ctx, "articles.tagged.bbc", pipeline.Encode(a))
		require.NoError(t, err)
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`entities:
  - {id: venezuela, country: VE}
rules:
  - {id: breaking, spike: {entity: venezuela}}
`), 0o644))
	args := func(extra ...string) []string {
		return append([]string{"rules", "test", "--nats", srv.ClientURL(), "--config", cfg}, extra...)
	}

	out, stderr, err := runCLI(t, nil, args("Venezuela")...)
	require.NoError(t, err)
	assert.Equal(t, 5, strings.Count(out, "ALERT [test]"))
	assert.Contains(t, out, "  story "+wire+", size 2\n")
	assert.Contains(t, out, "stories with the most matching articles (of 3):\n  "+wire+"  3 matching, size 3  Venezuela story 0\n")
	assert.Contains(t, stderr, "5 of 5 stored articles")
	assert.Contains(t, stderr, "in 3 stories")

	out, _, err = runCLI(t, nil, args("Venezuela", "--json")...)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last struct {
		Summary backtestSummary `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	assert.Equal(t, 5, last.Summary.Alerts)
	assert.Equal(t, 3, last.Summary.Stories)
	require.Len(t, last.Summary.TopStories, 3)
	assert.Equal(t, backtestStory{ID: wire, Title: "Venezuela story 0", Articles: 3, Size: 3}, last.Summary.TopStories[0])
	assert.Equal(t, backtestStory{ID: other, Title: "Venezuela story 2", Articles: 1, Size: 1}, last.Summary.TopStories[1])

	_, _, err = runCLI(t, nil, args("--rule", "breaking")...)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "--rule breaking is a spike rule: rules test backtests query rules only")
}
