package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/mediawatch/mediawatch/netguard"
)

// email sends a message with a plain-text and an HTML part through an SMTP
// server (github.com/wneessen/go-mail), with STARTTLS (smtp://) or TLS
// (smtps://) always, and authentication when the URL names a user.
type email struct {
	o       Options
	host    string
	port    int
	ssl     bool
	user    string
	dialCtx func(ctx context.Context, network, address string) (net.Conn, error)
}

func newEmail(o Options) (*email, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Hostname() == "" || u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("sink %s: not an smtp:// or smtps:// URL", o.Sink)
	}
	e := &email{o: o, host: u.Hostname(), ssl: u.Scheme == "smtps", port: 587}
	if e.ssl {
		e.port = 465
	}
	if p := u.Port(); p != "" {
		if e.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("sink %s: bad SMTP port %q", o.Sink, p)
		}
	}
	if u.User != nil {
		e.user = u.User.Username()
	}
	dialer := &net.Dialer{Timeout: o.Timeout}
	if !o.AllowPrivate || o.Allow != nil {
		allow := o.Allow
		if allow == nil {
			allow = netguard.PublicOnly
		}
		dialer.Control = netguard.Control(allow)
	}
	e.dialCtx = dialer.DialContext
	if e.ssl {
		// go-mail leaves TLS to a dialler of its own: with implicit TLS,
		// the handshake is this dialler's.
		e.dialCtx = func(ctx context.Context, network, address string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, address)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(conn, e.tlsConfig())
			if err := tc.HandshakeContext(ctx); err != nil {
				_ = conn.Close()
				return nil, err
			}
			return tc, nil
		}
	}
	return e, nil
}

func (e *email) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: e.host, RootCAs: e.o.RootCAs, MinVersion: tls.VersionTLS12}
}

// EmailMessage is the subject and the plain-text and HTML bodies of a
// message.
func EmailMessage(m Message) (subject, text, html string, err error) {
	var tb strings.Builder
	if !m.Digest && len(m.Items) == 1 {
		it := m.Items[0].Clip()
		subject = fmt.Sprintf("[mediawatch] %s: %s", it.Rule, it.Title)
		fmt.Fprintf(&tb, "%s\n%s\n\nrule %s, feed %s, language %s, %s\n", it.Title, it.URL, it.Rule, it.Feed, orUnknown(it.Lang), it.Created.UTC().Format(time.RFC3339))
		if it.Snippet != "" {
			fmt.Fprintf(&tb, "\n%s\n", it.Snippet)
		}
	} else {
		subject = fmt.Sprintf("[mediawatch] digest: %d alerts", m.Total())
		for _, g := range m.Groups() {
			fmt.Fprintf(&tb, "%s (%d)\n", g.Rule, g.Count)
			for _, it := range g.Items {
				it = it.Clip()
				fmt.Fprintf(&tb, "  - %s\n    %s (%s, %s, %s)\n", it.Title, it.URL, it.Feed, orUnknown(it.Lang), it.Created.UTC().Format(time.RFC3339))
			}
			if more := g.Count - len(g.Items); more > 0 {
				fmt.Fprintf(&tb, "  ... and %d more\n", more)
			}
			tb.WriteString("\n")
		}
	}
	var hb strings.Builder
	if err := emailHTML.Execute(&hb, htmlView(m)); err != nil {
		return "", "", "", fmt.Errorf("render e-mail: %w", err)
	}
	return subject, tb.String(), hb.String(), nil
}

type htmlItem struct {
	Item
	Lang    string
	Snippet template.HTML
}

type htmlGroup struct {
	Rule  string
	Count int
	More  int
	Items []htmlItem
}

func htmlView(m Message) []htmlGroup {
	var out []htmlGroup
	for _, g := range m.Groups() {
		hg := htmlGroup{Rule: g.Rule, Count: g.Count, More: g.Count - len(g.Items)}
		for _, it := range g.Items {
			it = it.Clip()
			snippet := markBold(it.Snippet, it.Bold, template.HTMLEscapeString, func(s string) string { return "<b>" + s + "</b>" })
			hg.Items = append(hg.Items, htmlItem{Item: it, Lang: orUnknown(it.Lang), Snippet: template.HTML(snippet)}) //nolint:gosec // escaped by markBold
		}
		out = append(out, hg)
	}
	return out
}

var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif">
{{range .}}<h3>{{.Rule}} ({{.Count}})</h3>
{{range .Items}}<p><a href="{{.URL}}"><b>{{.Title}}</b></a><br>
<small>{{.Feed}}, {{.Lang}}, {{.Created.UTC.Format "2006-01-02 15:04 UTC"}}</small>{{if .Snippet}}<br>
{{.Snippet}}{{end}}</p>
{{end}}{{if .More}}<p>… and {{.More}} more</p>{{end}}{{end}}</body></html>
`))

func (e *email) Send(ctx context.Context, m Message) error {
	subject, text, html, err := EmailMessage(m)
	if err != nil {
		return &Error{Sink: e.o.Sink, Permanent: true, Err: err}
	}
	msg := mail.NewMsg()
	if err := msg.From(e.o.From); err != nil {
		return &Error{Sink: e.o.Sink, Permanent: true, Err: fmt.Errorf("from: %w", err)}
	}
	if err := msg.To(e.o.To...); err != nil {
		return &Error{Sink: e.o.Sink, Permanent: true, Err: fmt.Errorf("to: %w", err)}
	}
	msg.Subject(subject)
	msg.SetMessageIDWithValue(strings.NewReplacer(":", ".", "/", ".").Replace(m.ID) + "@mediawatch")
	msg.SetDateWithValue(m.Time)
	msg.SetBodyString(mail.TypeTextPlain, text)
	msg.AddAlternativeString(mail.TypeTextHTML, html)

	opts := []mail.Option{
		mail.WithPort(e.port),
		mail.WithTimeout(e.o.Timeout),
		mail.WithDialContextFunc(e.dialCtx),
		mail.WithTLSConfig(e.tlsConfig()),
	}
	if e.ssl {
		// TLS is the dialler's own (see newEmail); go-mail sees a TLS
		// connection and offers no STARTTLS on it.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(e.user), mail.WithPassword(e.o.Secret))
	}
	c, err := mail.NewClient(e.host, opts...)
	if err != nil {
		return &Error{Sink: e.o.Sink, Permanent: true, Err: fmt.Errorf("smtp client: %w", err)}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return smtpError(e.o.Sink, err)
	}
	return nil
}

// smtpError classifies a failed send: a 5xx reply, a refused address or a
// failed TLS handshake is permanent; a 4xx reply, a timeout or a connection
// that failed is retried.
func smtpError(sink string, err error) error {
	e := &Error{Sink: sink, Err: err}
	var se *mail.SendError
	var te *textproto.Error
	var ce *tls.CertificateVerificationError
	switch {
	case errors.Is(err, netguard.ErrPrivateAddress), errors.As(err, &ce):
		e.Permanent = true
	case errors.As(err, &se) && se.ErrorCode() != 0:
		e.Status, e.Permanent = se.ErrorCode(), !se.IsTemp()
	case errors.As(err, &te):
		e.Status, e.Permanent = te.Code, te.Code >= 500
	}
	return e
}
