package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
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

// Connect dials url (comma-separated for a cluster) and keeps reconnecting
// forever; it fails only if the first connection cannot be made before ctx
// ends.
func Connect(ctx context.Context, url, name string, log *zap.Logger) (*nats.Conn, error) {
	log = log.With(zap.String("nats_url", url))
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(false),
		nats.Timeout(5 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from nats", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("reconnected to nats", zap.String("server", c.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("nats error", zap.Error(err), zap.String("subject", subject))
		}),
	}
	// The first connection is retried a few times (a server or a cluster
	// node may be starting): about 13 s in all before giving up.
	retry := Backoff{Initial: 300 * time.Millisecond, Max: 2 * time.Second}.Sequence()
	var lastErr error
	for attempt := 1; ; attempt++ {
		nc, err := nats.Connect(url, opts...)
		if err == nil {
			return nc, nil
		}
		lastErr = err
		if attempt >= connectAttempts || errors.Is(err, nats.ErrAuthorization) {
			break
		}
		if !Sleep(ctx, retry.NextBackOff()) {
			return nil, fmt.Errorf("connect to nats %s: %w", url, ctx.Err())
		}
	}
	return nil, fmt.Errorf("connect to nats %s: %w", url, lastErr)
}

// connectAttempts is how many times Connect tries the first connection.
const connectAttempts = 10
