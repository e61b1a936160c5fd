package tagger

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

type fixedLang struct{ lang string }

func (f fixedLang) Detect(string) (string, float64) { return f.lang, 0.9 }

func TestHandleTagsAndMentions(t *testing.T) {
	m, err := match.NewMatcher([]match.Entity{
		{ID: "venezuela", Kind: "place", Country: "VE"},
		{ID: "caribbean", Kind: "place", Names: map[string][]string{"de": {"Karibik*"}}},
	}, match.Options{})
	require.NoError(t, err)
	var h match.Holder
	h.Store(m)
	handle := Handle(&h, fixedLang{"de"}, nil)

	tests := []struct {
		name     string
		article  pipeline.Article
		wantLang string
		wantConf float64
		mentions []string
	}{
		{"language detected when the feed declares none",
			pipeline.Article{Schema: 1, ID: pipelinetest.ID("a1"), Feed: "f", URL: "https://e.org/1", Title: "Venezuela und die Karibikregion"},
			"de", 0.9, []string{"venezuela", "caribbean"}},
		{"declared language kept",
			pipeline.Article{Schema: 1, ID: pipelinetest.ID("a2"), Feed: "f", URL: "https://e.org/2", Title: "Venezuela, again: Venezuela", Lang: "en", LangConf: 1},
			"en", 1, []string{"venezuela"}},
		{"nothing found: only the tagged article",
			pipeline.Article{Schema: 1, ID: pipelinetest.ID("a3"), Feed: "f", URL: "https://e.org/3", Title: "Hochwasser in Venedig", Lang: "de", LangConf: 1},
			"de", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := handle(context.Background(), pipeline.Message{Data: pipeline.Encode(tt.article)})
			require.NoError(t, err)
			outs := res.Outputs
			require.Len(t, outs, 1+len(tt.mentions))
			assert.Equal(t, "articles.tagged.f", outs[0].Subject)
			assert.Equal(t, "tagger:"+tt.article.ID, outs[0].MsgID)
			var tagged pipeline.Article
			require.NoError(t, json.Unmarshal(outs[0].Data, &tagged))
			assert.Equal(t, tt.wantLang, tagged.Lang)
			assert.InDelta(t, tt.wantConf, tagged.LangConf, 1e-9)
			for i, id := range tt.mentions {
				o := outs[1+i]
				assert.Equal(t, "mentions."+id, o.Subject)
				assert.Equal(t, "mention:"+id+":"+tt.article.ID, o.MsgID)
				var mn pipeline.Mention
				require.NoError(t, json.Unmarshal(o.Data, &mn))
				assert.Equal(t, id, mn.Entity)
				assert.Equal(t, tt.article.ID, mn.Article)
				assert.Equal(t, tt.article.URL, mn.URL)
				assert.NotEmpty(t, mn.Surfaces)
				assert.NotEmpty(t, mn.Snippet)
			}
		})
	}
	t.Run("undetermined when the text does not tell", func(t *testing.T) {
		res, err := Handle(&h, fixedLang{""}, nil)(context.Background(), pipeline.Message{Data: pipeline.Encode(pipeline.Article{Schema: 1, ID: pipelinetest.ID("x"), Feed: "f", Title: "OK"})})
		require.NoError(t, err)
		outs := res.Outputs
		var tagged pipeline.Article
		require.NoError(t, json.Unmarshal(outs[0].Data, &tagged))
		assert.Equal(t, Undetermined, tagged.Lang)
		assert.Zero(t, tagged.LangConf)
	})
	t.Run("surfaces are listed once each", func(t *testing.T) {
		res, err := handle(context.Background(), pipeline.Message{Data: pipeline.Encode(tests[1].article)})
		require.NoError(t, err)
		outs := res.Outputs
		var mn pipeline.Mention
		require.NoError(t, json.Unmarshal(outs[1].Data, &mn))
		assert.Equal(t, []string{"Venezuela"}, mn.Surfaces)
	})
	t.Run("malformed input is permanent", func(t *testing.T) {
		_, err := handle(context.Background(), pipeline.Message{Data: []byte(`{"schema":1}`)})
		require.ErrorIs(t, err, pipeline.ErrPermanent)
	})
}

// A reload swaps the matcher while messages flow: none is dropped, and the
// messages after the swap see the new entities.
func TestReloadDropsNothing(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pipelinetest.Topology(t, js)

	cfg := config.Default()
	cfg.Entities = []config.Entity{{ID: "venezuela", Kind: "place", Names: map[string][]string{"en": {"Venezuela"}}}}
	w, err := New(ctx, ConfigFrom(cfg), pipeline.Deps{JS: js}, zaptest.NewLogger(t))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	publish := func(from, to int) {
		for i := from; i < to; i++ {
			a := pipeline.Article{Schema: 1, ID: fmt.Sprintf("%032x", i), Feed: "f", URL: fmt.Sprintf("https://e.org/%d", i), Title: "Venezuela and Cuba", Lang: "en"}
			_, err := js.Publish(ctx, "articles.new.f", pipeline.Encode(a))
			require.NoError(t, err)
		}
	}
	tagged := func() uint64 {
		s, err := js.Stream(ctx, pipeline.StreamTagged)
		require.NoError(t, err)
		info, err := s.Info(ctx)
		require.NoError(t, err)
		return info.State.Msgs
	}
	publish(0, 100)
	cfg2 := config.Default()
	cfg2.Entities = append(cfg.Entities, config.Entity{ID: "cuba", Kind: "place", Country: "CU"})
	require.NoError(t, w.Reload(ConfigFrom(cfg2)))
	publish(100, 200)
	require.Eventually(t, func() bool { return tagged() == 200 }, 20*time.Second, 20*time.Millisecond)

	s, err := js.Stream(ctx, pipeline.StreamTagged)
	require.NoError(t, err)
	last, err := s.GetMsg(ctx, 200)
	require.NoError(t, err)
	var a pipeline.Article
	require.NoError(t, json.Unmarshal(last.Data, &a))
	var ids []string
	for _, e := range a.Entities {
		ids = append(ids, e.ID)
	}
	assert.Equal(t, []string{"venezuela", "cuba"}, ids, "after the swap the new entity is found")

	// A broken configuration is refused and the old matcher stays.
	bad := config.Default()
	bad.Entities = []config.Entity{{ID: "x", Kind: "place"}}
	require.Error(t, w.Reload(ConfigFrom(bad)))
	assert.Equal(t, 2, w.matcher.Load().Entities())

	cancel()
	require.NoError(t, <-done)
}

func TestContract(t *testing.T) {
	t.Parallel()
	m, err := match.NewMatcher([]match.Entity{{ID: "venezuela", Kind: "place", Names: map[string][]string{"en": {"Venezuela"}}}}, match.Options{})
	require.NoError(t, err)
	var h match.Holder
	h.Store(m)
	pipelinetest.RunContract(t, pipelinetest.Contract{
		Spec: Spec(),
		Handler: func(*testing.T, jetstream.JetStream) pipeline.Handler {
			return Handle(&h, fixedLang{"en"}, NewLocal(0))
		},
		Input: func(_ *testing.T, i int) (string, []byte) {
			a := pipeline.Article{Schema: 1, ID: fmt.Sprintf("%032x", i), Feed: "f", URL: fmt.Sprintf("https://e.org/%d", i), Title: "Venezuela votes"}
			return "articles.new.f", pipeline.Encode(a)
		},
		Outputs:       2, // the tagged article and one mention
		OutputStreams: []string{pipeline.StreamTagged, pipeline.StreamMentions},
		Poison:        func(*testing.T) (string, []byte) { return "articles.new.f", []byte(`{"schema":1}`) },
	})
}

// A name repeated a hundred thousand times makes a small tagged article:
// the entity is there, with a bounded number of mentions.
func TestMentionsPerEntityAreBounded(t *testing.T) {
	m, err := match.NewMatcher([]match.Entity{{ID: "venezuela", Kind: "place", Names: map[string][]string{"en": {"Venezuela"}}}}, match.Options{})
	require.NoError(t, err)
	a := &pipeline.Article{Title: "Venezuela", Content: strings.Repeat("Venezuela ", 100_000), Lang: "en"}
	got := Tag(m, a)
	assert.Len(t, got, maxHitsPerEntity)
	assert.Equal(t, "title", got[0].Field)
}
