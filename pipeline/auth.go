package pipeline

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
)

// Auth is how to prove who we are to a secured NATS server and how to
// trust it: at most one of a credentials file, an nkey seed file, a user
// with a password, or a token; and TLS with an optional CA, client
// certificate and key. The zero value connects anonymously in plain text
// (unless the URL is tls://).
type Auth struct {
	Creds    string // a .creds file (user JWT and nkey seed), as nsc writes it
	NKey     string // a file holding an nkey seed (SU...)
	User     string
	Password string
	Token    string
	CA       string // PEM file of the CAs that sign the server's certificate
	Cert     string // PEM client certificate, with Key, for mutual TLS
	Key      string
}

// ErrAuthConfig marks connection settings that cannot work.
var ErrAuthConfig = errors.New("nats connection settings")

// Check returns every problem of a, each naming its setting, or nil.
func (a Auth) Check() error {
	var errs []error
	methods := 0
	for _, set := range []bool{a.Creds != "", a.NKey != "", a.User != "", a.Token != ""} {
		if set {
			methods++
		}
	}
	if methods > 1 {
		errs = append(errs, fmt.Errorf("%w: set only one of creds, nkey, user (with password) and token", ErrAuthConfig))
	}
	if a.Password != "" && a.User == "" {
		errs = append(errs, fmt.Errorf("%w: password without user", ErrAuthConfig))
	}
	if (a.Cert == "") != (a.Key == "") {
		errs = append(errs, fmt.Errorf("%w: tls.cert and tls.key go together", ErrAuthConfig))
	}
	for _, f := range []struct{ key, path string }{{"creds", a.Creds}, {"nkey", a.NKey}, {"tls.ca", a.CA}, {"tls.cert", a.Cert}, {"tls.key", a.Key}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: %w", ErrAuthConfig, f.key, err))
		}
	}
	return errors.Join(errs...)
}

// TLS reports whether a asks for TLS (a CA or a client certificate).
func (a Auth) TLS() bool { return a.CA != "" || a.Cert != "" }

// Options are the client options that carry a.
func (a Auth) Options() ([]nats.Option, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	var opts []nats.Option
	switch {
	case a.Creds != "":
		opts = append(opts, nats.UserCredentials(a.Creds))
	case a.NKey != "":
		o, err := nats.NkeyOptionFromSeed(a.NKey)
		if err != nil {
			return nil, fmt.Errorf("%w: nkey %s: %w", ErrAuthConfig, a.NKey, err)
		}
		opts = append(opts, o)
	case a.User != "":
		opts = append(opts, nats.UserInfo(a.User, a.Password))
	case a.Token != "":
		opts = append(opts, nats.Token(a.Token))
	}
	if a.TLS() {
		tc, err := a.tlsConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

func (a Auth) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.CA != "" {
		pem, err := os.ReadFile(a.CA)
		if err != nil {
			return nil, fmt.Errorf("%w: tls.ca: %w", ErrAuthConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: tls.ca %s: no PEM certificate in it", ErrAuthConfig, a.CA)
		}
		tc.RootCAs = pool
	}
	if a.Cert != "" {
		cert, err := tls.LoadX509KeyPair(a.Cert, a.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: tls.cert/tls.key: %w", ErrAuthConfig, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
