package notifier

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/mediawatch/mediawatch/notify"
	"github.com/mediawatch/mediawatch/pipeline"
)

// selfSigned is a certificate for 127.0.0.1 and localhost, and a pool that
// trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// mailbox is a real SMTP server (emersion/go-smtp) that wants TLS and
// AUTH PLAIN as desk / hunter2, and keeps what it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
	got  chan struct{}
}

type received struct {
	from string
	to   []string
	data []byte
}

type session struct {
	mb     *mailbox
	authed bool
	cur    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "desk" || pass != "hunter2" {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	s.mb.got <- struct{}{}
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// startSMTP serves a mailbox on loopback; implicit says TLS from the first
// byte (smtps) rather than STARTTLS.
func startSMTP(t *testing.T, cert tls.Certificate, implicit bool) (*mailbox, string) {
	mb := &mailbox{got: make(chan struct{}, 16)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return mb, ln.Addr().String()
}

// parts reads a message's MIME parts by content type.
func parts(t *testing.T, data []byte) (*mail.Message, map[string]string) {
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	out := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, err := io.ReadAll(p) // quoted-printable is decoded by the reader
		require.NoError(t, err)
		out[ct] = string(b)
	}
	return msg, out
}

// An e-mail sink sends each alert through a real SMTP server, with
// STARTTLS or implicit TLS and authentication, as a plain-text and an HTML
// part.
func TestEmail(t *testing.T) {
	cert, pool := selfSigned(t)
	for _, tc := range []struct {
		name   string
		scheme string
		tls    bool
	}{{"starttls", "smtp", false}, {"implicit tls", "smtps", true}} {
		t.Run(tc.name, func(t *testing.T) {
			_, js := setup(t)
			mb, addr := startSMTP(t, cert, tc.tls)
			cfg := notifierConfig(t, fmt.Sprintf(`
sinks:
  - {id: desk, type: email, url: "%s://desk@%s", secret_env: SMTP_PASSWORD, from: "mediawatch <mw@example.org>", to: [desk@example.org], allow_private: true}
rules: [{id: tankers, query: x, notify: [desk]}]
`, tc.scheme, addr), map[string]string{"SMTP_PASSWORD": "hunter2"})
			cfg.RootCAs = pool
			startWorker(t, js, cfg)
			a := testAlert("tankers", 1)
			publishAlert(t, js, a)
			select {
			case <-mb.got:
			case <-time.After(20 * time.Second):
				t.Fatal("no e-mail")
			}
			mb.mu.Lock()
			got := mb.msgs[0]
			mb.mu.Unlock()
			assert.Equal(t, "mw@example.org", got.from)
			assert.Equal(t, []string{"desk@example.org"}, got.to)
			msg, ps := parts(t, got.data)
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			require.NoError(t, err)
			assert.Equal(t, "[mediawatch] tankers: Venezuela incauta el petrolero 1", subject)
			assert.Contains(t, msg.Header.Get("Message-Id"), "alert.desk."+a.ID+"@mediawatch")
			assert.Contains(t, ps["text/plain"], "https://e.org/1")
			assert.Contains(t, ps["text/plain"], "rule tankers, feed efe-es, language es")
			assert.Contains(t, ps["text/html"], `<a href="https://e.org/1"><b>Venezuela incauta el petrolero 1</b></a>`)
			assert.Contains(t, ps["text/html"], "<b>Venezuela</b> incauta el <b>petrolero</b>", "the matched words in bold")
		})
	}
}

// A digest sink sends one message for many alerts, grouped by rule, oldest
// first, with the count; the digest it is gathering survives a restart.
func TestDigest(t *testing.T) {
	_, js := setup(t)
	rcv := newReceiver(t, nil)
	cfg := notifierConfig(t, fmt.Sprintf(`
sinks: [{id: desk, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, mode: digest, every: 1h}]
rules:
  - {id: tankers, query: x, notify: [desk]}
  - {id: sanctions, query: y, notify: [desk]}
`, rcv.srv.URL), map[string]string{"HOOK_SECRET": testSecret})
	_, stop := startWorker(t, js, cfg)
	for i := range 4 {
		publishAlert(t, js, testAlert("tankers", i))
	}
	publishAlert(t, js, testAlert("sanctions", 9))
	kv, err := js.KeyValue(context.Background(), pipeline.BucketNotify)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		e, err := kv.Get(context.Background(), "desk")
		if err != nil {
			return false
		}
		var st notify.State
		return json.Unmarshal(e.Value(), &st) == nil && len(st.Pending) == 5
	}, 15*time.Second, 10*time.Millisecond, "the alerts wait in the digest")
	stop()
	n, _ := rcv.counts()
	assert.Zero(t, n, "nothing is sent before the digest is due")

	// A new notifier, an hour later: the digest is due, and goes once.
	w, err := New(context.Background(), cfg, pipeline.Deps{JS: js}, zaptest.NewLogger(t))
	require.NoError(t, err)
	w.now = func() time.Time { return time.Now().Add(time.Hour) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool { _, ok := rcv.counts(); return ok == 1 }, 15*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // three more digest ticks: still one message
	_, accepted := rcv.snapshot()
	require.Len(t, accepted, 1, "one message for many alerts")
	var body struct {
		Type   string        `json:"type"`
		Count  int           `json:"count"`
		Alerts []notify.Item `json:"alerts"`
	}
	require.NoError(t, json.Unmarshal(accepted[0].body, &body))
	assert.Equal(t, "digest", body.Type)
	assert.Equal(t, 5, body.Count)
	require.Len(t, body.Alerts, 5)
	for i := range 4 {
		assert.Equal(t, testAlert("tankers", i).ID, body.Alerts[i].Alert, "oldest first")
	}
	assert.Equal(t, "sanctions", body.Alerts[4].Rule)
	assert.Equal(t, notify.DigestID("desk", 1), accepted[0].id)

	sl, err := notify.SlackMessage(notify.Message{Digest: true, Items: body.Alerts})
	require.NoError(t, err)
	assert.Contains(t, string(sl), `*tankers* (4)`, "grouped by rule with a count")
}
