package poller

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/reader"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		err      error
		want     time.Duration
	}{
		{"first failure waits for the next slot", 1, errors.New("x"), 5 * time.Minute},
		{"second failure skips a slot", 2, errors.New("x"), 15 * time.Minute},
		{"capped at six hours", 30, errors.New("x"), 6*time.Hour - 5*time.Minute},
		{"Retry-After wins", 1, &reader.HTTPError{Status: 429, RetryAfter: 42 * time.Minute}, 42 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, backoff(10*time.Minute, tt.failures, tt.err, 0))
		})
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	err := &reader.HTTPError{Status: 503, RetryAfter: 999999999 * time.Second}
	assert.Equal(t, 6*time.Hour, backoff(10*time.Minute, 1, err, 6*time.Hour))
}

// Escaping can make a capped article's JSON several times its size: such a
// message is cut until it fits, and says so.
func TestEncodeBounded(t *testing.T) {
	a := pipeline.Article{Schema: 1, ID: "x", Feed: "f", Title: "t", Summary: "s", Content: strings.Repeat("\x01", 256<<10)}
	data, cut := encodeBounded(&a)
	assert.True(t, cut)
	assert.LessOrEqual(t, len(data), maxArticleBytes)
	small := pipeline.Article{Schema: 1, ID: "y", Feed: "f", Title: "t", Content: "<p>fine</p>"}
	data, cut = encodeBounded(&small)
	assert.False(t, cut)
	assert.Equal(t, pipeline.Encode(small), data)
}

// BenchmarkArticles is the poller's work on a fetched feed without NATS:
// parsing 100 items of about 3 KB, mapping them to articles and encoding
// each.
func BenchmarkArticles(b *testing.B) {
	var body strings.Builder
	body.WriteString(`<rss version="2.0"><channel><title>t</title>`)
	for i := range 100 {
		fmt.Fprintf(&body, `<item><title>Item %d</title><link>https://e.org/%d</link><description>%s</description></item>`,
			i, i, strings.Repeat("Die Regierung kündigte neue Sanktionen an. ", 70))
	}
	body.WriteString(`</channel></rss>`)
	data := []byte(body.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, items, err := reader.Parse("f", data, "", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range articles(items, "") {
			encodeBounded(&a)
		}
	}
}
