package reader

import (
	"net/url"
	"strings"
)

// RedactURL returns a feed URL safe to log or show: the password of its
// user info masked (https://alice:REDACTED@host/), a user given alone
// masked too, as it is most often a token (https://REDACTED@host/), and
// the values of query parameters whose names say they hold a secret
// (apikey, token, secret, password, auth, sig...) masked, the others
// kept, in their order. What does not parse is returned as it is when it
// holds no "@", else redacted whole.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil && strings.Contains(s, "@"):
		return "REDACTED"
	case err != nil:
		return s
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		} else {
			u.User = url.User("REDACTED")
		}
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, hasValue := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); err == nil && hasValue && secretParam(name) {
				parts[i] = k + "=REDACTED"
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

// secretWords are what the names of query parameters holding a secret
// contain (api_key, apiKey, access_token, X-Amz-Signature, sig, pass...).
var secretWords = []string{"key", "token", "secret", "pass", "pwd", "auth", "sig", "session", "credential"}

func secretParam(name string) bool {
	name = strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
