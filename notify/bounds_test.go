package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An alert's snippet of 1 MB, with a word to set in bold every few bytes
// and a thousand words in bold, renders in bounded work: markBold escapes
// at most MaxSnippet bytes of it, each once, and wraps no more spans than
// fit in them; every message is small, the snippet cut at a rune boundary
// with "…". The work is counted, not timed; the guard is only there so
// that a renderer that hangs (it sorted its spans pairwise: minutes for
// this) fails the test instead of the run.
func TestHugeSnippetBounded(t *testing.T) {
	t.Parallel()
	snippet := strings.Repeat("a <ñ> ", 1<<20/len("a <ñ> "))
	bold := []string{"a", "<ñ>"}
	for i := range 1000 {
		bold = append(bold, fmt.Sprintf("w%d", i))
	}
	it := Item{Alert: "x", Rule: "r", Title: "t", URL: "https://e.org/x", Feed: "f", Created: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Snippet: snippet, Bold: bold}
	msg := Message{ID: "x", Items: []Item{it}}

	var (
		escaped, wrapped       int
		marked                 string
		slackJSON, ntfyJSON    []byte
		text, html             string
		slackErr, ntfyErr      error
		emailErr               error
		done                   = make(chan struct{})
		countEscape, countWrap = func(s string) string { escaped += len(s); return s }, func(s string) string { wrapped++; return "[" + s + "]" }
	)
	go func() {
		defer close(done)
		marked = markBold(snippet, bold, countEscape, countWrap)
		slackJSON, slackErr = SlackMessage(msg)
		_, text, html, emailErr = EmailMessage(msg)
		ntfyJSON, ntfyErr = NtfyMessage("topic", msg)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("rendering a 1 MB snippet does not end")
	}

	assert.LessOrEqual(t, escaped, MaxSnippet, "each byte of the cut snippet escaped once")
	assert.Positive(t, wrapped)
	assert.LessOrEqual(t, wrapped, MaxSnippet/2, "a span per word found in the cut snippet")
	assert.True(t, strings.HasPrefix(marked, "[a] [<ñ>] [a]"), marked[:min(len(marked), 40)])
	assert.True(t, strings.HasSuffix(marked, "…"), "cut")
	assert.True(t, utf8.ValidString(marked))

	require.NoError(t, slackErr)
	var sm slackMessage
	require.NoError(t, json.Unmarshal(slackJSON, &sm))
	require.Len(t, sm.Blocks, 2)
	ctxText := sm.Blocks[1].Elements[0].Text
	assert.LessOrEqual(t, len(ctxText), slackTextMax)
	assert.True(t, strings.HasPrefix(ctxText, "*a* *&lt;ñ&gt;* *a*"), ctxText[:40])
	assert.True(t, strings.HasSuffix(ctxText, "…"))
	assert.True(t, utf8.ValidString(ctxText))

	require.NoError(t, emailErr)
	assert.Less(t, len(text), MaxSnippet+1024, "the plain text holds the cut snippet")
	assert.Contains(t, text, "a <ñ> a <ñ>")
	assert.Contains(t, text, "…\n", "cut")
	assert.True(t, utf8.ValidString(text))
	assert.Less(t, len(html), 8*MaxSnippet, "the HTML holds the cut snippet, escaped and in bold")
	assert.Contains(t, html, "<b>a</b> <b>&lt;ñ&gt;</b> <b>a</b>")
	assert.True(t, utf8.ValidString(html))

	require.NoError(t, ntfyErr)
	var nm ntfyMessage
	require.NoError(t, json.Unmarshal(ntfyJSON, &nm))
	assert.LessOrEqual(t, len(nm.Message), 4000)
	assert.True(t, strings.HasPrefix(nm.Message, "a <ñ> a"))
	assert.True(t, strings.HasSuffix(nm.Message, "…"))
	assert.True(t, utf8.ValidString(nm.Message))
}

// Clip keeps an item as the alerter makes it, and cuts what no alerter
// writes: at a rune boundary, with "…", the first MaxBold words in bold.
func TestClip(t *testing.T) {
	t.Parallel()
	it := item("r", "Incautan un petrolero")
	assert.Equal(t, it, it.Clip(), "an alerter's item is kept whole")

	var bold []string
	for i := range MaxBold + 10 {
		bold = append(bold, fmt.Sprintf("w%d", i))
	}
	huge := Item{Title: strings.Repeat("ñ", MaxTitle), Snippet: "x" + strings.Repeat("€", MaxSnippet), Bold: bold}.Clip()
	assert.LessOrEqual(t, len(huge.Title), MaxTitle)
	assert.Greater(t, len(huge.Title), MaxTitle-8)
	assert.True(t, strings.HasSuffix(huge.Title, "ñ…"), "cut after a whole rune")
	assert.True(t, utf8.ValidString(huge.Title))
	assert.LessOrEqual(t, len(huge.Snippet), MaxSnippet)
	assert.True(t, strings.HasSuffix(huge.Snippet, "€…"))
	assert.True(t, utf8.ValidString(huge.Snippet))
	assert.Equal(t, bold[:MaxBold], huge.Bold)
}

// A title as long as the reader lets through (4 KB) keeps the Slack
// section that links it within Block Kit's 3000 characters.
func TestSlackLongTitleFits(t *testing.T) {
	body, err := SlackMessage(Message{ID: "m", Items: []Item{{Alert: "a", Rule: "r", Title: strings.Repeat("Ölpreis ", 512), URL: "https://e.org/a", Feed: "f"}}})
	require.NoError(t, err)
	var sm slackMessage
	require.NoError(t, json.Unmarshal(body, &sm))
	require.NotEmpty(t, sm.Blocks)
	require.NotNil(t, sm.Blocks[0].Text)
	assert.LessOrEqual(t, utf8.RuneCountInString(sm.Blocks[0].Text.Text), slackTextMax)
	assert.Contains(t, sm.Blocks[0].Text.Text, "…")
}
