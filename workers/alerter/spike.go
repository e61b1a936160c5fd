package alerter

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
