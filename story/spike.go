package story

import "time"

// Spike is a spike rule: it alerts when at least Min distinct stories
// mentioning Entity were seen in the last Window, and at least Factor times
// the mean of the same window of the day over the last 7 days.
type Spike struct {
	Rule   string
	Entity string
	Factor float64
	Window time.Duration
	Min    int
}

// Slot is the unit spike counts are kept in; a window is a whole number of
// slots.
const Slot = 5 * time.Minute

// BaselineDays is how many days back the baseline looks.
const BaselineDays = 7

// SlotsPerDay is how many slots a day has.
const SlotsPerDay = int64(24 * time.Hour / Slot)

// SlotOf is the slot a time falls in: whole slots since the Unix epoch.
func SlotOf(t time.Time) int64 { return t.Unix() / int64(Slot/time.Second) }

// SpikeCounts is what a spike rule decides on.
type SpikeCounts struct {
	Count    int     // stories in the window that ends with the current slot
	Baseline float64 // the mean of Count over Days earlier days, same time of day
	Days     int     // days of the baseline: of the last 7, those the counts cover whole
}

// CountSpike computes the counts of a window of k slots ending at slot now
// from the stories counted per slot. A day of the baseline counts only when
// its whole window lies after the first slot ever counted, so that a fresh
// install, with no history, has no baseline rather than one of zero.
func CountSpike(perSlot map[int64]int, now, k int64) SpikeCounts {
	first := now
	for s := range perSlot {
		first = min(first, s)
	}
	sum := func(end int64) int {
		n := 0
		for s := end - k + 1; s <= end; s++ {
			n += perSlot[s]
		}
		return n
	}
	c := SpikeCounts{Count: sum(now)}
	total := 0
	for d := int64(1); d <= BaselineDays; d++ {
		end := now - d*SlotsPerDay
		if end-k+1 < first {
			continue
		}
		c.Days++
		total += sum(end)
	}
	if c.Days > 0 {
		c.Baseline = float64(total) / float64(c.Days)
	}
	return c
}

// Fires reports whether counts make the rule fire: a baseline of at least
// a day, at least Min stories, and at least Factor times the baseline.
func (s Spike) Fires(c SpikeCounts) bool {
	return c.Days > 0 && c.Count >= s.Min && float64(c.Count) >= s.Factor*c.Baseline
}
