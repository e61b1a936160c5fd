// Package netguard keeps outbound connections off private networks: it
// says which addresses are public, refuses URLs whose host is written as a
// private address, and gives a net.Dialer the hook that checks the address
// actually dialled (after DNS, on every redirect), so that neither a DNS
// name nor a redirect gets around it.
package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// ErrPrivateAddress says a connection would reach a loopback, private,
// link-local, unique-local, multicast, unspecified or otherwise non-public
// address.
var ErrPrivateAddress = errors.New("refused: not a public address")

// Control returns a net.Dialer Control hook that refuses, with
// ErrPrivateAddress, every address allow does not accept. It runs with the
// address about to be dialled, whatever name resolved to it. A client
// that uses it should not go through a proxy (the hook would see the
// proxy's address, not the target's).
func Control(allow func(netip.AddrPort) bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		a, err := netip.ParseAddrPort(address)
		if err != nil || !allow(a) {
			return fmt.Errorf("dial %s: %w", address, ErrPrivateAddress)
		}
		return nil
	}
}

// PublicOnly accepts the public addresses (see Public).
func PublicOnly(a netip.AddrPort) bool { return Public(a.Addr()) }

// nonPublic are the prefixes netip's predicates do not cover that are not
// reachable public addresses either.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
}

// embeddedIPv4 are IPv6 prefixes that carry an IPv4 address in their last
// 32 bits (NAT64) or in bits 16 to 48 (6to4): the embedded address must be
// public too.
var (
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	sixTo = netip.MustParsePrefix("2002::/16")
)

// Public reports whether ip is a public unicast address: not loopback,
// private (RFC 1918, unique-local fc00::/7), link-local, multicast,
// unspecified, carrier-grade NAT, documentation, benchmarking or reserved,
// IPv4-mapped and NAT64/6to4-embedded IPv4 addresses included.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return Public(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixTo.Contains(ip):
		return Public(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return true
}

// CheckURL refuses, before any request, a URL whose host is written as
// a non-public address: localhost, or an IP literal in any of the forms
// browsers and C libraries accept (127.0.0.1, [::1], 2130706433, 0x7f.1,
// 0177.0.0.1). A host name is left to the dialling check (Control), which
// sees what it resolves to.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("url %q: host %s: %w", raw, host, ErrPrivateAddress)
	}
	ip, ok := parseHostIP(host)
	if ok && !Public(ip) {
		return fmt.Errorf("url %q: host %s is %s: %w", raw, host, ip, ErrPrivateAddress)
	}
	return nil
}

// parseHostIP reads a host that is an IP address: IPv6, dotted IPv4, or the
// inet_aton forms (one to four parts, each decimal, 0x-hex or 0-octal, the
// last filling the remaining bytes).
func parseHostIP(host string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" && base != 16 {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(32-8*(len(vals)-1)) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}
