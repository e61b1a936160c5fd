package reader

import (
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/mediawatch/mediawatch/netguard"
)

// ErrPrivateAddress says a request would reach a loopback, private,
// link-local, unique-local, multicast, unspecified or otherwise non-public
// address, which feeds added at run time may not (see NewClient). It is
// netguard's.
var ErrPrivateAddress = netguard.ErrPrivateAddress

// NewClient returns the HTTP client a Fetcher uses: tuned for many feeds on
// many hosts, with timeout bounding the wait for response headers. With
// publicOnly, every connection it makes is checked on the address actually
// dialled (after DNS, on every redirect) and refused with ErrPrivateAddress
// unless that address is public; such a client also ignores HTTP_PROXY, so
// that the check sees the feed's own address.
func NewClient(timeout time.Duration, publicOnly bool) *http.Client {
	if !publicOnly {
		return newClient(timeout, nil)
	}
	return newClient(timeout, netguard.PublicOnly)
}

// newClient is NewClient with the dialling check allow (nil: none).
func newClient(timeout time.Duration, allow func(netip.AddrPort) bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		DisableCompression:    true, // Fetch decompresses, after checking the size cap
	}
	if allow != nil {
		dialer.Control = netguard.Control(allow)
		t.Proxy = nil
	}
	return &http.Client{Transport: t}
}
