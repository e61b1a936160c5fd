package pipeline

// Hooks for the external tests of this package.

// SetAfterPublish makes a runner call f after the outputs of a message are
// stored and before its ack; an error fails the attempt.
func SetAfterPublish(o *RunnerOptions, f func(Message) error) { o.afterPublish = f }

// Publish is publish.
var Publish = publish

func (s *StageStats) Processed() uint64 { return s.processed.Load() }
func (s *StageStats) Published() uint64 { return s.published.Load() }
