package retryafter

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    string
		want time.Duration
	}{
		{name: "empty", v: "", want: 0},
		{name: "seconds", v: "90", want: 90 * time.Second},
		{name: "seconds with spaces", v: " 5 ", want: 5 * time.Second},
		{name: "zero", v: "0", want: 0},
		{name: "negative", v: "-3", want: 0},
		{name: "huge does not overflow", v: strconv.FormatInt(1<<62, 10), want: time.Duration(1<<63-1) / time.Second * time.Second},
		{name: "beyond int64", v: "99999999999999999999", want: 0},
		{name: "http date", v: "Wed, 18 Feb 2026 11:00:00 GMT", want: time.Hour},
		{name: "http date, rounded to the second", v: "Wed, 18 Feb 2026 10:00:30 GMT", want: 30 * time.Second},
		{name: "rfc 850 date", v: "Wednesday, 18-Feb-26 10:05:00 GMT", want: 5 * time.Minute},
		{name: "past date", v: "Wed, 18 Feb 2026 09:00:00 GMT", want: 0},
		{name: "now", v: "Wed, 18 Feb 2026 10:00:00 GMT", want: 0},
		{name: "garbage", v: "soon", want: 0},
		{name: "fraction", v: "1.5", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Parse(tt.v, now))
		})
	}
	assert.Equal(t, 30*time.Second, Parse("Wed, 18 Feb 2026 10:00:30 GMT", now.Add(300*time.Millisecond)), "rounded")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", " 7 ", "Wed, 18 Feb 2026 11:00:00 GMT", "Wednesday, 18-Feb-26 10:05:00 GMT", "Wed Feb 18 11:00:00 2026", "9223372036854775807"} {
		f.Add(s)
	}
	now := time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := Parse(v, now); d < 0 {
			t.Fatalf("Parse(%q) = %s, negative", v, d)
		}
	})
}
