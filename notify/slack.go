package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// slack posts a Block Kit message to an incoming webhook.
type slack struct {
	o      Options
	client *http.Client
}

// Block Kit limits: a section's text, and blocks per message.
const (
	slackTextMax = 3000
	// slackTitleMax leaves the linked title's section (the URL, up to the
	// reader's 4 KB, is not cut) room within slackTextMax most of the time.
	slackTitleMax  = 1000
	slackBlocksMax = 50
)

type slackText struct {
	Type string `json:"type"` // mrkdwn or plain_text
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"` // the notification's fallback
	Blocks []slackBlock `json:"blocks"`
}

// SlackMessage is the Block Kit JSON of a message: for an alert, the rule,
// the title linked to the article, feed, language, and the snippet with the
// matched words in bold; for a digest, a header with the count and a
// section per rule listing its alerts.
func SlackMessage(m Message) ([]byte, error) {
	var sm slackMessage
	if !m.Digest && len(m.Items) == 1 {
		it := m.Items[0].Clip()
		sm.Text = fmt.Sprintf("[%s] %s", it.Rule, it.Title)
		sm.Blocks = append(sm.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn",
			Text: fmt.Sprintf("*%s*\n`%s` · %s · %s", slackLink(it.URL, Cut(it.Title, slackTitleMax)), slackEscape(it.Rule), slackEscape(it.Feed), slackEscape(orUnknown(it.Lang)))}})
		if it.Snippet != "" {
			sm.Blocks = append(sm.Blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: Cut(slackBold(it.Snippet, it.Bold), slackTextMax)}}})
		}
	} else {
		sm.Text = fmt.Sprintf("mediawatch digest: %d alerts", m.Total())
		sm.Blocks = append(sm.Blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: sm.Text}})
		for _, g := range m.Groups() {
			if len(sm.Blocks) == slackBlocksMax-1 {
				sm.Blocks = append(sm.Blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: "… and more rules"}}})
				break
			}
			var b strings.Builder
			fmt.Fprintf(&b, "*%s* (%d)\n", slackEscape(g.Rule), g.Count)
			for _, it := range g.Items {
				fmt.Fprintf(&b, "• %s (%s, %s)\n", slackLink(it.URL, it.Title), slackEscape(it.Feed), slackEscape(orUnknown(it.Lang)))
			}
			if more := g.Count - len(g.Items); more > 0 {
				fmt.Fprintf(&b, "… and %d more\n", more)
			}
			sm.Blocks = append(sm.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: Cut(b.String(), slackTextMax)}})
		}
	}
	return json.Marshal(sm)
}

func (s *slack) Send(ctx context.Context, m Message) error {
	body, err := SlackMessage(m)
	if err != nil {
		return &Error{Sink: s.o.Sink, Permanent: true, Err: fmt.Errorf("encode slack message: %w", err)}
	}
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {s.o.UserAgent}}
	return post(ctx, s.client, s.o.Sink, s.o.URL, body, h)
}

// The replacers of mrkdwn, made once: markBold escapes every piece of a
// snippet between two bold words, and a replacer made per call costs more
// than the piece.
var (
	slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	slackTitle   = strings.NewReplacer("|", "¦", "*", "", "\n", " ")
)

// slackEscape escapes the three characters mrkdwn gives a meaning.
func slackEscape(s string) string { return slackEscaper.Replace(s) }

func slackLink(u, title string) string {
	if title == "" {
		title = u
	}
	title = slackTitle.Replace(title)
	return "<" + strings.ReplaceAll(u, ">", "%3E") + "|" + slackEscape(title) + ">"
}

// slackBold escapes a snippet and sets each matched word in bold.
func slackBold(snippet string, bold []string) string {
	return markBold(snippet, bold, slackEscape, func(s string) string { return "*" + strings.ReplaceAll(s, "*", "") + "*" })
}

// markBold escapes text and wraps each occurrence of the words of bold
// with wrap, the longest words first, without nesting. Whoever calls it,
// it reads at most MaxSnippet bytes of text and MaxBold words (as Clip
// does), and its work is about the text's length times the number of
// words: each word is looked for once along the text, each byte is taken
// by one span at most, and the spans are sorted, not compared pairwise.
func markBold(text string, bold []string, escape, wrap func(string) string) string {
	text = Cut(text, MaxSnippet)
	bold = bold[:min(len(bold), MaxBold)]
	type span struct{ start, end int }
	var spans []span
	taken := make([]bool, len(text))
	words := slices.Clone(bold)
	slices.SortStableFunc(words, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, w := range words {
		if w == "" {
			continue
		}
		for from := 0; from < len(text); {
			i := strings.Index(text[from:], w)
			if i < 0 {
				break
			}
			s, e := from+i, from+i+len(w)
			if !slices.Contains(taken[s:e], true) {
				for k := s; k < e; k++ {
					taken[k] = true
				}
				spans = append(spans, span{s, e})
			}
			from = e
		}
	}
	// The spans do not overlap: their starts differ.
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		b.WriteString(escape(text[at:sp.start]))
		b.WriteString(wrap(escape(text[sp.start:sp.end])))
		at = sp.end
	}
	b.WriteString(escape(text[at:]))
	return b.String()
}

func orUnknown(lang string) string {
	if lang == "" {
		return "?"
	}
	return lang
}
