package alerter

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
	"github.com/mediawatch/mediawatch/rules"
)

func testArticle() *pipeline.Article {
	title := "Putin sichert Maduro Unterstützung zu"
	content := "<p>Die USA eskalieren in der <b>Karibik</b>; Caracas protestiert.</p>"
	return &pipeline.Article{
		Schema: 1, ID: pipelinetest.ID("a1"), Feed: "dw-de", URL: "https://e.org/a1", Lang: "de",
		Title: title, Summary: "Telefonat mit dem venezolanischen Präsidenten.", Content: content,
		Entities: []pipeline.Entity{
			{ID: "maduro", Kind: "person", Surface: "Maduro", Field: "title", Start: 15, End: 21},
			{ID: "caribbean", Kind: "place", Surface: "Karibik", Field: "content", Start: 32, End: 39},
			{ID: "venezuela", Kind: "place", Surface: "venezolanischen", Field: "summary", Start: 18, End: 33},
		},
	}
}

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		query   string
		fires   bool
		matches []pipeline.Match
	}{
		{"entity OR entity", "entity:venezuela OR entity:caribbean", true, []pipeline.Match{
			{Term: "entity:venezuela", Surface: "venezolanischen", Field: "summary", Snippet: "Telefonat mit dem venezolanischen Präsidenten."},
			{Term: "entity:caribbean", Surface: "Karibik", Field: "content", Snippet: "Die USA eskalieren in der Karibik; Caracas protestiert."},
		}},
		{"entity AND NOT feed", "entity:maduro AND NOT feed:dw-de", false, nil},
		{"feed and lang", "feed:dw-de lang:de", true, []pipeline.Match{
			{Term: "feed:dw-de", Surface: "dw-de", Field: "feed"},
			{Term: "lang:de", Surface: "de", Field: "lang"},
		}},
		{"bare word in content through HTML", "Caracas", true, []pipeline.Match{
			{Term: "Caracas", Surface: "Caracas", Field: "content", Snippet: "Die USA eskalieren in der Karibik; Caracas protestiert."},
		}},
		{"prefix word", "Unterstütz*", true, []pipeline.Match{
			{Term: "Unterstütz*", Surface: "Unterstützung", Field: "title", Snippet: "Putin sichert Maduro Unterstützung zu"},
		}},
		{"title: only looks at the title", "title:Caracas", false, nil},
		{"phrase across markup", `"in der Karibik"`, true, []pipeline.Match{
			{Term: `"in der Karibik"`, Surface: "in der Karibik", Field: "content", Snippet: "Die USA eskalieren in der Karibik; Caracas protestiert."},
		}},
		{"case and accents do not matter", "UNTERSTUTZUNG", true, nil},
		{"a word inside another word does not match", "Kari", false, nil},
		{"NOT term is not an explanation", "entity:maduro AND NOT Venedig", true, []pipeline.Match{
			{Term: "entity:maduro", Surface: "Maduro", Field: "title", Snippet: "Putin sichert Maduro Unterstützung zu"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEngine([]rules.Rule{{ID: "r", Query: tt.query}})
			require.NoError(t, err)
			a := testArticle()
			alerts := e.Evaluate(a, now)
			if !tt.fires {
				assert.Empty(t, alerts)
				return
			}
			require.Len(t, alerts, 1)
			al := alerts[0]
			assert.Equal(t, "r", al.Rule)
			assert.Equal(t, tt.query, al.Query)
			assert.Equal(t, now, al.Created)
			assert.Equal(t, pipeline.AlertID("r", pipelinetest.ID("a1")), al.ID)
			assert.Empty(t, al.Article.Content, "the article without content")
			assert.Equal(t, a.Title, al.Article.Title)
			assert.Equal(t, []string{"maduro", "caribbean", "venezuela"}, al.Entities)
			if tt.matches != nil {
				assert.Equal(t, tt.matches, al.Matches)
			} else {
				assert.NotEmpty(t, al.Matches)
			}
			assert.NotEmpty(t, a.Content, "the input article is left alone")
		})
	}
}

func TestNewEngineRejectsBadQuery(t *testing.T) {
	_, err := NewEngine([]rules.Rule{{ID: "bad", Query: "entity:x AND ("}})
	require.ErrorContains(t, err, `compile rule "bad": column 14`)
}

func TestHandlePublishesOneAlertPerRule(t *testing.T) {
	e, err := NewEngine([]rules.Rule{
		{ID: "venezuela", Query: "entity:venezuela OR entity:caribbean"},
		{ID: "maduro", Query: "entity:maduro"},
		{ID: "never", Query: "entity:cuba"},
	})
	require.NoError(t, err)
	var p atomic.Pointer[Engine]
	p.Store(e)
	h := Handle(&p, time.Now, nil)
	res, err := h(context.Background(), pipeline.Message{Data: pipeline.Encode(testArticle())})
	require.NoError(t, err)
	outs := res.Outputs
	require.Len(t, outs, 2)
	assert.Equal(t, "alerts.venezuela", outs[0].Subject)
	assert.Equal(t, "alert:venezuela:"+pipelinetest.ID("a1"), outs[0].MsgID)
	assert.Equal(t, "alerts.maduro", outs[1].Subject)
	assert.Equal(t, "alert:maduro:"+pipelinetest.ID("a1"), outs[1].MsgID)

	// The pinned JSON field names.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(outs[0].Data, &raw))
	for _, k := range []string{"schema", "id", "rule", "query", "created", "article", "entities", "matches"} {
		assert.Contains(t, raw, k)
	}
	m := raw["matches"].([]any)[0].(map[string]any)
	for _, k := range []string{"term", "surface", "field", "snippet"} {
		assert.Contains(t, m, k)
	}

	_, err = h(context.Background(), pipeline.Message{Data: []byte("not json")})
	require.ErrorIs(t, err, pipeline.ErrPermanent)
}

func TestContract(t *testing.T) {
	t.Parallel()
	pipelinetest.RunContract(t, pipelinetest.Contract{
		Spec: Spec(),
		Handler: func(t *testing.T, _ jetstream.JetStream) pipeline.Handler {
			e, err := NewEngine([]rules.Rule{{ID: "venezuela", Query: "entity:venezuela"}, {ID: "never", Query: "entity:cuba"}})
			require.NoError(t, err)
			var p atomic.Pointer[Engine]
			p.Store(e)
			return Handle(&p, time.Now, nil)
		},
		Input: func(_ *testing.T, i int) (string, []byte) {
			a := testArticle()
			a.ID = fmt.Sprintf("%032x", i)
			return "articles.tagged.dw-de", pipeline.Encode(a)
		},
		Outputs:       1,
		OutputStreams: []string{pipeline.StreamAlerts},
		Poison:        func(*testing.T) (string, []byte) { return "articles.tagged.dw-de", []byte("not json") },
	})
}

func TestConfigFrom(t *testing.T) {
	cfg := config.Default()
	cfg.Rules = []config.Rule{{ID: "a", Query: "x", Notify: []string{"s"}}}
	assert.Equal(t, Config{Rules: []rules.Rule{{ID: "a", Query: "x"}}}, ConfigFrom(cfg))
}

// kind: and NEAR see the kinds and places of the article's entities.
func TestEvaluateKindAndNear(t *testing.T) {
	e, err := NewEngine([]rules.Rule{
		{ID: "person-near", Query: "kind:person NEAR/0 Unterstütz*"},
		{ID: "person-far", Query: "kind:person NEAR/0 Putin"},
		{ID: "org", Query: "kind:org"},
	})
	require.NoError(t, err)
	a := testArticle()
	a.Entities = []pipeline.Entity{{ID: "maduro", Kind: "person", Surface: "Maduro", Field: "title", Start: 14, End: 20}}
	alerts := e.Evaluate(a, time.Now())
	require.Len(t, alerts, 1)
	assert.Equal(t, "person-near", alerts[0].Rule)
	assert.Equal(t, []pipeline.Match{{Term: "kind:person NEAR/0 Unterstütz*", Surface: "Maduro Unterstützung", Field: "title", Snippet: "Putin sichert Maduro Unterstützung zu"}}, alerts[0].Matches)
}
