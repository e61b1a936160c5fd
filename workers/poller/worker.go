// Package poller fetches feeds and publishes their items as articles on
// articles.raw.<feed>.
//
// Every poller runs a scheduler that publishes a ticket on polls.<feed> when
// a feed is due, with Nats-Msg-Id poll:<feed>:<slot>: JetStream keeps one
// ticket per slot however many pollers publish it, and all pollers share one
// consumer of the tickets. A compare-and-set on the feed's state in
// mw_feed_state makes sure a ticket is fetched once.
package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Stage is this worker's name.
const Stage = "poller"

// Worker is the poller stage: a scheduler and a ticket consumer.
type Worker struct {
	js      jetstream.JetStream
	log     *zap.Logger
	metrics *pipeline.Metrics
	fetcher *Fetcher
	state   StateStore
	feeds   jetstream.KeyValue
	runner  *pipeline.Runner
	boot    string // this process's boot nonce

	mu       sync.Mutex
	static   map[string]config.Source // from the config file
	registry map[string]config.Source // from mw_feeds (feeds add)
}

// New wires the poller to its buckets and consumer.
func New(ctx context.Context, cfg *config.Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	stateKV, err := deps.JS.KeyValue(ctx, pipeline.BucketFeedState)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", pipeline.BucketFeedState, err)
	}
	feedsKV, err := deps.JS.KeyValue(ctx, pipeline.BucketFeeds)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", pipeline.BucketFeeds, err)
	}
	client := &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Duration(cfg.Poller.Timeout),
		DisableCompression:    true, // the fetcher decompresses, after checking the size cap
	}}
	w := &Worker{
		js:       deps.JS,
		log:      log.With(zap.String("worker", Stage)),
		metrics:  deps.Metrics,
		fetcher:  NewFetcher(client, cfg.Poller.UserAgent, time.Duration(cfg.Poller.Timeout), int64(cfg.Poller.MaxBodySize)),
		state:    KVState{stateKV},
		feeds:    feedsKV,
		boot:     fmt.Sprintf("%x", rand.Uint64()),
		registry: map[string]config.Source{},
	}
	w.setStatic(cfg.Sources)
	w.runner = pipeline.NewRunner(deps.JS, pipeline.Consumers[Stage], w.handle, log, pipeline.RunnerOptions{
		Concurrency: 8, // one slow feed never holds up the others
		Timeout:     time.Duration(cfg.Poller.Timeout) + 15*time.Second,
		Metrics:     deps.Metrics,
	})
	return w, nil
}

// Run schedules and fetches until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.watchFeeds(ctx) }()
	go func() { defer wg.Done(); w.schedule(ctx) }()
	err := w.runner.Run(ctx)
	wg.Wait()
	return err
}

// watchFeeds keeps the sources in sync with the mw_feeds registry.
func (w *Worker) watchFeeds(ctx context.Context) {
	for ctx.Err() == nil {
		watcher, err := w.feeds.WatchAll(ctx)
		if err != nil {
			w.log.Warn("watch feed registry failed; retrying", zap.Error(err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
			continue
		}
		for e := range watcher.Updates() {
			if e == nil {
				continue // initial values done
			}
			w.applyFeedEntry(e)
		}
		_ = watcher.Stop()
	}
}

func (w *Worker) applyFeedEntry(e jetstream.KeyValueEntry) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := e.Key()
	if e.Operation() != jetstream.KeyValuePut {
		delete(w.registry, id)
		return
	}
	var s config.Source
	if err := json.Unmarshal(e.Value(), &s); err != nil || s.ID != id || !config.ValidID(id) || s.URL == "" {
		w.log.Warn("ignoring malformed feed registry entry", zap.String("feed", id))
		return
	}
	if s.Interval <= 0 {
		s.Interval = config.Duration(config.DefaultInterval)
	}
	w.registry[id] = s
}

// Reload replaces the sources from the config file; feeds added with
// "feeds add" stay. A new feed is polled at once, a removed one no more.
func (w *Worker) Reload(cfg *config.Config) error {
	w.setStatic(cfg.Sources)
	w.log.Info("sources reloaded", zap.Int("sources", len(cfg.Sources)))
	return nil
}

func (w *Worker) setStatic(sources []config.Source) {
	m := make(map[string]config.Source, len(sources))
	for _, s := range sources {
		m[s.ID] = s
	}
	w.mu.Lock()
	w.static = m
	w.mu.Unlock()
}

// source finds a feed: the config file's first, then the registry's.
func (w *Worker) source(id string) (config.Source, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.static[id]; ok {
		return s, true
	}
	s, ok := w.registry[id]
	return s, ok
}

func (w *Worker) snapshot() []config.Source {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]config.Source, 0, len(w.static)+len(w.registry))
	for _, s := range w.static {
		out = append(out, s)
	}
	for id, s := range w.registry {
		if _, ok := w.static[id]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// schedule publishes a boot ticket for every feed at start (and for feeds
// added later), then one ticket per feed per slot.
func (w *Worker) schedule(ctx context.Context) {
	last := map[string]int64{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		now := time.Now()
		for _, s := range w.snapshot() {
			n, start := slot(s.ID, time.Duration(s.Interval), now)
			prev, seen := last[s.ID]
			if seen && prev == n {
				continue
			}
			t := Ticket{Feed: s.ID, Due: start, Boot: !seen}
			id := fmt.Sprintf("poll:%s:%d", s.ID, n)
			if !seen {
				t.Due = now
				id = fmt.Sprintf("poll:%s:boot-%s", s.ID, w.boot)
			}
			m := nats.NewMsg(pipeline.Subject(pipeline.SubjectPolls, s.ID))
			m.Data = pipeline.Encode(t)
			m.Header.Set(jetstream.MsgIDHeader, id)
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := w.js.PublishMsg(pctx, m)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				w.log.Warn("publish poll ticket failed; will retry", zap.String("feed", s.ID), zap.Error(err))
				continue
			}
			last[s.ID] = n
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// handle fetches the feed a ticket names and publishes its items. Feed
// failures are recorded in the feed's state and counted, not retried through
// the queue: the next slot tries again, with backoff.
func (w *Worker) handle(ctx context.Context, m pipeline.Message) ([]pipeline.Output, error) {
	var t Ticket
	if err := json.Unmarshal(m.Data, &t); err != nil {
		return nil, pipeline.Permanent(fmt.Errorf("decode poll ticket: %w", err))
	}
	src, ok := w.source(t.Feed)
	if !ok {
		w.log.Debug("ticket for a feed no longer configured", zap.String("feed", t.Feed))
		return nil, nil
	}
	log := w.log.With(zap.String("feed", src.ID))

	st, rev, err := w.state.Get(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if !st.LastAttempt.Before(t.Due) && st.Ticket != m.StreamSeq {
		// Another ticket (of this slot, or of pollers that booted
		// together) already covered it.
		return nil, nil
	}
	if !t.Boot && now.Before(st.NotBefore) {
		log.Debug("feed backing off", zap.Time("not_before", st.NotBefore))
		return nil, nil
	}
	claimed := st
	claimed.LastAttempt, claimed.Ticket = now, m.StreamSeq
	rev, ok, err = w.state.Put(ctx, src.ID, claimed, rev)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil // another poller took this ticket's fetch
	}

	arts, resp, ferr := w.poll(ctx, src, st, now)
	if ferr == nil && len(arts) > 0 {
		outs := make([]pipeline.Output, 0, len(arts))
		for i := range arts {
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectRaw, src.ID),
				MsgID:   Stage + ":" + arts[i].ID,
				Data:    pipeline.Encode(arts[i]),
			})
		}
		if err := pipeline.Publish(ctx, w.js, outs); err != nil {
			// Keep the old validators so the retry fetches the items again.
			_, _, _ = w.state.Put(ctx, src.ID, st, rev)
			return nil, err
		}
	}

	next := claimed
	if ferr != nil {
		next.Failures++
		next.LastError = ferr.Error()
		next.NotBefore = now.Add(backoff(time.Duration(src.Interval), next.Failures, ferr))
		w.metrics.Counter(fmt.Sprintf("mediawatch_feed_failures_total{feed=%q}", src.ID)).Add(1)
		log.Warn("fetch feed failed", zap.Error(ferr), zap.Int("failures", next.Failures), zap.Time("next_try", next.NotBefore))
	} else {
		next.Failures, next.LastError, next.NotBefore = 0, "", time.Time{}
		next.LastSuccess = now
		if resp != nil && !resp.NotModified {
			next.ETag, next.LastModified, next.Articles = resp.ETag, resp.LastModified, len(arts)
		}
		w.metrics.Counter(fmt.Sprintf("mediawatch_feed_polls_total{feed=%q}", src.ID)).Add(1)
		log.Debug("fetched feed", zap.Int("articles", len(arts)), zap.Bool("not_modified", resp != nil && resp.NotModified))
	}
	if _, _, err := w.state.Put(ctx, src.ID, next, rev); err != nil {
		log.Warn("save feed state failed", zap.Error(err))
	}
	return nil, nil
}

// poll fetches and parses one feed.
func (w *Worker) poll(ctx context.Context, src config.Source, st State, now time.Time) ([]pipeline.Article, *Response, error) {
	resp, err := w.fetcher.Fetch(ctx, src.URL, Validators{ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return nil, nil, fmt.Errorf("feed %q: %w", src.ID, err)
	}
	if resp.NotModified {
		return nil, resp, nil
	}
	_, arts, err := Parse(src.ID, resp.Body, resp.ContentType, now)
	if err != nil {
		return nil, resp, fmt.Errorf("feed %q: %w", src.ID, err)
	}
	if lang := normalizeLang(src.Lang); lang != "" {
		for i := range arts {
			arts[i].Lang, arts[i].LangConf = lang, 1
		}
	}
	return arts, resp, nil
}

// backoff is how long a failing feed rests: its interval doubled per
// consecutive failure up to 6h, or what the server asked for with
// Retry-After.
func backoff(interval time.Duration, failures int, err error) time.Duration {
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		return he.RetryAfter
	}
	d := interval
	for i := 1; i < failures && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour) - interval/2 // the next slot's ticket lands within it
}
