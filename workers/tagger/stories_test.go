package tagger

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

var leads = []string{
	"Venezuela's electoral council on Sunday declared President Nicolas Maduro the winner of the disputed presidential vote, a result the opposition immediately rejected as fraudulent and vowed to challenge in the courts. The council said Maduro won 51 percent of the vote against 44 percent for Edmundo Gonzalez.",
	"Venezuela's oil output rose for a third straight month in June, according to figures from the OPEC secretariat, as state company PDVSA brought back upgraders idled by power cuts and a shortage of diluents. The country pumped an average of 910,000 barrels per day.",
	"Heavy rains in the Venezuelan Andes state of Merida caused rivers to burst their banks overnight, killing at least eight people and leaving dozens missing, the interior minister said on Tuesday as rescue teams searched collapsed homes.",
}

// copyOf is a syndicated copy of lead i: another headline, a byline, the
// lead with its last sentence cut.
func copyOf(i, n int) (title, body string) {
	l := leads[i]
	if cut := strings.LastIndex(l, ". "); cut > 0 && n%2 == 1 {
		l = l[:cut+1]
	}
	return fmt.Sprintf("Outlet %d: headline %d", n, i), fmt.Sprintf("<p>By staff writer %d</p><p>%s</p>", n, l)
}

func storyArticle(i, n int) pipeline.Article {
	title, body := copyOf(i, n)
	return pipeline.Article{Schema: 1, ID: pipelinetest.ID(fmt.Sprint(i, "-", n)), Feed: fmt.Sprintf("feed%d", n), URL: fmt.Sprintf("https://e%d.org/%d", n, i), Title: title, Content: body, Lang: "en"}
}

// Two tagger replicas read the same log: every article gets the story of
// the first article of its event whichever replica tags it, later copies go
// to stories.<id>, and a tagger started again remembers the stories.
func TestStoriesAcrossReplicasAndRestarts(t *testing.T) {
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pipelinetest.Topology(t, js)
	cfg := config.Default()
	cfg.Entities = []config.Entity{{ID: "venezuela", Kind: "place", Country: "VE"}}

	run := func() (stop func()) {
		wctx, wcancel := context.WithCancel(ctx)
		var dones []chan error
		for range 2 {
			w, err := New(wctx, ConfigFrom(cfg), pipeline.Deps{JS: js}, zaptest.NewLogger(t))
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() { done <- w.Run(wctx) }()
			dones = append(dones, done)
		}
		return func() {
			wcancel()
			for _, d := range dones {
				require.NoError(t, <-d)
			}
		}
	}
	first := map[int]string{}
	publish := func(n int) {
		for i := range leads {
			a := storyArticle(i, n)
			if _, ok := first[i]; !ok {
				first[i] = a.ID
			}
			_, err := js.Publish(ctx, pipeline.Subject(pipeline.SubjectNew, a.Feed), pipeline.Encode(a))
			require.NoError(t, err)
		}
	}
	count := func(stream string) uint64 {
		s, err := js.Stream(ctx, stream)
		require.NoError(t, err)
		info, err := s.Info(ctx)
		require.NoError(t, err)
		return info.State.Msgs
	}

	stop := run()
	for n := range 4 {
		publish(n)
	}
	require.Eventually(t, func() bool { return count(pipeline.StreamTagged) == 12 }, 30*time.Second, 20*time.Millisecond)
	stop()

	// Started again: the log is read back, and a fifth copy of each event
	// joins the story it joined before.
	stop = run()
	publish(4)
	require.Eventually(t, func() bool { return count(pipeline.StreamTagged) == 15 }, 30*time.Second, 20*time.Millisecond)
	stop()

	s, err := js.Stream(ctx, pipeline.StreamTagged)
	require.NoError(t, err)
	sizes := map[string][]int{}
	for seq := uint64(1); seq <= 15; seq++ {
		m, err := s.GetMsg(ctx, seq)
		require.NoError(t, err)
		var a pipeline.Article
		require.NoError(t, json.Unmarshal(m.Data, &a))
		require.NotNil(t, a.Story, a.Title)
		var event int
		_, err = fmt.Sscanf(a.Title[strings.Index(a.Title, "headline"):], "headline %d", &event)
		require.NoError(t, err)
		assert.Equal(t, first[event], a.Story.ID, a.Title)
		sizes[a.Story.ID] = append(sizes[a.Story.ID], a.Story.Size)
	}
	for id, got := range sizes {
		assert.ElementsMatch(t, []int{1, 2, 3, 4, 5}, got, "story %s", id)
	}
	assert.Equal(t, uint64(12), count(pipeline.StreamStories), "four later copies of each of three stories")
	st, err := js.Stream(ctx, pipeline.StreamStories)
	require.NoError(t, err)
	m, err := st.GetLastMsgForSubject(ctx, pipeline.Subject(pipeline.SubjectStories, first[0]))
	require.NoError(t, err)
	var cp pipeline.StoryCopy
	require.NoError(t, json.Unmarshal(m.Data, &cp))
	a := storyArticle(0, 4)
	assert.Equal(t, pipeline.StoryCopy{Schema: 1, Story: first[0], Size: 5, Article: a.ID, URL: a.URL, Title: a.Title, Feed: a.Feed, Lang: "en"}, cp)
}

func TestLocalAssigns(t *testing.T) {
	l := NewLocal(time.Hour)
	t0 := time.Unix(1_700_000_000, 0)
	var got []pipeline.Story
	for n := range 2 {
		for i := range leads {
			a := storyArticle(i, n)
			s, err := l.Assign(context.Background(), uint64(len(got)+1), t0, &a)
			require.NoError(t, err)
			got = append(got, s)
		}
	}
	for i := range leads {
		assert.Equal(t, pipeline.Story{ID: storyArticle(i, 0).ID, Size: 1}, got[i])
		assert.Equal(t, pipeline.Story{ID: storyArticle(i, 0).ID, Size: 2}, got[len(leads)+i])
	}
}

// The handler of an article the log read already takes the log's decoded
// copy, once; an article the log read too long ago, or has not read, it
// decodes itself.
func TestStoryLogKeepsDecoded(t *testing.T) {
	l := NewStoryLog(nil, time.Hour, zaptest.NewLogger(t))
	at := time.Now()
	a := storyArticle(0, 1)
	l.add(7, at, pipeline.Encode(a))
	assert.Nil(t, l.Decoded(8), "not read yet")
	got := l.Decoded(7)
	require.NotNil(t, got)
	assert.Equal(t, a.ID, got.ID)
	assert.Equal(t, a.Content, got.Content)
	assert.Nil(t, l.Decoded(7), "taken already")

	l.add(8, at, []byte("{not json"))
	assert.Nil(t, l.Decoded(8), "could not decode it: the handler reports why")

	l.add(9, at, pipeline.Encode(storyArticle(1, 1)))
	l.add(9+keptLen, at, pipeline.Encode(storyArticle(2, 1)))
	assert.Nil(t, l.Decoded(9), "read too long ago")
	assert.NotNil(t, l.Decoded(9+keptLen))
}
