package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// State is what the poller remembers of a feed, in KV mw_feed_state.
type State struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	Failures     int       `json:"failures"`
	LastError    string    `json:"last_error,omitempty"`
	NotBefore    time.Time `json:"not_before,omitzero"` // backoff after failures or a 429
	// Asked says NotBefore is a rest the server asked for (Retry-After),
	// which even a poller's first ticket after its start keeps to.
	Asked    bool `json:"asked,omitempty"`
	Articles int  `json:"articles"` // items in the last successful fetch
	// URL is the feed's URL that the validators and the backoff are of:
	// a feed whose URL changed starts afresh.
	URL string `json:"url,omitempty"`
	// Ticket is the stream sequence of the poll ticket that last claimed
	// the feed, so a redelivery of that ticket (its poller died mid-fetch)
	// fetches again while other tickets of the slot are skipped.
	Ticket uint64 `json:"ticket,omitempty"`
	// Until is set while a fetch holds the feed: no other ticket fetches it
	// before then, so one slow feed never takes more than one fetch at a
	// time. A fetch clears it when it commits; a poller that dies holding
	// it lets it lapse.
	Until time.Time `json:"until,omitzero"`
}

// StateStore keeps feed states with compare-and-set, so two pollers never
// fetch the same feed for the same ticket.
type StateStore interface {
	Get(ctx context.Context, feed string) (State, uint64, error)
	// Put stores s if the stored revision is still rev (0: no state yet);
	// it reports false if another poller got there first.
	Put(ctx context.Context, feed string, s State, rev uint64) (uint64, bool, error)
}

// KVState is StateStore on the mw_feed_state bucket.
type KVState struct{ KV jetstream.KeyValue }

// FeedState is one feed's state, as status shows it.
type FeedState struct {
	Feed string `json:"feed"`
	State
}

// List returns every feed's state, by feed id. Unreadable entries are
// skipped.
func (k KVState) List(ctx context.Context) ([]FeedState, error) {
	keys, err := k.KV.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list feed states: %w", err)
	}
	var out []FeedState
	for key := range keys.Keys() {
		e, err := k.KV.Get(ctx, key)
		if err != nil {
			continue // deleted in between
		}
		f := FeedState{Feed: key}
		if json.Unmarshal(e.Value(), &f.State) == nil {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b FeedState) int { return strings.Compare(a.Feed, b.Feed) })
	return out, nil
}

// Get returns the state and its revision (0 when none is stored).
func (k KVState) Get(ctx context.Context, feed string) (State, uint64, error) {
	e, err := k.KV.Get(ctx, feed)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return State{}, 0, nil
	}
	if err != nil {
		return State{}, 0, fmt.Errorf("get state of %s: %w", feed, err)
	}
	var s State
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return State{}, e.Revision(), nil //nolint:nilerr // unreadable state: start afresh
	}
	return s, e.Revision(), nil
}

// Put is a compare-and-set on the revision.
func (k KVState) Put(ctx context.Context, feed string, s State, rev uint64) (uint64, bool, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return 0, false, fmt.Errorf("encode state: %w", err)
	}
	var n uint64
	if rev == 0 {
		n, err = k.KV.Create(ctx, feed, b)
	} else {
		n, err = k.KV.Update(ctx, feed, b, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("put state of %s: %w", feed, err)
	}
	return n, true, nil
}
