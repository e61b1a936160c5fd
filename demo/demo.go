// Package demo serves the bundled sample feeds from a local HTTP server, so
// `mediawatch run --demo` shows alerts on a machine without internet.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
)

//go:embed feeds/*.xml feeds/*.rss
var files embed.FS

// Server is the running demo feed server.
type Server struct {
	URL string
	srv *http.Server
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// Feeds lists the bundled feed files (names under feeds/).
func Feeds() []string {
	entries, _ := fs.ReadDir(files, "feeds")
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// FeedID is the source id a demo feed file is polled under:
// "demo-" and its name without extension and dots.
func FeedID(name string) string {
	base := strings.TrimSuffix(name, path.Ext(name))
	return "demo-" + strings.NewReplacer(".", "-", "_", "-").Replace(strings.ToLower(base))
}

// Serve starts the demo feed server on a free loopback port until ctx ends
// or Close, and returns the sources that poll it.
func Serve(ctx context.Context, log *zap.Logger) (*Server, []config.Source, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("listen for demo feeds: %w", err)
	}
	sub, err := fs.Sub(files, "feeds")
	if err != nil {
		return nil, nil, fmt.Errorf("open demo feeds: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServerFS(sub))
	s := &Server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Warn("demo feed server stopped", zap.Error(err))
		}
	}()
	go func() { <-ctx.Done(); s.Close() }()
	var sources []config.Source
	for _, name := range Feeds() {
		sources = append(sources, config.Source{ID: FeedID(name), URL: s.URL + "/" + name, Interval: config.Duration(time.Minute)})
	}
	return s, sources, nil
}
