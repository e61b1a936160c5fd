package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ntfyMessageMax bounds a message's text: ntfy makes a longer one an
// attachment, or refuses it.
const ntfyMessageMax = 4000

// ntfy publishes to a topic as JSON (title, message, click URL, tags), with
// a bearer token when one is set.
type ntfy struct {
	o      Options
	root   string // the server's URL the JSON is posted to
	topic  string
	client *http.Client
}

func newNtfy(o Options) (*ntfy, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sink %s: not an ntfy topic URL", o.Sink)
	}
	path := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	topic := path[i+1:]
	if topic == "" {
		return nil, fmt.Errorf("sink %s: the ntfy URL names no topic (https://ntfy.sh/mytopic)", o.Sink)
	}
	u.Path, u.RawQuery = path[:i+1], ""
	return &ntfy{o: o, root: u.String(), topic: topic, client: httpClient(o)}, nil
}

type ntfyMessage struct {
	Topic   string   `json:"topic"`
	Title   string   `json:"title"`
	Message string   `json:"message"`
	Click   string   `json:"click,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// NtfyMessage is the JSON ntfy takes for a message, on topic.
func NtfyMessage(topic string, m Message) ([]byte, error) {
	nm := ntfyMessage{Topic: topic}
	if !m.Digest && len(m.Items) == 1 {
		it := m.Items[0].Clip()
		nm.Title = it.Rule + ": " + it.Title
		nm.Message = Cut(fmt.Sprintf("%s\n%s, %s", it.Snippet, it.Feed, orUnknown(it.Lang)), ntfyMessageMax)
		nm.Click = it.URL
		nm.Tags = []string{it.Rule, it.Feed}
	} else {
		nm.Title = fmt.Sprintf("mediawatch: %d alerts", m.Total())
		var b strings.Builder
		for _, g := range m.Groups() {
			fmt.Fprintf(&b, "%s (%d)\n", g.Rule, g.Count)
			for _, it := range g.Items {
				fmt.Fprintf(&b, "- %s (%s)\n", it.Clip().Title, it.Feed)
			}
			nm.Tags = append(nm.Tags, g.Rule)
		}
		nm.Message = Cut(b.String(), ntfyMessageMax)
		if len(m.Items) > 0 {
			nm.Click = m.Items[len(m.Items)-1].URL
		}
	}
	return json.Marshal(nm)
}

func (n *ntfy) Send(ctx context.Context, m Message) error {
	body, err := NtfyMessage(n.topic, m)
	if err != nil {
		return &Error{Sink: n.o.Sink, Permanent: true, Err: fmt.Errorf("encode ntfy message: %w", err)}
	}
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {n.o.UserAgent}}
	if n.o.Secret != "" {
		h.Set("Authorization", "Bearer "+n.o.Secret)
	}
	return post(ctx, n.client, n.o.Sink, n.root, body, h)
}
