package pipeline

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Backoff is the one backoff policy of the project, for every retry: the
// delay doubles from Initial up to Max, and each delay is jittered by ±50 %
// (github.com/cenkalti/backoff/v5), so that replicas that failed together do
// not retry together. Loops differ only in Initial and Max.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// Sequence returns the policy as a sequence of delays, for a retry loop:
// call NextBackOff before each new attempt, Reset after a success.
func (b Backoff) Sequence() *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     b.Initial,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         b.Max,
	}
}

// Delay is the delay before retry number attempt (1 for the first), never
// more than Max: the jitter applies after the cap, and a sink's max_delay
// is a promise.
func (b Backoff) Delay(attempt uint64) time.Duration {
	s := b.Sequence()
	d := s.NextBackOff()
	for i := uint64(1); i < min(attempt, 32); i++ {
		d = s.NextBackOff()
	}
	if b.Max > 0 {
		d = min(d, b.Max)
	}
	return d
}

// stageBackoff is the policy of the stages: about 1 s, 2 s, 4 s ... up to
// about 30 s.
func stageBackoff() Backoff { return Backoff{Initial: time.Second, Max: 30 * time.Second} }

// RetryBackoff is the stages' policy as a sequence: for the loops that
// re-establish a consumer, a watch or the topology.
func RetryBackoff() *backoff.ExponentialBackOff { return stageBackoff().Sequence() }

// DefaultBackoff is how long a message that failed its attempt-th delivery
// (1 for the first) waits before it is redelivered.
func DefaultBackoff(attempt uint64) time.Duration { return stageBackoff().Delay(attempt) }

// Sleep waits d or until ctx ends; it reports whether the whole d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
