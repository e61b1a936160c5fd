package tagger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/story"
)

// Assigner puts an article in its story. seq is the article's sequence in
// stream ARTICLES, at the time it was stored there.
type Assigner interface {
	Assign(ctx context.Context, seq uint64, at time.Time, a *pipeline.Article) (pipeline.Story, error)
}

// Sign is the story signature of an article: its title and the start of
// its summary and content.
func Sign(a *pipeline.Article) story.Signature {
	return story.Sign(a.Title, a.Summary, a.Content)
}

// Local assigns stories in the order Assign is called, with an index of
// its own: for tests and benchmarks, and for one tagger alone. It is safe
// for concurrent use.
type Local struct {
	mu sync.Mutex
	x  *story.Index
}

// NewLocal returns a Local assigner with a window (story.DefaultWindow when
// not positive).
func NewLocal(window time.Duration) *Local { return &Local{x: story.NewIndex(window)} }

// Assign implements Assigner.
func (l *Local) Assign(_ context.Context, seq uint64, at time.Time, a *pipeline.Article) (pipeline.Story, error) {
	sig := Sign(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	as := l.x.Add(a.ID, seq, at, sig)
	return pipeline.Story{ID: as.ID, Size: as.Size}, nil
}

// StoryLog assigns stories from the ordered log of stream ARTICLES: every
// tagger replica reads the same articles in the same order into an index of
// its own, and so computes the same assignments, whichever replica handles
// an article. Its state is the stream: a restarted tagger reads the log
// back from two windows before the first article it has still to tag.
type StoryLog struct {
	js     jetstream.JetStream
	window time.Duration
	log    *zap.Logger

	signer story.Signer // of the goroutine reading the log

	mu      sync.Mutex
	x       *story.Index
	done    map[uint64]assigned // by stream sequence
	order   []uint64            // the keys of done in log order, for pruning
	first   uint64              // the first sequence read (0: none yet)
	reached uint64              // the last sequence read
	// waiting are the handlers waiting for the log to reach a sequence:
	// each is woken once, when the log reaches it (not on every message).
	waiting map[uint64][]chan struct{}
	// kept are the articles the log decoded lately, by sequence modulo
	// its length, for this replica's handler to take instead of decoding
	// the same message again.
	kept [keptLen]keptArticle
}

// keptLen is how many of the articles it read last the log keeps decoded:
// enough for the handlers, which are a batch behind it at most.
const keptLen = 512

type keptArticle struct {
	seq uint64
	a   *pipeline.Article
}

type assigned struct {
	story pipeline.Story
	at    time.Time
}

// NewStoryLog returns the log of a window (story.DefaultWindow when not
// positive); Run reads it.
func NewStoryLog(js jetstream.JetStream, window time.Duration, log *zap.Logger) *StoryLog {
	if window <= 0 {
		window = story.DefaultWindow
	}
	return &StoryLog{js: js, window: window, log: log, x: story.NewIndex(window), done: map[uint64]assigned{}, waiting: map[uint64][]chan struct{}{}}
}

// start is where the log starts: two windows before the first article the
// tagger has still to tag (or before now), so that the stories of the
// articles to tag are those a log that never stopped would give them
// unless a story's copies run for longer than that.
func (l *StoryLog) start(ctx context.Context) time.Time {
	from := time.Now()
	stream, err := l.js.Stream(ctx, pipeline.StreamArticles)
	if err == nil {
		var ci *jetstream.ConsumerInfo
		if cons, cerr := stream.Consumer(ctx, Stage); cerr == nil {
			ci, err = cons.Info(ctx)
		} else {
			err = cerr
		}
		if err == nil {
			var m *jetstream.RawStreamMsg
			m, err = stream.GetMsg(ctx, ci.AckFloor.Stream+1, jetstream.WithGetMsgSubject(pipeline.All(pipeline.SubjectNew)))
			if err == nil && m.Time.Before(from) {
				from = m.Time
			}
		}
	}
	if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		l.log.Debug("story log starts from now", zap.Error(err))
	}
	return from.Add(-2 * l.window)
}

// Run reads the log until ctx ends; it returns nil then.
func (l *StoryLog) Run(ctx context.Context) error {
	if err := l.read(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	return nil // done, or stopped (whatever the last error was)
}

func (l *StoryLog) read(ctx context.Context) error {
	stream, err := l.js.Stream(ctx, pipeline.StreamArticles)
	if err != nil {
		return fmt.Errorf("read the story log: %w", err)
	}
	from := l.start(ctx)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{pipeline.All(pipeline.SubjectNew)},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &from,
	})
	if err != nil {
		return fmt.Errorf("read the story log: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("read the story log: %w", err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	l.log.Info("story log started", zap.Time("from", from), zap.Duration("window", l.window))
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("read the story log: %w", err)
		}
		meta, err := m.Metadata()
		if err != nil {
			continue
		}
		l.add(meta.Sequence.Stream, meta.Timestamp, m.Data())
	}
}

// add reads one article of the log.
func (l *StoryLog) add(seq uint64, at time.Time, data []byte) {
	a, err := pipeline.DecodeArticle(data)
	var sig story.Signature
	if err == nil {
		sig = l.signer.Sign(a.Title, a.Summary, a.Content)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		as := l.x.Add(a.ID, seq, at, sig)
		l.done[seq] = assigned{story: pipeline.Story{ID: as.ID, Size: as.Size}, at: at}
		l.order = append(l.order, seq)
		l.kept[seq%keptLen] = keptArticle{seq: seq, a: a}
	}
	// An assignment is kept for two windows of the log, so a tagger that is
	// behind the log still finds it.
	n := 0
	for n < len(l.order) && l.done[l.order[n]].at.Before(at.Add(-2*l.window)) {
		delete(l.done, l.order[n])
		n++
	}
	if n > 0 {
		l.order = append(l.order[:0], l.order[n:]...)
	}
	if l.first == 0 {
		l.first = seq
	}
	prev := l.reached
	l.reached = max(l.reached, seq)
	if seq == prev+1 {
		l.wake(seq)
		return
	}
	// A gap (messages deleted, or the first message read): wake every
	// handler waiting for a sequence reached.
	for s := range l.waiting {
		if s <= l.reached {
			l.wake(s)
		}
	}
}

// wake wakes the handlers waiting for seq; l.mu is held.
func (l *StoryLog) wake(seq uint64) {
	for _, ch := range l.waiting[seq] {
		close(ch)
	}
	delete(l.waiting, seq)
}

// Decoded returns the article at seq as the log decoded it, once: the
// caller owns it. It returns nil when the log has not read it yet, has
// read it too long ago, or could not decode it.
func (l *StoryLog) Decoded(seq uint64) *pipeline.Article {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := &l.kept[seq%keptLen]
	if k.seq != seq || k.a == nil {
		return nil
	}
	a := k.a
	k.a = nil
	return a
}

// Assign waits until the log has read the article at seq and returns the
// story the log put it in. An article the log cannot tell (it was stored
// before the log starts, or forgotten) is a story of its own.
func (l *StoryLog) Assign(ctx context.Context, seq uint64, _ time.Time, a *pipeline.Article) (pipeline.Story, error) {
	for {
		l.mu.Lock()
		reached, first := l.reached, l.first
		got, ok := l.done[seq]
		var ch chan struct{}
		if !ok && (reached < seq || first == 0) {
			ch = make(chan struct{})
			l.waiting[seq] = append(l.waiting[seq], ch)
		}
		l.mu.Unlock()
		if ok {
			return got.story, nil
		}
		if ch == nil {
			if seq >= first {
				l.log.Warn("article not in the story log: a story of its own", zap.String("article_id", a.ID), zap.Uint64("stream_seq", seq))
			}
			return pipeline.Story{ID: a.ID, Size: 1}, nil
		}
		select {
		case <-ctx.Done():
			l.mu.Lock()
			l.waiting[seq] = slices.DeleteFunc(l.waiting[seq], func(c chan struct{}) bool { return c == ch })
			if len(l.waiting[seq]) == 0 {
				delete(l.waiting, seq)
			}
			l.mu.Unlock()
			return pipeline.Story{}, fmt.Errorf("wait for the story log to reach sequence %d (it is at %d): %w", seq, reached, ctx.Err())
		case <-ch:
		}
	}
}
