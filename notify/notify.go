// Package notify delivers alerts to people: a webhook signed as the
// Standard Webhooks specification says, a Slack incoming webhook (Block
// Kit), e-mail over SMTP, and ntfy. It knows the formats, how a receiver's
// answer is classified (done, retry later, never), and the volume control
// of a sink (an hourly cap, digests), as plain values: no NATS, no
// configuration file.
package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mediawatch/mediawatch/netguard"
	"github.com/mediawatch/mediawatch/retryafter"
)

// Sink types.
const (
	Webhook = "webhook"
	Slack   = "slack"
	Email   = "email"
	Ntfy    = "ntfy"
)

// Item is one alert as a person reads it.
type Item struct {
	Alert   string    `json:"id"` // the alert's id
	Rule    string    `json:"rule"`
	Title   string    `json:"title"`
	URL     string    `json:"url"`
	Feed    string    `json:"feed"`
	Lang    string    `json:"lang,omitempty"`
	Created time.Time `json:"created"`
	Snippet string    `json:"snippet,omitempty"` // the text around what matched
	Bold    []string  `json:"bold,omitempty"`    // what matched, to set in bold in Snippet
}

// Bounds of the alert text an Item carries into a message. An alert is
// whatever was published on alerts.<rule>; the alerter writes far less (a
// snippet is a window of rules.SnippetRadius runes either side of what
// matched, a title at most the reader's 4 KB, a few words in bold), so only
// text no alerter wrote is cut, and rendering a message stays cheap and
// small whoever made the Item.
const (
	MaxTitle   = 8 << 10 // bytes
	MaxSnippet = 8 << 10 // bytes
	MaxBold    = 50      // words set in bold
)

// Clip returns the item with its title and snippet cut to MaxTitle and
// MaxSnippet bytes (see Cut) and at most MaxBold words in bold, the first.
func (it Item) Clip() Item {
	it.Title = Cut(it.Title, MaxTitle)
	it.Snippet = Cut(it.Snippet, MaxSnippet)
	if len(it.Bold) > MaxBold {
		it.Bold = it.Bold[:MaxBold:MaxBold]
	}
	return it
}

// Cut shortens s to at most n bytes, at a rune boundary, with "…" where it
// was cut.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(n-len("…"), 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Message is one delivery: a single alert, or a digest of several.
type Message struct {
	// ID identifies the delivery, the same on every retry: the webhook-id,
	// the e-mail's Message-ID.
	ID     string    `json:"id"`
	Digest bool      `json:"digest,omitempty"`
	Items  []Item    `json:"items"`          // oldest first
	More   []Count   `json:"more,omitempty"` // a digest's alerts beyond Items, counted by rule
	Time   time.Time `json:"time"`           // when it was made
	// Body is a single alert's JSON as published (the pinned Alert schema):
	// a webhook posts it unchanged.
	Body []byte `json:"-"`
}

// Count is a number of alerts of a rule.
type Count struct {
	Rule string `json:"rule"`
	N    int    `json:"n"`
}

// Total is how many alerts the message stands for.
func (m Message) Total() int {
	n := len(m.Items)
	for _, c := range m.More {
		n += c.N
	}
	return n
}

// Groups returns a digest's items grouped by rule, rules in the order of
// their first item, with each rule's count (the items listed and those only
// counted).
func (m Message) Groups() []Group {
	var out []Group
	at := map[string]int{}
	for _, it := range m.Items {
		i, ok := at[it.Rule]
		if !ok {
			i = len(out)
			at[it.Rule] = i
			out = append(out, Group{Rule: it.Rule})
		}
		out[i].Items = append(out[i].Items, it)
		out[i].Count++
	}
	for _, c := range m.More {
		i, ok := at[c.Rule]
		if !ok {
			i = len(out)
			at[c.Rule] = i
			out = append(out, Group{Rule: c.Rule})
		}
		out[i].Count += c.N
	}
	return out
}

// Group is a digest's alerts of one rule.
type Group struct {
	Rule  string
	Count int    // every alert of the rule, listed or not
	Items []Item // those listed, oldest first
}

// Options configure a Sender.
type Options struct {
	Sink string // the sink's id, for errors
	Type string // webhook, slack, email or ntfy
	// URL is where to deliver (for email the SMTP server: smtp://user@host
	// for STARTTLS, smtps://user@host for TLS).
	URL string
	// Secret is the webhook's whsec_ signing secret, the SMTP password or
	// the ntfy token.
	Secret  string
	Headers map[string]string // more webhook request headers
	From    string
	To      []string
	// AllowPrivate lets the sink reach loopback and private addresses;
	// otherwise they are refused on the address actually dialled,
	// redirects included.
	AllowPrivate bool
	// Allow, when set, decides which dialled addresses are allowed instead
	// of the public-address check (for a test's own servers).
	Allow     func(netip.AddrPort) bool
	Timeout   time.Duration  // per attempt (default 10s)
	UserAgent string         // for HTTP sinks
	RootCAs   *x509.CertPool // nil: the system's
}

// Sender delivers messages to one sink.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// New returns the Sender of a sink.
func New(o Options) (Sender, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "mediawatch"
	}
	switch o.Type {
	case Webhook:
		return newWebhook(o)
	case Slack:
		return &slack{o: o, client: httpClient(o)}, nil
	case Ntfy:
		return newNtfy(o)
	case Email:
		return newEmail(o)
	}
	return nil, fmt.Errorf("sink %s: unknown type %q", o.Sink, o.Type)
}

// Error is a delivery that failed. Its message names the sink, never its
// URL or secret.
type Error struct {
	Sink       string
	Status     int           // the HTTP status or SMTP reply code, 0 when none came
	Body       string        // the start of the response body
	RetryAfter time.Duration // the delay the receiver asked for
	// Permanent says no retry can fix it: a 4xx other than 408, 425 and
	// 429, a refused address, a message the receiver will never take.
	Permanent bool
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deliver to sink %s: ", e.Sink)
	if e.Status != 0 {
		fmt.Fprintf(&b, "status %d", e.Status)
		if t := http.StatusText(e.Status); t != "" && e.Err == nil {
			b.WriteString(" " + t)
		}
		if e.Err != nil {
			b.WriteString(": ")
		}
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// bodyPreview is how much of a failed response's body an error keeps.
const bodyPreview = 256

// httpClient is the HTTP client of a sink: with the private-address check
// on the address dialled unless the sink allows private addresses, no
// proxy then (the check must see the receiver's address), and at most 5
// redirects, each checked.
func httpClient(o Options) *http.Client {
	dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		TLSClientConfig:       &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
	}
	guarded := !o.AllowPrivate || o.Allow != nil
	if guarded {
		allow := o.Allow
		if allow == nil {
			allow = netguard.PublicOnly
		}
		dialer.Control = netguard.Control(allow)
		t.Proxy = nil
	}
	return &http.Client{Transport: t, Timeout: o.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to a %s URL", req.URL.Scheme)
		}
		if guarded && o.Allow == nil {
			if err := netguard.CheckURL(req.URL.String()); err != nil {
				return netguard.ErrPrivateAddress
			}
		}
		return nil
	}}
}

// post sends body to u and classifies the answer.
func post(ctx context.Context, c *http.Client, sink, u string, body []byte, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(string(body)))
	if err != nil {
		return &Error{Sink: sink, Permanent: true, Err: errors.New("bad request URL")}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		// A *url.Error names the URL, which may hold a secret (a Slack
		// webhook, an ntfy topic): keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &Error{Sink: sink, Permanent: errors.Is(err, netguard.ErrPrivateAddress), Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	preview, _ := io.ReadAll(io.LimitReader(resp.Body, bodyPreview))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{Sink: sink, Status: resp.StatusCode, Body: printable(preview)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly:
		e.RetryAfter = retryafter.Parse(resp.Header.Get("Retry-After"), time.Now())
	default:
		e.Permanent = true
	}
	return e
}

// printable is the start of a response body as text fit for a header: valid
// UTF-8, no control characters, white space collapsed.
func printable(b []byte) string {
	var sb strings.Builder
	space := false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size == 1:
			r = '?'
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = sb.Len() > 0
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
