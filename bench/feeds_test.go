package bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
