package netguard

import (
	"context"
	"net"
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

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://hooks.slack.com/services/x": true,
		"https://8.8.8.8/hook":               true,
		"http://169.254.169.254/latest":      false,
		"http://10.0.0.7:8080/hook":          false,
		"http://[::1]/hook":                  false,
		"http://localhost:9090/metrics":      false,
		"http://0x7f.1/x":                    false,
		"http://2130706433/x":                false,
		"http://[::ffff:10.0.0.1]/x":         false,
		"https://example.org/feed.xml":       true,
		"http://feeds.localhost/x":           false,
		"http://0177.0.0.1/x":                false,
		"http://127.1/x":                     false,
	} {
		err := CheckURL(raw)
		if ok {
			assert.NoError(t, err, raw)
		} else {
			assert.ErrorIs(t, err, ErrPrivateAddress, raw)
		}
	}
}

// The hook sees the address dialled: a loopback server is refused under
// its IP and under a name, and a redirect from an allowed server to it too.
func TestControl(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	client := func(allow func(netip.AddrPort) bool) *http.Client {
		d := &net.Dialer{Timeout: 5 * time.Second, Control: Control(allow)}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	get := func(c *http.Client, url string) error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	require.ErrorIs(t, get(client(PublicOnly), srv.URL), ErrPrivateAddress)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	require.ErrorIs(t, get(client(PublicOnly), "http://localhost:"+port), ErrPrivateAddress)

	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/x", http.StatusFound)
	}))
	t.Cleanup(front.Close)
	allowed := netip.MustParseAddrPort(front.Listener.Addr().String())
	only := func(a netip.AddrPort) bool { return a == allowed }
	require.ErrorIs(t, get(client(only), front.URL), ErrPrivateAddress, "the redirect's target is refused")
	require.NoError(t, get(client(func(netip.AddrPort) bool { return true }), front.URL))
}
