package workers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
)

func TestStagesChainTheStreams(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"poller", "dedup", "tagger", "alerter", "notifier"}, Names())
	want := map[string]string{
		"poller":  pipeline.StreamPolls,
		"dedup":   pipeline.StreamRaw,
		"tagger":  pipeline.StreamArticles,
		"alerter": pipeline.StreamTagged,
	}
	for _, s := range Stages() {
		if s.OwnConsumers {
			assert.Equal(t, "notifier", s.Name(), "only the notifier makes its own consumers, one per sink")
			assert.Equal(t, pipeline.StreamAlerts, s.Spec.Stream)
		}
	}
	streams := map[string][]string{}
	for _, s := range pipeline.Streams() {
		streams[s.Name] = s.Subjects
	}
	for _, spec := range Specs() {
		assert.Equal(t, want[spec.Stage], spec.Stream, spec.Stage)
		require.Contains(t, streams, spec.Stream)
		assert.Equal(t, []string{spec.Subject}, streams[spec.Stream], "%s reads all of its stream", spec.Stage)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	s, err := Lookup("tagger")
	require.NoError(t, err)
	assert.Equal(t, "tagger", s.Name())
	_, err = Lookup("notifier2")
	require.ErrorIs(t, err, ErrUnknownStage)
	assert.ErrorContains(t, err, "poller, dedup, tagger, alerter")
}
