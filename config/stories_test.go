package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStoriesDefaults(t *testing.T) {
	cfg, err := Parse("x.yaml", []byte(`entities:
  - {id: venezuela, country: VE}
rules:
  - {id: each, query: 'entity:venezuela', per: article}
  - {id: once, query: 'entity:venezuela'}
  - {id: breaking, spike: {entity: venezuela}}
  - {id: tuned, spike: {entity: venezuela, factor: 2.5, window: 30m, min: 3}}
`), noEnv)
	require.NoError(t, err)
	assert.Equal(t, Duration(72*time.Hour), cfg.Stories.Window)
	assert.Equal(t, Duration(7*24*time.Hour), cfg.Streams.Stories.MaxAge)
	assert.Equal(t, ByteSize(1_000_000_000), cfg.Streams.Stories.MaxBytes)
	assert.Equal(t, PerArticle, cfg.Rules[0].Per)
	assert.Equal(t, PerStory, cfg.Rules[1].Per, "once per story unless the rule says otherwise")
	assert.Equal(t, &Spike{Entity: "venezuela", Factor: 3, Window: Duration(time.Hour), Min: 5}, cfg.Rules[2].Spike)
	assert.Equal(t, &Spike{Entity: "venezuela", Factor: 2.5, Window: Duration(30 * time.Minute), Min: 3}, cfg.Rules[3].Spike)
}

func TestStoriesValidation(t *testing.T) {
	bad := `stories: {window: 200h}
entities:
  - {id: venezuela, country: VE}
rules:
  - {id: r1, query: 'entity:venezuela', per: copy}
  - {id: r2, spike: {entity: atlantis, factor: 0.5, window: 7m, min: -1}}
  - {id: r3, query: 'entity:venezuela', spike: {entity: venezuela}}
  - {id: r4}
  - id: r5
    spike: {entity: venezuela, window: 48h}
`
	_, err := Parse("bad.yaml", []byte(bad), noEnv)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	msg := err.Error()
	for _, want := range []string{
		`bad.yaml:1: stories.window 200h0m0s: must be positive and at most 168h0m0s`,
		`bad.yaml:5: rules[0] (r1).per "copy": must be story`,
		`bad.yaml:6: rules[1] (r2).spike.entity "atlantis": unknown entity`,
		`bad.yaml:6: rules[1] (r2).spike.factor 0.5: must be at least 1`,
		`bad.yaml:6: rules[1] (r2).spike.window 7m0s: must be a multiple of 5m0s, at most 24h0m0s`,
		`bad.yaml:6: rules[1] (r2).spike.min -1: must be at least 1`,
		`bad.yaml:7: rules[2] (r3).spike: a rule has a query or a spike, not both`,
		`bad.yaml:8: rules[3] (r4): needs a query or a spike`,
		`bad.yaml:10: rules[4] (r5).spike.window 48h0m0s`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.Len(t, cerr.Problems, 9, msg)

	_, err = Parse("x.yaml", []byte("streams: {articles: {max_age: 24h}}\n"), noEnv)
	require.ErrorContains(t, err, "x.yaml:1: stories.window 72h0m0s: must be at most streams.articles.max_age (24h0m0s)")
}
