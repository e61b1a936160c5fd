package reader

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A public-only client refuses a loopback server, also when a public-looking
// request is redirected there; the check is on the address dialled.
func TestPublicOnlyClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<rss/>"))
	}))
	t.Cleanup(srv.Close)
	f := NewFetcher(NewClient(5*time.Second, true), "ua", 5*time.Second, 0)
	_, err := f.Fetch(context.Background(), srv.URL, Validators{})
	require.ErrorIs(t, err, ErrPrivateAddress)

	// The same server through a name that resolves to loopback.
	_, err = f.Fetch(context.Background(), "http://localhost:"+srv.URL[len("http://127.0.0.1:"):], Validators{})
	require.ErrorIs(t, err, ErrPrivateAddress)

	// A redirect from an allowed server to another is checked too.
	target := srv.Listener.Addr().String()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+target+"/feed", http.StatusFound)
	}))
	t.Cleanup(front.Close)
	allowed := netip.MustParseAddrPort(front.Listener.Addr().String())
	g := NewFetcher(newClient(5*time.Second, func(a netip.AddrPort) bool { return a == allowed }), "ua", 5*time.Second, 0)
	_, err = g.Fetch(context.Background(), front.URL, Validators{})
	require.ErrorIs(t, err, ErrPrivateAddress, "the redirect's target is refused")

	// The open client reaches it.
	_, err = NewFetcher(nil, "ua", 5*time.Second, 0).Fetch(context.Background(), srv.URL, Validators{})
	require.NoError(t, err)
}
