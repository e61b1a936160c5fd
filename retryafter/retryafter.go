// Package retryafter reads the Retry-After header of an HTTP answer (RFC
// 9110, section 10.2.3): how long a server asks a client to wait before it
// tries again. The feed reader and the notifier read it the same way; each
// caps the delay as its own configuration says.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxSeconds is the most seconds a time.Duration holds.
const maxSeconds = int64(1<<63-1) / int64(time.Second)

// Parse reads a Retry-After value, delay seconds or an HTTP date (relative
// to now, rounded to the second). It returns zero for a missing, malformed
// or past value; a delay too long for a time.Duration is the longest one.
func Parse(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}
