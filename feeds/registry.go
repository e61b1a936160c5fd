package feeds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotRegistered says a feed is not in the registry.
var ErrNotRegistered = errors.New("not in the feed registry")

// ErrRegistered says a feed id is already taken in the registry.
var ErrRegistered = errors.New("id already in the feed registry")

// Registry is the feeds added at run time, in the KV bucket mw_feeds: one
// entry per feed, its key the feed id, its value Encode(source). Running
// pollers watch it.
type Registry struct {
	kv jetstream.KeyValue
}

// NewRegistry is the registry in kv.
func NewRegistry(kv jetstream.KeyValue) *Registry { return &Registry{kv: kv} }

// Put adds or replaces a feed; it must pass Validate.
func (r *Registry) Put(ctx context.Context, s Source) error {
	if err := Validate(s); err != nil {
		return fmt.Errorf("add feed %q: %w", s.ID, err)
	}
	if _, err := r.kv.Put(ctx, s.ID, Encode(s)); err != nil {
		return fmt.Errorf("add feed %q: %w", s.ID, err)
	}
	return nil
}

// Add adds a feed whose id is not in the registry yet; it must pass Validate.
// It fails with ErrRegistered when the id is taken, so that an import does
// not replace a feed added since it listed the registry, nor an entry that
// List left out because it does not decode.
func (r *Registry) Add(ctx context.Context, s Source) error {
	if err := Validate(s); err != nil {
		return fmt.Errorf("add feed %q: %w", s.ID, err)
	}
	if _, err := r.kv.Create(ctx, s.ID, Encode(s)); errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("add feed %q: %w", s.ID, ErrRegistered)
	} else if err != nil {
		return fmt.Errorf("add feed %q: %w", s.ID, err)
	}
	return nil
}

// Remove deletes a feed; it fails with ErrNotRegistered when there is none.
func (r *Registry) Remove(ctx context.Context, id string) error {
	if _, err := r.kv.Get(ctx, id); errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("remove feed %q: %w", id, ErrNotRegistered)
	} else if err != nil {
		return fmt.Errorf("remove feed %q: %w", id, err)
	}
	if err := r.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("remove feed %q: %w", id, err)
	}
	return nil
}

// List returns every valid feed, by id, and the problems of the entries it
// left out.
func (r *Registry) List(ctx context.Context) ([]Source, []error, error) {
	keys, err := r.kv.ListKeys(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list feeds: %w", err)
	}
	var out []Source
	var bad []error
	for k := range keys.Keys() {
		e, err := r.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // removed in between
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list feeds: %w", err)
		}
		s, err := Decode(k, e.Value())
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Source) int { return strings.Compare(a.ID, b.ID) })
	return out, bad, nil
}

// Change is one update of the registry seen by Watch: a feed put (Source
// set), removed (Removed), or an entry that does not decode (Err set).
type Change struct {
	ID      string
	Source  Source
	Removed bool
	Err     error
}

// Watch calls apply with every entry of the registry, then with every change,
// until ctx ends or the watch fails; the caller restarts it after a
// failure. It returns nil when ctx ends.
func (r *Registry) Watch(ctx context.Context, apply func(Change)) error {
	w, err := r.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch feed registry: %w", err)
	}
	defer func() { _ = w.Stop() }()
	for e := range w.Updates() {
		if e == nil {
			continue // the initial values are done
		}
		c := Change{ID: e.Key()}
		if e.Operation() != jetstream.KeyValuePut {
			c.Removed = true
		} else {
			c.Source, c.Err = Decode(e.Key(), e.Value())
		}
		apply(c)
	}
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("watch feed registry: the watch ended")
}
