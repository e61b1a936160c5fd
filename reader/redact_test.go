package reader

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://e.org/feed.xml", "https://e.org/feed.xml"},
		{"https://e.org/feed.xml?format=rss&page=2", "https://e.org/feed.xml?format=rss&page=2"},
		{"https://alice:s3cret@e.org/f", "https://alice:REDACTED@e.org/f"},
		{"https://T0KEN@e.org/f", "https://REDACTED@e.org/f"},
		{"https://e.org/f?apikey=K&format=rss&access_token=T", "https://e.org/f?apikey=REDACTED&format=rss&access_token=REDACTED"},
		{"https://e.org/f?X-Amz-Signature=abc&X-Amz-Credential=c&sig=s&pass=p&Auth=a", "https://e.org/f?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&sig=REDACTED&pass=REDACTED&Auth=REDACTED"},
		{"https://e.org/f?api%5Fkey=K", "https://e.org/f?api%5Fkey=REDACTED"},
		{"https://e.org/f?token", "https://e.org/f?token"},
		{"http://a b@e.org/%zz", "REDACTED"},
		{"not a url %zz", "not a url %zz"},
	} {
		assert.Equal(t, tt.want, RedactURL(tt.in), tt.in)
	}
}

// A fetch error names the feed's URL without its secrets, whether the
// server answered (an error status) or could not be reached.
func TestFetchErrorsHideSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())

	f := NewFetcher(nil, "test", 0, 0)
	for _, base := range []string{srv.URL, "http://" + closed} {
		u := "http://alice:s3cret-pass@" + base[len("http://"):] + "/p.xml?apikey=K3Y-value&format=rss"
		_, err := f.Fetch(context.Background(), u, Validators{})
		require.Error(t, err)
		msg := err.Error()
		assert.NotContains(t, msg, "s3cret-pass", base)
		assert.NotContains(t, msg, "K3Y-value", base)
		assert.Contains(t, msg, "/p.xml?apikey=REDACTED&format=rss", base)
	}
}
