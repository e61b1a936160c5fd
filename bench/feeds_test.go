package bench

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/story"
)

// Generated articles are made of a few sentences per language: scrambled,
// no two are copies of one story, so the bench measures the pipeline on
// distinct stories, as a real feed mix mostly is.
func TestGeneratedArticlesAreDistinctStories(t *testing.T) {
	g := newGenerator(1, 0.1)
	x := story.NewIndex(time.Hour)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 2000 {
		it := g.next(i)
		as := x.Add(fmt.Sprint(i), uint64(i), t0, story.Sign(it.title, it.body))
		assert.Equal(t, 1, as.Size, "article %d is a copy of %s", i, as.ID)
	}
}

// A feed that has not changed answers 304 to the poller's conditional
// request, so that a poll retried during a burst does not fetch it again;
// one that has changed answers with its items and a new ETag.
func TestFeedServerAnswersNotModified(t *testing.T) {
	fs, err := newFeedServer(1, 0)
	require.NoError(t, err)
	defer fs.close()
	fs.open.Store(true)
	g := newGenerator(1, 0)
	fs.add(0, g.next(0))
	get := func(etag string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, fs.feedURL(0), nil)
		require.NoError(t, err)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("ETag")
	}
	code, etag := get("")
	require.Equal(t, http.StatusOK, code)
	require.NotEmpty(t, etag)
	code, _ = get(etag)
	assert.Equal(t, http.StatusNotModified, code)
	fs.add(0, g.next(1))
	code, etag2 := get(etag)
	assert.Equal(t, http.StatusOK, code)
	assert.NotEqual(t, etag, etag2)
	assert.Equal(t, int64(2), fs.fetches.Load())
	assert.Equal(t, int64(1), fs.notModified.Load())
}

// A burst's feeds are rendered before the measure starts and served as
// rendered; a feed that changes afterwards is rendered again.
func TestFeedServerServesPrerenderedFeeds(t *testing.T) {
	fs, err := newFeedServer(2, 0)
	require.NoError(t, err)
	defer fs.close()
	g := newGenerator(1, 0)
	first := g.next(0)
	fs.add(0, first)
	fs.prerender()
	assert.Equal(t, etagOf([]item{first}), fs.bodies[0].etag)
	assert.Equal(t, `"0"`, fs.bodies[1].etag, "an empty feed")
	fs.open.Store(true)
	get := func() string {
		resp, err := http.Get(fs.feedURL(0))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, string(render(0, []item{first})), get())
	second := g.next(1)
	fs.add(0, second)
	body := get()
	assert.Contains(t, body, fmt.Sprintf("/a/%d</link>", second.id), "the new item is served")
	assert.Equal(t, string(render(0, []item{first, second})), body)
}
