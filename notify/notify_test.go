package notify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/netguard"
)

var testSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func item(rule, title string) Item {
	return Item{Alert: "a-" + title, Rule: rule, Title: title, URL: "https://e.org/" + strings.ReplaceAll(title, " ", "-"), Feed: "dw-es", Lang: "es",
		Created: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Snippet: "…el petrolero venezolano <fue> incautado…", Bold: []string{"venezolano", "petrolero"}}
}

func TestSign(t *testing.T) {
	t.Parallel()
	// The example of the Standard Webhooks specification.
	key, err := SigningKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	assert.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)

	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_%%%", "whsec_c2hvcnQ="} {
		_, err := SigningKey(bad)
		require.ErrorIs(t, err, ErrBadSecret, bad)
	}
}

func TestClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		permanent  bool
		retryAfter time.Duration
	}{
		{name: "server error is retried", status: 503, body: "down for maintenance"},
		{name: "rate limited with retry-after", status: 429, header: map[string]string{"Retry-After": "7"}, retryAfter: 7 * time.Second},
		{name: "timeout status is retried", status: 408},
		{name: "not found is permanent", status: 404, body: "no such hook\n\x00here", permanent: true},
		{name: "unauthorised is permanent", status: 401, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body+strings.Repeat("x", 1000))
			}))
			t.Cleanup(srv.Close)
			s, err := New(Options{Sink: "hook", Type: Webhook, URL: srv.URL + "/secret-path", Secret: testSecret, AllowPrivate: true})
			require.NoError(t, err)
			err = s.Send(context.Background(), Message{ID: "alert:hook:1", Items: []Item{item("r", "t")}, Body: []byte(`{}`)})
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.status, e.Status)
			assert.Equal(t, tt.permanent, e.Permanent)
			assert.Equal(t, tt.retryAfter, e.RetryAfter)
			assert.LessOrEqual(t, len(e.Body), bodyPreview)
			assert.True(t, strings.HasPrefix(e.Body, strings.Fields(tt.body + " x")[0]), e.Body)
			assert.NotContains(t, err.Error(), "secret-path", "the URL is not in the error")
			assert.NotContains(t, e.Body, "\x00")
			assert.Contains(t, err.Error(), "deliver to sink hook: status "+strconv.Itoa(tt.status))
		})
	}

	// A connection refused is retried, and the error does not carry the URL.
	s, err := New(Options{Sink: "hook", Type: Slack, URL: "http://127.0.0.1:1/services/T/B/secret", AllowPrivate: true})
	require.NoError(t, err)
	err = s.Send(context.Background(), Message{ID: "x", Items: []Item{item("r", "t")}})
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.False(t, e.Permanent)
	assert.NotContains(t, err.Error(), "secret")
}

// Without allow_private a loopback receiver is refused, directly, by name,
// and through a redirect from a receiver that is allowed; the refusal is
// permanent.
func TestPrivateAddressesRefused(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	msg := Message{ID: "x", Items: []Item{item("r", "t")}, Body: []byte(`{}`)}
	for _, typ := range []string{Webhook, Slack, Ntfy} {
		for _, u := range []string{target.URL + "/t", strings.Replace(target.URL, "127.0.0.1", "localhost", 1) + "/t"} {
			s, err := New(Options{Sink: "s", Type: typ, URL: u, Secret: testSecret})
			require.NoError(t, err)
			err = s.Send(context.Background(), msg)
			require.ErrorIs(t, err, netguard.ErrPrivateAddress, "%s %s", typ, u)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.True(t, e.Permanent)
		}
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/t", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(front.Close)
	frontAddr := netip.MustParseAddrPort(front.Listener.Addr().String())
	s, err := New(Options{Sink: "s", Type: Webhook, URL: front.URL, Secret: testSecret, Allow: func(a netip.AddrPort) bool { return a == frontAddr }})
	require.NoError(t, err)
	require.ErrorIs(t, s.Send(context.Background(), msg), netguard.ErrPrivateAddress, "the redirect's target is refused")
	assert.Zero(t, hits.Load())

	// allow_private reaches it, through the redirect too.
	s, err = New(Options{Sink: "s", Type: Webhook, URL: front.URL, Secret: testSecret, AllowPrivate: true})
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), msg))
	assert.Equal(t, int32(1), hits.Load())
}

func TestSlackMessage(t *testing.T) {
	t.Parallel()
	b, err := SlackMessage(Message{ID: "x", Items: []Item{item("venezuela", "Incautan <petrolero>")}})
	require.NoError(t, err)
	var sm slackMessage
	require.NoError(t, json.Unmarshal(b, &sm))
	assert.Equal(t, "[venezuela] Incautan <petrolero>", sm.Text)
	require.Len(t, sm.Blocks, 2)
	assert.Equal(t, "*<https://e.org/Incautan-<petrolero%3E|Incautan &lt;petrolero&gt;>*\n`venezuela` · dw-es · es", sm.Blocks[0].Text.Text)
	assert.Equal(t, "…el *petrolero* *venezolano* &lt;fue&gt; incautado…", sm.Blocks[1].Elements[0].Text)

	b, err = SlackMessage(Message{ID: "d", Digest: true, Items: []Item{item("a", "one"), item("b", "two"), item("a", "three")}, More: []Count{{Rule: "b", N: 4}}})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sm))
	assert.Equal(t, "mediawatch digest: 7 alerts", sm.Text)
	require.Len(t, sm.Blocks, 3)
	assert.Equal(t, "*a* (2)\n• <https://e.org/one|one> (dw-es, es)\n• <https://e.org/three|three> (dw-es, es)\n", sm.Blocks[1].Text.Text)
	assert.Equal(t, "*b* (5)\n• <https://e.org/two|two> (dw-es, es)\n… and 4 more\n", sm.Blocks[2].Text.Text)
}

func TestNtfy(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	t.Cleanup(srv.Close)
	s, err := New(Options{Sink: "phone", Type: Ntfy, URL: srv.URL + "/base/mediawatch-x7", Secret: "tk_token", AllowPrivate: true})
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), Message{ID: "x", Items: []Item{item("venezuela", "Incautan un petrolero")}}))
	r := <-got
	assert.Equal(t, "/base/", r.URL.Path, "JSON goes to the server's root")
	assert.Equal(t, "Bearer tk_token", r.Header.Get("Authorization"))
	var nm ntfyMessage
	require.NoError(t, json.Unmarshal(<-bodies, &nm))
	assert.Equal(t, ntfyMessage{Topic: "mediawatch-x7", Title: "venezuela: Incautan un petrolero", Message: "…el petrolero venezolano <fue> incautado…\ndw-es, es",
		Click: "https://e.org/Incautan-un-petrolero", Tags: []string{"venezuela", "dw-es"}}, nm)
}

func TestVolume(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 8, 50, 0, 0, time.UTC)
	capped := Volume{MaxPerHour: 2}
	var s State
	assert.True(t, s.Admit(capped, "one", t0))
	assert.True(t, s.Admit(capped, "two", t0))
	assert.False(t, s.Admit(capped, "three", t0), "beyond the cap")
	assert.True(t, s.Admit(capped, "two", t0), "a retry of an alert admitted")
	assert.Equal(t, 2, s.Sent, "counted once")
	s.Fold(capped, item("r", "three"), t0)
	s.Fold(capped, item("r", "three"), t0) // a redelivery
	s.Fold(capped, item("q", "four"), t0)
	assert.Equal(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), s.Due, "folded into a digest at the next hour")
	_, ok := s.Take(capped, "hook", t0.Add(5*time.Minute))
	assert.False(t, ok, "not due yet")
	m, ok := s.Take(capped, "hook", t0.Add(10*time.Minute))
	require.True(t, ok)
	assert.Equal(t, "digest:hook:1", m.ID)
	assert.Equal(t, 2, m.Total())
	assert.Equal(t, 1, s.Sent, "the digest is the new hour's first message")
	assert.NotNil(t, s.Sending)
	assert.True(t, s.Admit(capped, "five", t0.Add(10*time.Minute)))
	assert.False(t, s.Admit(capped, "six", t0.Add(10*time.Minute)))
	assert.False(t, s.Admit(capped, "two", t0.Add(10*time.Minute)), "admitted in the hour before: counted anew")

	digest := Volume{Digest: true, Every: 15 * time.Minute, MaxPerHour: 1}
	s = State{}
	assert.False(t, s.Admit(digest, "one", t0), "a digest sink sends no alert on its own")
	for i := range 3 {
		s.Fold(digest, item("r", "n"+strconv.Itoa(i)), t0)
	}
	assert.Equal(t, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), s.Due)
	m, ok = s.Take(digest, "desk", t0.Add(10*time.Minute))
	require.True(t, ok)
	assert.Len(t, m.Items, 3)
	_, ok = s.Take(digest, "desk", t0.Add(10*time.Minute))
	assert.False(t, ok, "one digest at a time")
	s.Sending = nil
	s.Fold(digest, item("r", "late"), t0.Add(11*time.Minute))
	_, ok = s.Take(digest, "desk", t0.Add(40*time.Minute))
	assert.False(t, ok, "the hour's cap is spent")
	assert.Equal(t, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), s.Due)
	m, ok = s.Take(digest, "desk", t0.Add(70*time.Minute))
	require.True(t, ok)
	assert.Equal(t, "late", m.Items[0].Title)

	// Beyond its bound, a digest counts the alerts by rule.
	s = State{}
	for i := range maxPendingItems + 3 {
		s.Fold(digest, item("r", strconv.Itoa(i)), t0)
	}
	assert.Len(t, s.Pending, maxPendingItems)
	assert.Equal(t, []Count{{Rule: "r", N: 3}}, s.More)
}
