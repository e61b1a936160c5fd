package feeds

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSlot(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		interval time.Duration
		a, b     time.Time
		same     bool
	}{
		{"same instant", 5 * time.Minute, t0, t0, true},
		{"a full interval later", 5 * time.Minute, t0, t0.Add(5 * time.Minute), false},
		{"a nanosecond later", 5 * time.Minute, t0, t0.Add(time.Nanosecond), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			na, _ := Slot("feed", tt.interval, tt.a)
			nb, _ := Slot("feed", tt.interval, tt.b)
			if tt.same {
				// a nanosecond can cross a boundary only at the boundary itself
				if na != nb {
					_, start := Slot("feed", tt.interval, tt.b)
					assert.Equal(t, tt.b, start)
				}
			} else {
				assert.NotEqual(t, na, nb)
			}
		})
	}
	// A slot starts within the interval before t, and feeds are spread out.
	starts := map[time.Duration]bool{}
	for _, feed := range []string{"a", "b", "c", "d", "e", "f"} {
		_, start := Slot(feed, time.Hour, t0)
		assert.False(t, start.After(t0))
		assert.Less(t, t0.Sub(start), time.Hour)
		starts[offset(feed, time.Hour)] = true
	}
	assert.Greater(t, len(starts), 3, "feeds with the same interval get different offsets")
}

func TestNextSlot(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{t0, t0.Add(time.Nanosecond), t0.Add(7 * time.Second), t0.Add(time.Hour)} {
		n, start := Slot("feed", 10*time.Second, at)
		next := NextSlot("feed", 10*time.Second, at)
		assert.Equal(t, start.Add(10*time.Second), next)
		assert.True(t, next.After(at), "the next slot starts after t")
		m, _ := Slot("feed", 10*time.Second, next)
		assert.Equal(t, n+1, m, "and is the slot after t's")
	}
	_, start := Slot("feed", 0, t0)
	assert.Equal(t, start.Add(time.Minute), NextSlot("feed", 0, t0), "no interval: every minute, as Slot")
}
