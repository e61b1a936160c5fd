package reader

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// errNotAbsolute says a URL cannot be canonicalised because it names no
// scheme or no host.
var errNotAbsolute = errors.New("not an absolute URL with a host")

// CanonicalURL returns the form of raw that identifies an article: scheme
// and host lower-cased (an internationalised host in punycode, without a
// trailing dot), the scheme's default port removed, an empty path
// written as "/", the fragment and tracking parameters (utm_*, fbclid,
// gclid, mc_cid, ...) removed, and the remaining query parameters sorted by
// key (values of a repeated key keep their order). Parameters keep their
// original escaping. CanonicalURL is idempotent: the canonical form of a
// canonical URL is itself. It fails on URLs that do not parse and on URLs
// without a scheme or a host, such as relative references.
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("canonicalize url: %w", err)
	}
	if u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("canonicalize url %q: %w", raw, errNotAbsolute)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", fmt.Errorf("canonicalize url %q: %w", raw, errNotAbsolute)
	}
	// An internationalised name is one host whether written in Unicode or
	// in punycode (мвд.рф, xn--b1aew.xn--p1ai), and the fully qualified
	// form (example.com.) is the same host as the usual one.
	if !strings.Contains(host, ":") {
		host = strings.TrimRight(host, ".")
		if ascii, err := idna.Lookup.ToASCII(host); err == nil && ascii != "" {
			host = strings.TrimRight(ascii, ".") // what it maps to nothing may leave one
		}
		if host == "" {
			return "", fmt.Errorf("canonicalize url %q: %w", raw, errNotAbsolute)
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" && port != defaultPort(u.Scheme) {
		host += ":" + port
	}
	u.Host = host
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	escaped := normalizeEscapes(u.EscapedPath())
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return "", fmt.Errorf("canonicalize url %q: %w", raw, err)
	}
	u.Path, u.RawPath = path, escaped
	u.Fragment, u.RawFragment = "", ""
	u.ForceQuery = false
	u.RawQuery = canonicalQuery(u.RawQuery)

	out := u.String()
	// The String of a parsed URL does not always parse back to the same
	// URL (odd escapes in the host or path); refuse those rather than hand
	// out an id that a second pass would change.
	again, err := url.Parse(out)
	if err != nil {
		return "", fmt.Errorf("canonicalize url %q: %w", raw, err)
	}
	if again.String() != out {
		return "", fmt.Errorf("canonicalize url %q: %w", raw, errUnstable)
	}
	return out, nil
}

// defaultPort returns the port a scheme uses when a URL names none.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// normalizeEscapes applies RFC 3986's percent-encoding normalisation:
// escaped unreserved characters (letters, digits, "-", ".", "_", "~") are
// decoded and the hex digits of the other escapes upper-cased. A '%' that
// starts no valid escape is left alone, and so is the escape after it.
func normalizeEscapes(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			b = append(b, s[i])
			continue
		}
		c := unhex(s[i+1])<<4 | unhex(s[i+2])
		// A decoded hex digit right after a lone '%' (or a lone '%' and
		// one hex digit) would make a new escape with it: "%%41a" would
		// give "%Aa", and the form would change on a second pass. Such an
		// escape stays.
		n := len(b)
		makesEscape := isHex(c) && (n >= 1 && b[n-1] == '%' || n >= 2 && b[n-2] == '%' && isHex(b[n-1]))
		if isUnreserved(c) && !makesEscape {
			b = append(b, c)
		} else {
			b = append(b, '%')
			b = append(b, strings.ToUpper(s[i+1:i+3])...)
		}
		i += 2
	}
	return string(b)
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of a hexadecimal digit.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// errUnstable says a URL does not survive a parse and print round trip.
var errUnstable = errors.New("url does not round-trip")

// canonicalQuery drops empty and tracking parameters from a raw query and
// sorts the rest by key, stably. Escapes are normalised as in paths and
// raw spaces escaped; nothing else is re-escaped.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ key, pair string }
	var params []param
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		// A raw space would end the URL for whoever reads it next.
		pair = normalizeEscapes(strings.ReplaceAll(pair, " ", "%20"))
		key, _, _ := strings.Cut(pair, "=")
		if isTrackingParam(key) {
			continue
		}
		params = append(params, param{key: key, pair: pair})
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.key, b.key) })
	pairs := make([]string, len(params))
	for i, p := range params {
		pairs[i] = p.pair
	}
	return strings.Join(pairs, "&")
}

// isTrackingParam reports whether a raw query key is a tracking parameter:
// one that only says where a click came from and never changes the page a
// URL points to. Keys match case-insensitively.
func isTrackingParam(rawKey string) bool {
	key, err := url.QueryUnescape(rawKey)
	if err != nil {
		key = rawKey
	}
	key = strings.ToLower(key)
	if strings.HasPrefix(key, "utm_") {
		return true
	}
	switch key {
	case "fbclid", // Facebook
		"gclid", "gclsrc", "dclid", "gbraid", "wbraid", // Google Ads
		"_ga", "_gl", // Google Analytics cross-domain linking
		"msclkid",          // Microsoft Ads
		"yclid",            // Yandex
		"mc_cid", "mc_eid", // Mailchimp
		"igshid", "igsh", // Instagram
		"twclid",          // Twitter/X
		"ttclid",          // TikTok
		"li_fat_id",       // LinkedIn
		"_hsenc", "_hsmi", // HubSpot
		"mkt_tok",              // Marketo
		"vero_id", "vero_conv", // Vero
		"oly_anon_id", "oly_enc_id", // Omeda
		"wickedid", "rb_clickid", "s_cid",
		"wt_mc", "wt_zmc": // Webtrekk (Mapp)
		return true
	}
	return false
}

// ArticleID returns an article's id: the hex form of the first 16 bytes of
// the SHA-256 of its canonical URL or, when the item has no usable link
// (canonicalURL is empty), of the feed id and the item's GUID joined by a
// NUL byte.
func ArticleID(feed, canonicalURL, guid string) string {
	key := canonicalURL
	if key == "" {
		key = feed + "\x00" + guid
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
