package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// Embedded is the NATS server started in-process when no URL is given.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts the real NATS server with JetStream in this process,
// listening on listen (host:port; port 0 or -1 picks a free one) and storing
// streams under storeDir.
func StartEmbedded(listen, storeDir string, log *zap.Logger) (*Embedded, error) {
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("embedded nats listen %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded nats listen %q: bad port", listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	} else {
		// Say at once when the port is taken, rather than after the
		// server gives up on it.
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return nil, fmt.Errorf("embedded nats: listen on %s: %w (is another mediawatch or nats-server running? set nats.embedded.listen)", listen, err)
		}
		_ = ln.Close()
	}
	opts := &server.Options{
		ServerName: "mediawatch-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true,
		MaxPayload: 8 << 20,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("create embedded nats server: %w", err)
	}
	srv.SetLoggerV2(natsLogger{log.Named("nats")}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats server on %s not ready within 15s (is the port taken?)", listen)
	}
	log.Info("embedded nats server started", zap.String("url", srv.ClientURL()), zap.String("store_dir", storeDir))
	return &Embedded{srv: srv}, nil
}

// URL is the client URL of the embedded server.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits for it to finish.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

type natsLogger struct{ log *zap.Logger }

func (l natsLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l natsLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }

// reconnectBackoff is the policy of the client's reconnections: forever,
// from a quarter of a second up to about 5 s between attempts, jittered.
func reconnectBackoff() Backoff {
	return Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second}
}

// Connect dials url (comma-separated for a cluster) and keeps reconnecting
// forever after a disconnection, with the backoff policy. The first
// connection is retried until ctx ends (give a command a short deadline, a
// service a long one); the error names the URL with its secrets redacted,
// and the reason. closed, when not nil, is called if the connection is
// closed for good without Close being called (the server refused it after
// a protocol error), so that the caller can dial a new one. auth carries
// the credentials and TLS settings of a secured server.
func Connect(ctx context.Context, url, name string, auth Auth, log *zap.Logger, closed func(error)) (*nats.Conn, error) {
	shown := RedactURL(url)
	log = log.With(zap.String("nats_url", shown))
	authOpts, err := auth.Options()
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", shown, err)
	}
	policy := reconnectBackoff()
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(func(attempts int) time.Duration { return policy.Delay(uint64(max(attempts, 1))) }),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from nats; reconnecting", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("reconnected to nats", zap.String("server", c.ConnectedUrlRedacted()))
		}),
		nats.ClosedHandler(func(c *nats.Conn) {
			if err := c.LastError(); err != nil && closed != nil {
				closed(err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("nats error", zap.Error(err), zap.String("subject", subject))
		}),
	}
	opts = append(opts, authOpts...)
	retry := Backoff{Initial: 250 * time.Millisecond, Max: 2 * time.Second}.Sequence()
	for attempt := 1; ; attempt++ {
		// Each attempt ends by ctx's deadline, at most 5 s.
		timeout := 5 * time.Second
		if dl, ok := ctx.Deadline(); ok {
			timeout = max(min(timeout, time.Until(dl)), 100*time.Millisecond)
		}
		nc, err := nats.Connect(url, append(opts, nats.Timeout(timeout))...)
		if err == nil {
			return nc, nil
		}
		if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) || errors.Is(err, nats.ErrAuthRevoked) {
			return nil, fmt.Errorf("connect to nats %s: %w", shown, err)
		}
		if errors.Is(err, nats.ErrNoServers) {
			err = why(url, err) // "no servers available" says nothing
		}
		d := retry.NextBackOff()
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return nil, fmt.Errorf("connect to nats %s: %w", shown, err)
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Warn("cannot connect to nats yet; retrying", zap.Error(err), zap.Int("attempt", attempt))
		}
		if !Sleep(ctx, d) {
			return nil, fmt.Errorf("connect to nats %s: %w (gave up: %w)", shown, err, ctx.Err())
		}
	}
}

// why finds out why no server of a NATS URL list could be reached: the
// error of dialling the first one, or err when it answers.
func why(urls string, err error) error {
	for _, p := range strings.Split(urls, ",") {
		u, perr := url.Parse(strings.TrimSpace(p))
		if perr != nil || u.Host == "" {
			continue
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "4222")
		}
		c, derr := net.DialTimeout("tcp", host, time.Second)
		if derr != nil {
			return derr
		}
		_ = c.Close()
	}
	return err
}

// RedactURL hides the secrets of a NATS URL, or of a comma-separated list
// of them: a password (nats://alice:REDACTED@host) or a token given as
// the user (nats://REDACTED@host). What does not parse as a URL is
// returned as it is when it holds no "@", else redacted whole.
func RedactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		// nats.go takes host:port without a scheme (alice:pw@host:4222
		// too), which url.Parse reads as the scheme "alice".
		bare := !strings.Contains(p, "://")
		if bare {
			p = "nats://" + p
		}
		u, err := url.Parse(p)
		switch {
		case err != nil && strings.Contains(p, "@"):
			parts[i] = "REDACTED"
		case err != nil || u.User == nil:
		default:
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "REDACTED")
			} else {
				u.User = url.User("REDACTED")
			}
			parts[i] = u.String()
			if bare {
				parts[i] = strings.TrimPrefix(parts[i], "nats://")
			}
		}
	}
	return strings.Join(parts, ",")
}
