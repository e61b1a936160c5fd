package alerter

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/rules"
	"github.com/mediawatch/mediawatch/story"
)

func TestOncePerStory(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	pipelinetest.Topology(t, js)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, pipeline.BucketAlerted)
	require.NoError(t, err)

	e, err := Compile(Config{
		Rules:      []rules.Rule{{ID: "venezuela", Query: "entity:venezuela"}, {ID: "each", Query: "entity:venezuela"}},
		PerArticle: []string{"each"},
	})
	require.NoError(t, err)
	var p atomic.Pointer[Engine]
	p.Store(e)
	h := Handle(&p, time.Now, KVClaims{KV: kv})

	article := func(name, story string, size int) pipeline.Message {
		a := testArticle()
		a.ID = pipelinetest.ID(name)
		a.Story = &pipeline.Story{ID: pipelinetest.ID(story), Size: size}
		return pipeline.Message{Data: pipeline.Encode(a)}
	}
	alerts := func(m pipeline.Message) []string {
		res, err := h(ctx, m)
		require.NoError(t, err)
		var out []string
		for _, o := range res.Outputs {
			out = append(out, o.MsgID)
		}
		return out
	}
	a1, a2, b := article("a1", "a1", 1), article("a2", "a1", 2), article("b", "b", 1)
	assert.Equal(t, []string{"alert:venezuela:" + pipelinetest.ID("a1"), "alert:each:" + pipelinetest.ID("a1")}, alerts(a1))
	assert.Equal(t, []string{"alert:each:" + pipelinetest.ID("a2")}, alerts(a2), "a later copy alerts the per: article rule only")
	assert.Equal(t, []string{"alert:venezuela:" + pipelinetest.ID("b"), "alert:each:" + pipelinetest.ID("b")}, alerts(b), "another story alerts")
	// Redelivered, the first article alerts again with the same Msg-Id
	// (the stream keeps one), the copy still does not.
	assert.Equal(t, []string{"alert:venezuela:" + pipelinetest.ID("a1"), "alert:each:" + pipelinetest.ID("a1")}, alerts(a1))
	assert.Equal(t, []string{"alert:each:" + pipelinetest.ID("a2")}, alerts(a2))

	got, err := kv.Get(ctx, ClaimKey("venezuela", pipelinetest.ID("a1")))
	require.NoError(t, err)
	assert.Equal(t, pipelinetest.ID("a1"), string(got.Value()), "the claim names the article that alerted")

	// The alert carries the story at alert time.
	res, err := h(ctx, article("c", "c", 1))
	require.NoError(t, err)
	var al pipeline.Alert
	require.NoError(t, json.Unmarshal(res.Outputs[0].Data, &al))
	assert.Equal(t, &pipeline.Story{ID: pipelinetest.ID("c"), Size: 1}, al.Story)

	// An article tagged before stories existed alerts as before.
	old := testArticle()
	old.ID = pipelinetest.ID("old")
	assert.Len(t, alerts(pipeline.Message{Data: pipeline.Encode(old)}), 2)
}

func TestConfigFromStories(t *testing.T) {
	cfg, err := config.Parse("x.yaml", []byte(`entities:
  - {id: venezuela, country: VE}
rules:
  - {id: once, query: 'entity:venezuela'}
  - {id: each, query: 'entity:venezuela', per: article}
  - {id: breaking, spike: {entity: venezuela}}
`), func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, Config{
		Rules:      []rules.Rule{{ID: "once", Query: "entity:venezuela"}, {ID: "each", Query: "entity:venezuela"}},
		PerArticle: []string{"each"},
		Spikes:     []story.Spike{{Rule: "breaking", Entity: "venezuela", Factor: 3, Window: time.Hour, Min: 5}},
	}, ConfigFrom(cfg))
}
