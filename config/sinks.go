package config

import (
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mediawatch/mediawatch/netguard"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Sink types and modes.
const (
	SinkWebhook = "webhook"
	SinkSlack   = "slack"
	SinkEmail   = "email"
	SinkNtfy    = "ntfy"

	ModeEach   = "each"
	ModeDigest = "digest"
)

// Sink defaults.
const (
	DefaultSinkEvery    = time.Hour
	DefaultSinkTimeout  = 10 * time.Second
	DefaultSinkMaxDelay = time.Minute
	// MinSinkEvery is the shortest digest period.
	MinSinkEvery = time.Second
)

// envName is what secret_env must look like.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedHeaders are the headers of a webhook request a sink's headers may
// not replace.
var reservedHeaders = map[string]bool{
	"Webhook-Id": true, "Webhook-Timestamp": true, "Webhook-Signature": true,
	"Content-Type": true, "Content-Length": true, "Host": true, "Transfer-Encoding": true,
}

func (s *Sink) applyDefaults() {
	if s.Mode == "" {
		s.Mode = ModeEach
	}
	if s.Mode == ModeDigest && s.Every == 0 {
		s.Every = Duration(DefaultSinkEvery)
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(DefaultSinkTimeout)
	}
	if s.MaxDelay == 0 {
		s.MaxDelay = Duration(DefaultSinkMaxDelay)
	}
}

// checkSink reports every problem of one sink through add, which takes
// the key at fault.
func checkSink(add func(key, format string, args ...any), s Sink) {
	switch s.Type {
	case SinkWebhook, SinkSlack, SinkEmail, SinkNtfy:
	default:
		add("type", "type %q: must be webhook, slack, email or ntfy", s.Type)
		return
	}
	if s.SecretEnv != "" && !envName.MatchString(s.SecretEnv) {
		add("secret_env", "secret_env %s: must name an environment variable (letters, digits and _), not hold the secret", pipeline.Quote(s.SecretEnv))
	}
	switch s.Type {
	case SinkWebhook, SinkNtfy:
		checkHTTPURL(add, s, true)
	case SinkSlack:
		switch {
		case s.URL == "" && s.SecretEnv == "":
			add("url", "url: missing (the Slack incoming-webhook URL; or name the variable that holds it in secret_env)")
		case s.URL != "" && s.SecretEnv != "":
			add("secret_env", "secret_env: a slack sink takes its webhook URL from url or from secret_env, not both")
		case s.URL != "":
			checkHTTPURL(add, s, true)
		}
	case SinkEmail:
		checkSMTP(add, s)
	}
	if s.Type == SinkWebhook && s.SecretEnv == "" {
		add("secret_env", "secret_env: missing (the variable that holds the whsec_ signing secret)")
	}
	if len(s.Headers) > 0 && s.Type != SinkWebhook {
		add("headers", "headers: only a webhook sink takes headers")
	}
	for k := range s.Headers {
		name := textproto.CanonicalMIMEHeaderKey(k)
		switch {
		case !validHeaderName(k):
			add("headers", "headers: %s is not a header name", pipeline.Quote(k))
		case reservedHeaders[name]:
			add("headers", "headers: %s is set by the notifier", name)
		}
	}
	if s.Type != SinkEmail && (s.From != "" || len(s.To) > 0) {
		add("to", "to and from: only an email sink takes them")
	}
	switch s.Mode {
	case ModeEach:
		if s.Every != 0 {
			add("every", "every: only for mode: digest")
		}
	case ModeDigest:
		if time.Duration(s.Every) < MinSinkEvery {
			add("every", "every %s: must be at least %s", s.Every, MinSinkEvery)
		}
	default:
		add("mode", "mode %q: must be each or digest", s.Mode)
	}
	if s.MaxPerHour < 0 {
		add("max_per_hour", "max_per_hour %d: must not be negative (0: no cap)", s.MaxPerHour)
	}
	if s.Timeout < 0 {
		add("timeout", "timeout %s: must be positive", s.Timeout)
	}
	if s.MaxDelay < 0 {
		add("max_delay", "max_delay %s: must be positive", s.MaxDelay)
	}
}

func checkHTTPURL(add func(key, format string, args ...any), s Sink, guard bool) {
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		add("url", "url: missing")
	case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https":
		add("url", "url %s: not an http or https URL", pipeline.Quote(pipeline.RedactURL(s.URL)))
	case u.User != nil:
		add("url", "url: no user or password in the URL (name the variable that holds a secret in secret_env)")
	case guard && !s.AllowPrivate:
		if err := netguard.CheckURL(s.URL); err != nil {
			add("url", "url: host %s is a loopback or private address (allow_private: true lets a sink reach one)", u.Hostname())
		}
	}
}

func checkSMTP(add func(key, format string, args ...any), s Sink) {
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		add("url", "url: missing (the SMTP server: smtp://user@host:587 for STARTTLS, smtps://user@host:465 for TLS)")
	case err != nil || u.Hostname() == "" || u.Scheme != "smtp" && u.Scheme != "smtps":
		add("url", "url %s: not smtp://host[:port] (STARTTLS) or smtps://host[:port] (TLS)", pipeline.Quote(pipeline.RedactURL(s.URL)))
	case u.User != nil:
		if _, ok := u.User.Password(); ok {
			add("url", "url: no password in the URL (name the variable that holds it in secret_env)")
		}
	}
	if err == nil && u.User != nil && u.User.Username() != "" && s.SecretEnv == "" {
		add("secret_env", "secret_env: missing (the variable that holds the SMTP password of %s)", u.User.Username())
	}
	if s.From == "" {
		add("from", "from: missing (the sender's address)")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		add("from", "from %s: not an e-mail address", pipeline.Quote(s.From))
	}
	if len(s.To) == 0 {
		add("to", "to: missing (at least one address)")
	}
	for _, a := range s.To {
		if _, err := mail.ParseAddress(a); err != nil {
			add("to", "to %s: not an e-mail address", pipeline.Quote(a))
		}
	}
}

// validHeaderName reports whether s is an HTTP header name (an RFC 7230
// token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// Redacted returns the sink safe to print: the URL's user, query and (for
// Slack and ntfy, where the path is the secret) path masked, and every
// header value.
func (s Sink) Redacted() Sink {
	cp := s
	if u, err := url.Parse(s.URL); err == nil && s.URL != "" {
		if u.User != nil {
			u.User = url.User("REDACTED")
		}
		if u.RawQuery != "" {
			u.RawQuery = "REDACTED"
		}
		if (s.Type == SinkSlack || s.Type == SinkNtfy) && u.Path != "" && u.Path != "/" {
			u.Path = "/REDACTED"
		}
		cp.URL = u.String()
	} else {
		cp.URL = pipeline.RedactURL(s.URL)
	}
	if len(s.Headers) > 0 {
		cp.Headers = make(map[string]string, len(s.Headers))
		for k := range s.Headers {
			cp.Headers[k] = "REDACTED"
		}
	}
	return cp
}
