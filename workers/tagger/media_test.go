package tagger

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

// A mention only in the Media RSS caption is found, in field media, with a
// snippet of the caption.
func TestHandleTagsMedia(t *testing.T) {
	t.Parallel()
	m, err := match.NewMatcher([]match.Entity{{ID: "cuba", Kind: "place", Country: "CU"}}, match.Options{})
	require.NoError(t, err)
	var h match.Holder
	h.Store(m)
	a := pipeline.Article{Schema: 1, ID: pipelinetest.ID("m1"), Feed: "f", URL: "https://e.org/m1", Lang: "en", LangConf: 1,
		Title: "Photo of the day", Media: "Fishermen at dawn on the Malecón, Havana, Cuba"}
	res, err := Handle(&h, fixedLang{"en"}, nil)(context.Background(), pipeline.Message{Data: pipeline.Encode(a)})
	require.NoError(t, err)
	require.Len(t, res.Outputs, 2)
	var tagged pipeline.Article
	require.NoError(t, json.Unmarshal(res.Outputs[0].Data, &tagged))
	require.Len(t, tagged.Entities, 1)
	assert.Equal(t, pipeline.FieldMedia, tagged.Entities[0].Field)
	assert.Equal(t, "Cuba", tagged.Entities[0].Surface)
	assert.Equal(t, a.Media, tagged.Media)
	var mn pipeline.Mention
	require.NoError(t, json.Unmarshal(res.Outputs[1].Data, &mn))
	assert.Contains(t, mn.Snippet, "Havana, Cuba")
}

// The configuration's exclude and case reach the matcher.
func TestConfigFromExcludeAndCase(t *testing.T) {
	t.Parallel()
	cfg := ConfigFrom(&config.Config{Entities: []config.Entity{{ID: "cuba", Kind: "place", Country: "CU", Exclude: []string{"古巴比伦"}, Case: "proper"}}})
	require.Len(t, cfg.Entities, 1)
	assert.Equal(t, []string{"古巴比伦"}, cfg.Entities[0].Exclude)
	assert.Equal(t, "proper", cfg.Entities[0].Case)
	m, err := compile(cfg)
	require.NoError(t, err)
	assert.Empty(t, Tag(m, &pipeline.Article{Title: "古巴比伦", Lang: "zh"}))
	assert.Len(t, Tag(m, &pipeline.Article{Title: "古巴", Lang: "zh"}), 1)
}
