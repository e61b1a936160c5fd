package feeds

import (
	"hash/fnv"
	"time"
)

// Slot returns which polling slot t falls in for a feed polled every
// interval, and when that slot started. Each feed's slots are shifted by a
// fixed offset derived from its id, so feeds with the same interval spread
// out over it (jitter) while every poller computes the same slots without
// talking to the others.
func Slot(feed string, interval time.Duration, t time.Time) (n int64, start time.Time) {
	if interval <= 0 {
		interval = time.Minute
	}
	off := offset(feed, interval)
	n = (t.UnixNano() - int64(off)) / int64(interval)
	return n, time.Unix(0, n*int64(interval)+int64(off))
}

// NextSlot is when the slot after the one t falls in starts: when a feed
// polled every interval is next due.
func NextSlot(feed string, interval time.Duration, t time.Time) time.Time {
	if interval <= 0 {
		interval = time.Minute
	}
	_, start := Slot(feed, interval, t)
	return start.Add(interval)
}

func offset(feed string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(feed))
	return time.Duration(h.Sum64() % uint64(interval))
}
