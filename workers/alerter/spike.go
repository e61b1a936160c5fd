package alerter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/story"
)

// SpikeState keeps the spike rules' counts and when each last fired.
type SpikeState interface {
	// Record counts story in a slot of rule; counting it again is a no-op.
	Record(ctx context.Context, rule string, slot int64, story string) error
	// Counts returns the stories counted in each slot of rule.
	Counts(ctx context.Context, rule string) (map[int64]int, error)
	// Fire records that rule fires at slot unless it fired fewer than
	// quiet slots before, and reports whether it fires (true again for the
	// same slot: a redelivery).
	Fire(ctx context.Context, rule string, slot, quiet int64) (bool, error)
}

// JSSpikes keeps spike state in JetStream: one message per (rule, slot,
// story) on spikes.<rule>.<slot> (stream SPIKES, 8 days), counted by
// subject, and the slot a rule last fired at under <rule>.fired in the
// claims bucket, changed by compare-and-set so that one replica fires.
type JSSpikes struct {
	JS jetstream.JetStream
	KV jetstream.KeyValue
}

// Record implements SpikeState.
func (j JSSpikes) Record(ctx context.Context, rule string, slot int64, story string) error {
	s := strconv.FormatInt(slot, 10)
	m := nats.NewMsg(pipeline.Subject(pipeline.SubjectSpikes, rule+"."+s))
	m.Header.Set(jetstream.MsgIDHeader, pipeline.SpikeMsgID(rule, s, story))
	m.Data = []byte(story)
	if _, err := j.JS.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("count story for spike rule %s: %w", rule, err)
	}
	return nil
}

// Counts implements SpikeState.
func (j JSSpikes) Counts(ctx context.Context, rule string) (map[int64]int, error) {
	stream, err := j.JS.Stream(ctx, pipeline.StreamSpikes)
	if err != nil {
		return nil, fmt.Errorf("read spike counts of %s: %w", rule, err)
	}
	prefix := pipeline.Subject(pipeline.SubjectSpikes, rule) + "."
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(prefix+">"))
	if err != nil {
		return nil, fmt.Errorf("read spike counts of %s: %w", rule, err)
	}
	out := make(map[int64]int, len(info.State.Subjects))
	for subj, n := range info.State.Subjects {
		if slot, err := strconv.ParseInt(strings.TrimPrefix(subj, prefix), 10, 64); err == nil {
			out[slot] += int(n)
		}
	}
	return out, nil
}

// Fire implements SpikeState.
func (j JSSpikes) Fire(ctx context.Context, rule string, slot, quiet int64) (bool, error) {
	key := rule + ".fired"
	val := []byte(strconv.FormatInt(slot, 10))
	e, err := j.KV.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		if _, err := j.KV.Create(ctx, key, val); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				return false, nil // another replica fired first
			}
			return false, fmt.Errorf("fire spike rule %s: %w", rule, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("fire spike rule %s: %w", rule, err)
	}
	last, _ := strconv.ParseInt(string(e.Value()), 10, 64)
	if last == slot {
		return true, nil
	}
	if slot-last < quiet {
		return false, nil
	}
	if _, err := j.KV.Update(ctx, key, val, e.Revision()); err != nil {
		// Another replica fired first (a replicated bucket reports that
		// as a revision mismatch only).
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return false, nil
		}
		return false, fmt.Errorf("fire spike rule %s: %w", rule, err)
	}
	return true, nil
}

// spikeAlerts evaluates the spike rules on an article: a story mentioning a
// rule's entity is counted once (its first article to arrive claims it),
// and once counted, the rule fires when the counts say so, at most once a
// window. The story counts in the slot of at, when the article was stored
// in its stream: a redelivery, however late, counts it in the same slot
// and fires the same alert again (the same Msg-Id), where the slot of its
// handling would count it twice and lose the alert.
//
// It returns the alerts and the claims it holds, to settle once they are
// stored.
func (e *Engine) spikeAlerts(ctx context.Context, a *pipeline.Article, at, now time.Time, claims Claims, state SpikeState) (out []pipeline.Output, held []heldClaim, err error) {
	if len(e.spikes) == 0 || a.Story == nil || claims == nil || state == nil {
		return nil, nil, nil
	}
	for _, sp := range e.spikes {
		var hits []pipeline.Entity
		for _, ent := range a.Entities {
			if ent.ID == sp.Entity {
				hits = append(hits, ent)
			}
		}
		if len(hits) == 0 {
			continue
		}
		key := ClaimKey(sp.Rule, a.Story.ID)
		ok, rev, err := claims.Claim(ctx, key, a.ID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue // the story is counted already
		}
		held = append(held, heldClaim{key, rev})
		slot := story.SlotOf(at)
		if err := state.Record(ctx, sp.Rule, slot, a.Story.ID); err != nil {
			return nil, nil, err
		}
		perSlot, err := state.Counts(ctx, sp.Rule)
		if err != nil {
			return nil, nil, err
		}
		k := int64(sp.Window / story.Slot)
		c := story.CountSpike(perSlot, slot, k)
		if !sp.Fires(c) {
			continue
		}
		fire, err := state.Fire(ctx, sp.Rule, slot, k)
		if err != nil {
			return nil, nil, err
		}
		if fire {
			out = append(out, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectAlerts, sp.Rule),
				MsgID:   pipeline.AlertMsgID(sp.Rule, spikeToken(slot)),
				Data:    pipeline.Encode(spikeAlert(sp, a, hits, c, slot, now)),
			})
		}
	}
	return out, held, nil
}

// spikeToken stands for the article id in a spike alert's ids: one alert
// per rule and slot.
func spikeToken(slot int64) string { return "spike-" + strconv.FormatInt(slot, 10) }

func spikeAlert(sp story.Spike, a *pipeline.Article, hits []pipeline.Entity, c story.SpikeCounts, slot int64, now time.Time) pipeline.Alert {
	art := *a
	art.Content = ""
	var ids []string
	seen := map[string]bool{}
	for _, ent := range a.Entities {
		if !seen[ent.ID] {
			seen[ent.ID] = true
			ids = append(ids, ent.ID)
		}
	}
	h := hits[0]
	return pipeline.Alert{
		Schema:   pipeline.AlertSchema,
		ID:       pipeline.AlertID(sp.Rule, spikeToken(slot)),
		Rule:     sp.Rule,
		Query:    fmt.Sprintf("spike entity:%s factor %g window %s min %d", sp.Entity, sp.Factor, sp.Window, sp.Min),
		Created:  now.UTC(),
		Article:  art,
		Entities: ids,
		Matches:  []pipeline.Match{{Term: "entity:" + sp.Entity, Surface: h.Surface, Field: h.Field}},
		Story:    storyOf(a),
		Spike: &pipeline.Spike{
			Entity: sp.Entity, Window: sp.Window.String(), End: time.Unix((slot+1)*int64(story.Slot/time.Second), 0).UTC(),
			Count: c.Count, Baseline: c.Baseline, Days: c.Days, Factor: sp.Factor, Min: sp.Min,
		},
	}
}
