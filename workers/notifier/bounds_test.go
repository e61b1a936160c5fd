package notifier

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/notify"
	"github.com/mediawatch/mediawatch/pipeline"
)

// hugeAlert is an alert no alerter makes, as anyone who may publish on
// alerts.<rule> can: a snippet of 800 KB of words to set in bold, a surface
// of thousands of words, and thousands of matches.
func hugeAlert(rule string, i int) pipeline.Alert {
	a := testAlert(rule, i)
	words := make([]string, 3000)
	for k := range words {
		words[k] = fmt.Sprintf("w%d", k)
	}
	a.Matches = []pipeline.Match{{Term: "a", Surface: "a … " + strings.Join(words, " … "), Field: "content", Snippet: strings.Repeat("a ", 400_000)}}
	for k := range 1000 {
		a.Matches = append(a.Matches, pipeline.Match{Term: "x", Surface: fmt.Sprintf("x%d", k), Field: "content", Snippet: "x"})
	}
	return a
}

// What the notifier takes of a huge alert is bounded: the snippet, each
// surface, the words in bold, the matches read.
func TestItemBounded(t *testing.T) {
	t.Parallel()
	a := hugeAlert("tankers", 1)
	a.Article.Title = strings.Repeat("ñ", notify.MaxTitle)
	it := item(&a)
	assert.LessOrEqual(t, len(it.Snippet), notify.MaxSnippet)
	assert.True(t, strings.HasPrefix(it.Snippet, "a a a"))
	assert.True(t, strings.HasSuffix(it.Snippet, "…"), "cut, and says so")
	assert.LessOrEqual(t, len(it.Title), notify.MaxTitle)
	assert.True(t, utf8.ValidString(it.Title), "cut at a rune boundary")
	require.Equal(t, notify.MaxBold, len(it.Bold), "words in bold")
	assert.Equal(t, []string{"a", "w0", "w1"}, it.Bold[:3], "the first words")

	// An alert as the alerter makes it is taken whole.
	n := testAlert("tankers", 2)
	it = item(&n)
	assert.Equal(t, "Venezuela incauta el petrolero", it.Snippet)
	assert.Equal(t, []string{"Venezuela", "petrolero"}, it.Bold)
	assert.Equal(t, n.Article.Title, it.Title)

	// Matches beyond the first maxMatches are not read.
	many := testAlert("tankers", 3)
	many.Matches = nil
	for k := range maxMatches + 1 {
		many.Matches = append(many.Matches, pipeline.Match{Term: "x", Surface: fmt.Sprintf("x%d", k%(notify.MaxBold-1)), Field: "content"})
	}
	many.Matches[maxMatches].Surface = "last"
	assert.NotContains(t, item(&many).Bold, "last")
}

// A huge alert is delivered, cut, to a Slack and an e-mail sink, and the
// alert after it too; then the notifier stops when its context ends. (The
// sinks used to take hours to render it, past any shutdown.) The waits are
// generous guards, not measures.
func TestHugeAlertDeliveredCut(t *testing.T) {
	cert, pool := selfSigned(t)
	_, js := setup(t)
	mb, addr := startSMTP(t, cert, false)
	var mu sync.Mutex
	var slackBodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		slackBodies = append(slackBodies, b)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks:
  - {id: team, type: slack, url: %q, allow_private: true}
  - {id: desk, type: email, url: "smtp://desk@%s", secret_env: SMTP_PASSWORD, from: "mediawatch <mw@example.org>", to: [desk@example.org], allow_private: true}
rules: [{id: tankers, query: x, notify: [team, desk]}]
`, srv.URL+"/services/T0/B0/x", addr), map[string]string{"SMTP_PASSWORD": "hunter2"})
	cfg.RootCAs = pool
	_, stop := startWorker(t, js, cfg)
	data := publishAlert(t, js, hugeAlert("tankers", 1))
	require.Greater(t, len(data), 800_000)
	publishAlert(t, js, testAlert("tankers", 2))

	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(slackBodies) == 2 }, 60*time.Second, 10*time.Millisecond, "both alerts reach Slack")
	for range 2 {
		select {
		case <-mb.got:
		case <-time.After(60 * time.Second):
			t.Fatal("both alerts reach the mailbox")
		}
	}
	stop() // fails the test unless the notifier stops within its guard

	mu.Lock()
	bodies := append([][]byte(nil), slackBodies...)
	mu.Unlock()
	var snippets []string
	for _, b := range bodies {
		var sm struct {
			Text   string `json:"text"`
			Blocks []struct {
				Elements []struct {
					Text string `json:"text"`
				} `json:"elements"`
			} `json:"blocks"`
		}
		require.NoError(t, json.Unmarshal(b, &sm))
		require.Len(t, sm.Blocks, 2)
		snippets = append(snippets, sm.Blocks[1].Elements[0].Text)
	}
	assert.Contains(t, snippets, "*Venezuela* incauta el *petrolero*", "the normal alert")
	var cut bool
	for _, s := range snippets {
		cut = cut || strings.HasPrefix(s, "*a* *a* *a*") && strings.HasSuffix(s, "…")
	}
	assert.True(t, cut, "the huge alert, in bold and cut")

	mb.mu.Lock()
	msgs := append([]received(nil), mb.msgs...)
	mb.mu.Unlock()
	require.Len(t, msgs, 2)
	var subjects []string
	for _, m := range msgs {
		msg, ps := parts(t, m.data)
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		require.NoError(t, err)
		subjects = append(subjects, subject)
		if subject != "[mediawatch] tankers: Venezuela incauta el petrolero 1" {
			continue
		}
		assert.Less(t, len(ps["text/plain"]), notify.MaxSnippet+1024, "the snippet cut")
		assert.Contains(t, ps["text/plain"], "a a a…")
		assert.Less(t, len(ps["text/html"]), 8*notify.MaxSnippet)
		assert.Contains(t, ps["text/html"], "<b>a</b> <b>a</b>")
	}
	assert.ElementsMatch(t, []string{"[mediawatch] tankers: Venezuela incauta el petrolero 1", "[mediawatch] tankers: Venezuela incauta el petrolero 2"}, subjects)
}
