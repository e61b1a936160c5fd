package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StageStatus is one stage's backlog as the server sees it.
type StageStatus struct {
	Stage       string `json:"stage"`
	Stream      string `json:"stream"`
	Stored      uint64 `json:"stored"`        // messages in the input stream
	Pending     uint64 `json:"pending"`       // not yet delivered
	AckPending  int    `json:"ack_pending"`   // delivered, not yet acknowledged
	Redelivered int    `json:"redelivered"`   // delivered more than once, not yet acknowledged
	Pulls       int    `json:"pull_requests"` // pull requests waiting: about one per running replica
	DeadLetters uint64 `json:"dead_letters"`  // in dlq.<stage>
	// Rate is how fast the consumer's ack floor moved over the sample, in
	// deliveries per second: redeliveries count, and a message held
	// unacknowledged holds the floor back until it is acknowledged.
	Rate     float64 `json:"rate"`
	ackFloor uint64
}

// Status is what the server holds for the pipeline: every stage's backlog
// and every stream's size.
type Status struct {
	Stages  []StageStatus     `json:"stages"`
	Streams map[string]uint64 `json:"streams"`
}

// Inspect reads the backlog of every stage and the size of every stream.
// With sample > 0 it reads them twice, sample apart, and sets each stage's
// Rate. Streams and consumers that do not exist yet (nothing has run against
// this server) read as empty.
func Inspect(ctx context.Context, js jetstream.JetStream, stages []ConsumerSpec, sample time.Duration) (*Status, error) {
	st, err := inspect(ctx, js, stages)
	if err != nil || sample <= 0 {
		return st, err
	}
	if !Sleep(ctx, sample) {
		return nil, ctx.Err()
	}
	later, err := inspect(ctx, js, stages)
	if err != nil {
		return nil, err
	}
	for i := range later.Stages {
		// A consumer made anew during the sample starts its floor again:
		// no rate then, rather than an underflow.
		if a, b := st.Stages[i].ackFloor, later.Stages[i].ackFloor; b >= a {
			later.Stages[i].Rate = float64(b-a) / sample.Seconds()
		}
	}
	return later, nil
}

func inspect(ctx context.Context, js jetstream.JetStream, stages []ConsumerSpec) (*Status, error) {
	st := &Status{Streams: map[string]uint64{}}
	var deadLetters map[string]uint64
	for _, spec := range Streams() {
		s, err := js.Stream(ctx, spec.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", spec.Name, err)
		}
		var opts []jetstream.StreamInfoOpt
		if spec.Name == StreamDLQ {
			opts = append(opts, jetstream.WithSubjectFilter(All(SubjectDLQ)))
		}
		info, err := s.Info(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", spec.Name, err)
		}
		st.Streams[spec.Name] = info.State.Msgs
		if spec.Name == StreamDLQ {
			deadLetters = info.State.Subjects
		}
	}
	for _, spec := range stages {
		ss := StageStatus{
			Stage: spec.Name(), Stream: spec.Stream, Stored: st.Streams[spec.Stream],
			DeadLetters: deadLetters[Subject(SubjectDLQ, spec.Stage)],
		}
		if cons, err := js.Consumer(ctx, spec.Stream, spec.Name()); err == nil {
			if info, err := cons.Info(ctx); err == nil {
				ss.Pending, ss.AckPending, ss.Redelivered, ss.Pulls = info.NumPending, info.NumAckPending, info.NumRedelivered, info.NumWaiting
				ss.ackFloor = info.AckFloor.Consumer
			}
		}
		st.Stages = append(st.Stages, ss)
	}
	return st, nil
}
