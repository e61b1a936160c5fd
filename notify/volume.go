package notify

import (
	"slices"
	"strconv"
	"time"
)

// Volume is how many messages a sink may send: one per alert, or a digest
// every Every; and at most MaxPerHour messages in a clock hour (0: no cap),
// the alerts beyond it folded into the next digest.
type Volume struct {
	Digest     bool
	Every      time.Duration
	MaxPerHour int
}

// Bounds of a pending digest: the items it lists (the rest are counted by
// rule), and the alert ids remembered against redeliveries.
const (
	maxPendingItems = 500
	maxPendingBytes = 256 << 10
	maxRecent       = 1000
)

// State is a sink's volume control: its count of the current clock hour and
// the digest it is gathering. It is a plain value, stored between calls (in
// JetStream) so that a digest survives a restart.
type State struct {
	Hour    time.Time `json:"hour"` // the clock hour Sent counts
	Sent    int       `json:"sent"`
	Pending []Item    `json:"pending,omitempty"` // the next digest's items, oldest first
	More    []Count   `json:"more,omitempty"`    // the next digest's alerts beyond Pending
	Due     time.Time `json:"due,omitzero"`      // when the next digest goes
	Seq     uint64    `json:"seq"`               // digests made so far
	Recent  []string  `json:"recent,omitempty"`  // the ids of the last alerts taken
	// Admitted are the alerts counted in Hour, so that the retry of one
	// that failed is neither counted again nor folded.
	Admitted []string `json:"admitted,omitempty"`
	// Sending is a digest made and not yet delivered.
	Sending *Outgoing `json:"sending,omitempty"`
}

// Outgoing is a digest on its way: who may try it when, and how often it
// was tried.
type Outgoing struct {
	Message  Message   `json:"message"`
	Attempts int       `json:"attempts"`
	Next     time.Time `json:"next"` // no attempt before then
}

func (s *State) roll(now time.Time) {
	if h := now.UTC().Truncate(time.Hour); !h.Equal(s.Hour) {
		s.Hour, s.Sent, s.Admitted = h, 0, nil
	}
}

// Admit reports whether an alert may go on its own now (mode each), and
// counts it if so; an alert admitted already this hour (a retry) is
// admitted again without counting. When the hour's cap is spent it returns
// false: the caller folds the alert into the next digest.
func (s *State) Admit(v Volume, alert string, now time.Time) bool {
	s.roll(now)
	switch {
	case v.Digest:
		return false
	case slices.Contains(s.Admitted, alert):
		return true
	case v.MaxPerHour > 0 && s.Sent >= v.MaxPerHour:
		return false
	}
	s.Sent++
	s.Admitted = append(s.Admitted, alert)
	if len(s.Admitted) > maxRecent {
		s.Admitted = slices.Clone(s.Admitted[len(s.Admitted)-maxRecent:])
	}
	return true
}

// Seen reports whether the alert id was taken lately (a redelivery).
func (s *State) Seen(id string) bool { return slices.Contains(s.Recent, id) }

// Fold adds an alert to the next digest and sets when it is due: the end
// of the current period of Every for a digest sink, the next clock hour for
// an alert beyond the cap. An alert already taken is not added twice.
func (s *State) Fold(v Volume, it Item, now time.Time) {
	if s.Seen(it.Alert) {
		return
	}
	s.Recent = append(s.Recent, it.Alert)
	if len(s.Recent) > maxRecent {
		s.Recent = slices.Clone(s.Recent[len(s.Recent)-maxRecent:])
	}
	if len(s.Pending) < maxPendingItems && pendingBytes(s.Pending)+itemBytes(it) <= maxPendingBytes {
		s.Pending = append(s.Pending, it)
	} else {
		s.count(it.Rule)
	}
	if s.Due.IsZero() {
		s.Due = v.next(now)
	}
}

func (s *State) count(rule string) {
	for i := range s.More {
		if s.More[i].Rule == rule {
			s.More[i].N++
			return
		}
	}
	s.More = append(s.More, Count{Rule: rule, N: 1})
}

// next is when a digest started now is due.
func (v Volume) next(now time.Time) time.Time {
	if v.Digest && v.Every > 0 {
		return now.UTC().Truncate(v.Every).Add(v.Every)
	}
	return now.UTC().Truncate(time.Hour).Add(time.Hour)
}

// Take makes the pending digest into a message, when it is due and the
// hour's cap allows one more message; the digest becomes s.Sending. A
// digest held back by the cap is due at the next clock hour.
func (s *State) Take(v Volume, sink string, now time.Time) (Message, bool) {
	if s.Sending != nil || len(s.Pending) == 0 && len(s.More) == 0 || now.Before(s.Due) {
		return Message{}, false
	}
	s.roll(now)
	if v.MaxPerHour > 0 && s.Sent >= v.MaxPerHour {
		s.Due = s.Hour.Add(time.Hour)
		return Message{}, false
	}
	s.Sent++
	s.Seq++
	// Alerts come in parallel: a digest lists them oldest first.
	slices.SortStableFunc(s.Pending, func(a, b Item) int { return a.Created.Compare(b.Created) })
	m := Message{ID: DigestID(sink, s.Seq), Digest: true, Items: s.Pending, More: s.More, Time: now.UTC()}
	s.Pending, s.More, s.Due = nil, nil, time.Time{}
	s.Sending = &Outgoing{Message: m}
	return m, true
}

// DigestID is the delivery id of a sink's seq-th digest.
func DigestID(sink string, seq uint64) string {
	return "digest:" + sink + ":" + strconv.FormatUint(seq, 10)
}

func itemBytes(it Item) int {
	n := 64 + len(it.Alert) + len(it.Rule) + len(it.Title) + len(it.URL) + len(it.Feed) + len(it.Lang) + len(it.Snippet)
	for _, b := range it.Bold {
		n += len(b) + 3
	}
	return n
}

func pendingBytes(items []Item) int {
	n := 0
	for _, it := range items {
		n += itemBytes(it)
	}
	return n
}
