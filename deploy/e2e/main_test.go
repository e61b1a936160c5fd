package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/story"
)

// The generator is deterministic and makes what the test promises: every
// article its own link, some in two feeds, some naming each entity.
func TestGenerate(t *testing.T) {
	t.Parallel()
	a := generate(11, 2000, 50, time.Minute, "h")
	assert.Equal(t, a, generate(11, 2000, 50, time.Minute, "h"))
	two, named := 0, map[string]int{}
	urls := map[string]bool{}
	for _, x := range a {
		urls[x.URL] = true
		if len(x.Feeds) == 2 {
			two++
			assert.NotEqual(t, x.Feeds[0], x.Feeds[1])
		}
		for _, r := range x.Rules {
			named[r]++
		}
	}
	assert.Len(t, urls, 2000)
	assert.Greater(t, two, 100)
	assert.Greater(t, named["vz"], 200)
	assert.Greater(t, named["carib"], 100)
}

// The ledger balances only with every expected alert once, nothing else,
// nothing pending and an empty DLQ.
func TestLedger(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
		return p
	}
	alert := func(id, rule, url string) string {
		return fmt.Sprintf(`{"schema":1,"id":%q,"rule":%q,"article":{"id":"x","url":%q}}`+"\n", id, rule, url)
	}
	expected := write("expected", "vz https://h/1\ncarib https://h/2\n")
	idle := write("idle.json", `{"stages":[{"stage":"poller","pending":3,"ack_pending":0},{"stage":"tagger","pending":0,"ack_pending":0}],"streams":{"DLQ":0}}`)
	busy := write("busy.json", `{"stages":[{"stage":"tagger","pending":2,"ack_pending":1}],"streams":{"DLQ":1}}`)
	tests := []struct {
		name, alerts, status string
		ok                   bool
		want                 string
	}{
		{"balances", alert("a", "vz", "https://h/1") + alert("b", "carib", "https://h/2"), idle, true, "lost:                0"},
		{"lost", alert("a", "vz", "https://h/1"), idle, false, "lost:                1"},
		{"duplicated", alert("a", "vz", "https://h/1") + alert("a2", "vz", "https://h/1") + alert("b", "carib", "https://h/2"), idle, false, "duplicated:          1"},
		{"unexpected", alert("a", "vz", "https://h/1") + alert("b", "carib", "https://h/2") + alert("c", "vz", "https://h/3"), idle, false, "unexpected:          1"},
		{"backlog and dead letters", alert("a", "vz", "https://h/1") + alert("b", "carib", "https://h/2"), busy, false, "dead letters:        1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			err := ledger(&out, expected, write(strings.ReplaceAll(tt.name, " ", "-")+".jsonl", tt.alerts), tt.status)
			if tt.ok {
				require.NoError(t, err, out.String())
			} else {
				require.Error(t, err, out.String())
			}
			assert.Contains(t, out.String(), tt.want)
		})
	}
}

// The generated articles are distinct stories: the pipeline alerts once per
// story, so copies among them would be alerts the ledger misses.
func TestGeneratedArticlesAreDistinctStories(t *testing.T) {
	arts := generate(1, 2000, 50, time.Minute, "news.example.org")
	x := story.NewIndex(time.Hour)
	t0 := time.Unix(1_700_000_000, 0)
	for i, a := range arts {
		as := x.Add(fmt.Sprint(i), uint64(i+1), t0, story.Sign(a.Title, a.Summary))
		assert.Equal(t, 1, as.Size, "article %d is a copy of %s", i, as.ID)
	}
}
