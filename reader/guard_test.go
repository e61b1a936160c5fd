package reader

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "255.255.255.255": false, "224.0.0.1": false,
		"100.64.0.1": false, "::1": false, "::": false, "fe80::1": false, "fd00::1": false, "ff02::1": false,
		"::ffff:127.0.0.1": false, "::ffff:8.8.8.8": true, "64:ff9b::a00:1": false, "64:ff9b::808:808": true,
		"2002:7f00:1::": false, "2002:808:808::": true,
	} {
		assert.Equal(t, want, Public(netip.MustParseAddr(addr)), addr)
	}
}

func TestCheckPublicURL(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://example.org/feed.xml":  true,
		"https://8.8.8.8/feed":          true,
		"http://169.254.169.254/latest": false,
		"http://10.0.0.7:8080/rss":      false,
		"http://[::1]/rss":              false,
		"http://localhost:9090/metrics": false,
		"http://feeds.localhost/x":      false,
		"http://0x7f.1/x":               false,
		"http://2130706433/x":           false,
		"http://0177.0.0.1/x":           false,
		"http://127.1/x":                false,
		"http://[::ffff:10.0.0.1]/x":    false,
	} {
		err := CheckPublicURL(raw)
		if ok {
			assert.NoError(t, err, raw)
		} else {
			assert.ErrorIs(t, err, ErrPrivateAddress, raw)
		}
	}
}

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
