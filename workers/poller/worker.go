// Package poller is the polling stage: it fetches feeds (package reader)
// and publishes their items as articles on articles.raw.<feed>.
//
// Every poller runs a scheduler that publishes a ticket on polls.<feed> when
// a feed is due, with Nats-Msg-Id poll:<feed>:<slot>: JetStream keeps one
// ticket per slot however many pollers publish it, and all pollers share one
// consumer of the tickets. A compare-and-set on the feed's state in
// mw_feed_state makes sure a ticket is fetched once; the state is committed
// only once the feed's articles are stored.
package poller

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/reader"
)

// Stage is this worker's name.
const Stage = "poller"

// Spec is the stage's input: the poll tickets.
func Spec() pipeline.ConsumerSpec {
	return pipeline.ConsumerSpec{Stage: Stage, Stream: pipeline.StreamPolls, Subject: pipeline.All(pipeline.SubjectPolls)}
}

// concurrency is how many feeds one poller fetches at once, so that one
// slow feed never holds up the others.
const concurrency = 8

// Ticket is the message on polls.<feed>.
type Ticket = pipeline.Ticket

// Config is the poller's part of the configuration.
type Config struct {
	UserAgent     string
	Timeout       time.Duration // per request
	MaxBody       int64         // after decompression
	MaxItems      int           // published per fetch
	MaxRetryAfter time.Duration // the longest rest a Retry-After may ask for
	// AllowPrivate lets feeds of the registry reach non-public addresses;
	// the Sources (the config file's) always may.
	AllowPrivate bool
	Sources      []feeds.Source
}

// ConfigFrom picks the stage's part of the configuration.
func ConfigFrom(c *config.Config) Config {
	return Config{
		UserAgent:     c.Poller.UserAgent,
		Timeout:       time.Duration(c.Poller.Timeout),
		MaxBody:       int64(c.Poller.MaxBodySize),
		MaxItems:      c.Poller.MaxItems,
		MaxRetryAfter: time.Duration(c.Poller.MaxRetryAfter),
		AllowPrivate:  c.Poller.AllowPrivateNetworks,
		Sources:       config.Feeds(c.Sources),
	}
}

// Worker is the poller stage: a scheduler and a ticket consumer.
type Worker struct {
	js       jetstream.JetStream
	log      *zap.Logger
	metrics  *pipeline.Metrics
	trusted  *reader.Fetcher // for the config file's feeds
	guarded  *reader.Fetcher // for the registry's: public addresses only, unless allowed
	limits   reader.Limits
	claimFor time.Duration // how long a fetch holds its feed at most
	maxRest  time.Duration // cap on Retry-After
	state    feeds.StateStore
	registry *feeds.Registry
	runner   *pipeline.Runner
	boot     string        // this process's boot nonce
	boots    atomic.Uint64 // boot tickets published, for their Msg-Ids

	mu      sync.Mutex
	static  map[string]feeds.Source // from the config file
	dynamic map[string]feeds.Source // from mw_feeds (feeds add)
	snap    []feeds.Source          // both, as snapshot returns them; nil after a change
}

// New wires the poller to its buckets and consumer.
func New(ctx context.Context, cfg Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	stateKV, err := deps.JS.KeyValue(ctx, pipeline.BucketFeedState)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", pipeline.BucketFeedState, err)
	}
	feedsKV, err := deps.JS.KeyValue(ctx, pipeline.BucketFeeds)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", pipeline.BucketFeeds, err)
	}
	limits := reader.DefaultLimits()
	if cfg.MaxItems > 0 {
		limits.MaxItems = cfg.MaxItems
	}
	// A body compressed twice gets the same cap after its second layer.
	limits.MaxBody = cmp.Or(max(cfg.MaxBody, 0), reader.DefaultMaxBody)
	w := &Worker{
		js:       deps.JS,
		log:      log.With(zap.String("worker", Stage)),
		metrics:  deps.Metrics,
		trusted:  reader.NewFetcher(nil, cfg.UserAgent, cfg.Timeout, cfg.MaxBody),
		guarded:  reader.NewFetcher(reader.NewClient(cfg.Timeout, !cfg.AllowPrivate), cfg.UserAgent, cfg.Timeout, cfg.MaxBody),
		limits:   limits,
		claimFor: handleTimeout(cfg),
		maxRest:  cfg.MaxRetryAfter,
		state:    feeds.KVState{KV: stateKV},
		registry: feeds.NewRegistry(feedsKV),
		boot:     fmt.Sprintf("%x", rand.Uint64()),
		dynamic:  map[string]feeds.Source{},
	}
	w.setStatic(cfg.Sources)
	w.runner = pipeline.NewRunner(deps.JS, Spec(), w.handle, log, pipeline.RunnerOptions{
		Concurrency: concurrency,
		Timeout:     w.claimFor,
		Metrics:     deps.Metrics,
	})
	return w, nil
}

// handleTimeout bounds the handling of one ticket: the fetch, the parse and
// the publishing of its articles.
func handleTimeout(cfg Config) time.Duration {
	t := cfg.Timeout
	if t <= 0 {
		t = reader.DefaultTimeout
	}
	return t + 15*time.Second
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
	b := pipeline.RetryBackoff()
	for ctx.Err() == nil {
		err := w.registry.Watch(ctx, w.applyChange)
		if err == nil {
			return
		}
		d := b.NextBackOff()
		w.log.Warn("watch feed registry failed; retrying", zap.Error(err), zap.Duration("retry_in", d))
		pipeline.Sleep(ctx, d)
	}
}

func (w *Worker) applyChange(c feeds.Change) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.snap = nil
	switch {
	case c.Removed:
		delete(w.dynamic, c.ID)
	case c.Err != nil:
		w.log.Warn("ignoring malformed feed registry entry", zap.String("feed", c.ID), zap.Error(c.Err))
	default:
		w.dynamic[c.ID] = c.Source
	}
}

// Reload replaces the sources from the config file; feeds added with
// "feeds add" stay. A new feed is polled at once, a removed one no more.
func (w *Worker) Reload(cfg Config) error {
	w.setStatic(cfg.Sources)
	w.log.Info("sources reloaded", zap.Int("sources", len(cfg.Sources)))
	return nil
}

func (w *Worker) setStatic(sources []feeds.Source) {
	m := make(map[string]feeds.Source, len(sources))
	for _, s := range sources {
		m[s.ID] = s
	}
	w.mu.Lock()
	w.static, w.snap = m, nil
	w.mu.Unlock()
}

// source finds a feed: the config file's first, then the registry's, with
// the fetcher for it.
func (w *Worker) source(id string) (feeds.Source, *reader.Fetcher, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.static[id]; ok {
		return s, w.trusted, true
	}
	s, ok := w.dynamic[id]
	return s, w.guarded, ok
}

// snapshot is every source, the config file's and the registry's: a slice
// the caller must not modify, built again only after a change.
func (w *Worker) snapshot() []feeds.Source {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.snap != nil {
		return w.snap
	}
	out := make([]feeds.Source, 0, len(w.static)+len(w.dynamic))
	for _, s := range w.static {
		out = append(out, s)
	}
	for id, s := range w.dynamic {
		if _, ok := w.static[id]; !ok {
			out = append(out, s)
		}
	}
	w.snap = out
	return out
}

// The scheduler wakes when the next slot of any feed starts, but at least
// once every maxWake (so that feeds added or reloaded are seen within it,
// and a ticket whose publish failed is tried again) and at most once every
// minWake.
const (
	maxWake = time.Second
	minWake = 5 * time.Millisecond
)

// slotState is what the scheduler remembers of a feed, so that a pass over
// a thousand feeds looks each one up rather than computing its slot.
type slotState struct {
	n        int64         // the slot whose ticket is stored
	interval time.Duration // the interval n is of
	url      string        // the feed's URL then: a feed that moves is polled at once
	next     time.Time     // when the slot after n starts
}

// slots is the scheduler's memory, by feed id.
type slots map[string]slotState

// pass publishes, with publish, the ticket of every feed of srcs whose slot
// has started at now and whose ticket is not stored yet: a boot ticket for
// a feed it has not seen, the slot's otherwise. A feed whose publish failed
// is tried again at the next pass. A feed no longer in srcs is forgotten
// (added again, it gets a boot ticket). It returns when the next slot of
// any feed starts, at most maxWake after now.
func (l slots) pass(srcs []feeds.Source, now time.Time, publish func(s feeds.Source, n int64, start time.Time, boot bool) error) time.Time {
	wake := now.Add(maxWake)
	kept := 0 // feeds of srcs that l holds
	for _, s := range srcs {
		st, seen := l[s.ID]
		if seen {
			kept++
		}
		if seen && st.interval == s.Interval && st.url == s.URL && now.Before(st.next) {
			wake = earliest(wake, st.next)
			continue
		}
		n, start := feeds.Slot(s.ID, s.Interval, now)
		done := slotState{n: n, interval: s.Interval, url: s.URL, next: feeds.NextSlot(s.ID, s.Interval, now)}
		boot := !seen || st.url != s.URL
		if (boot || st.n != n) && publish(s, n, start, boot) != nil {
			continue
		}
		if !seen {
			kept++
		}
		l[s.ID] = done
		wake = earliest(wake, done.next)
	}
	if len(l) > kept {
		forget(l, srcs)
	}
	return wake
}

// forget drops from m the feeds that are not in srcs.
func forget[V any](m map[string]V, srcs []feeds.Source) {
	present := make(map[string]bool, len(srcs))
	for _, s := range srcs {
		present[s.ID] = true
	}
	for id := range m {
		if !present[id] {
			delete(m, id)
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// inProcessWake is how soon the scheduler asks again for a ticket that
// another poller was storing at the same moment, and inProcessTries how
// many times in a row before that is warned about as any other failure.
const (
	inProcessWake  = 50 * time.Millisecond
	inProcessTries = 5
)

// errCodeInProcess is the server's "duplicate message id is in process": a
// message with the same Msg-Id is being stored (clustered streams say so
// until it is committed).
const errCodeInProcess jetstream.ErrorCode = 10158

// inProcess tells whether err is the server's answer that a message with
// the same Msg-Id is being stored right now.
func inProcess(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeInProcess
}

// schedule publishes a boot ticket for every feed at start (and for feeds
// added later), then one ticket per feed per slot, as the slot starts.
func (w *Worker) schedule(ctx context.Context) {
	last := slots{}
	busy := map[string]int{}       // feeds whose ticket was in process, and how many times in a row
	wake := time.NewTimer(maxWake) // reset after each pass
	defer wake.Stop()
	for {
		soon := false
		srcs := w.snapshot()
		at := last.pass(srcs, time.Now(), func(s feeds.Source, n int64, start time.Time, boot bool) error {
			err := w.publishTicket(ctx, s, n, start, boot)
			switch {
			case err == nil:
				delete(busy, s.ID)
			case ctx.Err() != nil:
			case inProcess(err) && busy[s.ID] < inProcessTries:
				// Another poller is storing this very ticket
				// (pollers wake together as a slot starts, and a
				// cluster takes a few ms to commit it): ask again
				// soon, and the server answers that it has it.
				busy[s.ID]++
				soon = true
			default:
				delete(busy, s.ID)
				w.log.Warn("publish poll ticket failed; will retry", zap.String("feed", s.ID), zap.Error(err))
			}
			return err
		})
		if ctx.Err() != nil {
			return
		}
		if len(busy) > 0 {
			forget(busy, srcs) // a feed removed while its ticket was in process
		}
		// A slot that started while the pass published is due at once.
		d := max(time.Until(at), minWake)
		if soon {
			d = min(d, inProcessWake)
		}
		wake.Reset(d)
		select {
		case <-ctx.Done():
			return
		case <-wake.C:
		}
	}
}

// publishTicket stores the ticket of feed s for slot n, which started at
// start, or its boot ticket.
func (w *Worker) publishTicket(ctx context.Context, s feeds.Source, n int64, start time.Time, boot bool) error {
	t := Ticket{Feed: s.ID, Due: start, Boot: boot}
	id := pipeline.PollMsgID(s.ID, strconv.FormatInt(n, 10))
	if boot {
		// One boot ticket per appearance of the feed: one removed and
		// added again, or moved, within the duplicate window gets one too.
		t.Due = time.Now()
		id = pipeline.PollMsgID(s.ID, "boot-"+w.boot+"-"+strconv.FormatUint(w.boots.Add(1), 10))
	}
	m := nats.NewMsg(pipeline.Subject(pipeline.SubjectPolls, s.ID))
	m.Data = pipeline.Encode(t)
	m.Header.Set(jetstream.MsgIDHeader, id)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := w.js.PublishMsg(pctx, m)
	return err
}

// handle fetches the feed a ticket names and publishes its items; once they
// are stored, it commits the feed's new state. Feed failures are recorded in
// the feed's state and counted, not retried through the queue: the next
// slot tries again, with backoff.
func (w *Worker) handle(ctx context.Context, m pipeline.Message) (pipeline.Result, error) {
	var t Ticket
	if err := json.Unmarshal(m.Data, &t); err != nil {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("decode poll ticket: %w", err))
	}
	if !pipeline.ValidID(t.Feed) {
		return pipeline.Result{}, pipeline.Permanent(fmt.Errorf("decode poll ticket: feed %s: must be %s", pipeline.Quote(t.Feed), pipeline.IDRule))
	}
	src, fetcher, ok := w.source(t.Feed)
	if !ok {
		w.log.Debug("ticket for a feed no longer configured", zap.String("feed", t.Feed))
		return pipeline.Result{}, nil
	}
	log := w.log.With(zap.String("feed", src.ID))

	st, rev, err := w.state.Get(ctx, src.ID)
	if err != nil {
		return pipeline.Result{}, err
	}
	if st.URL != "" && st.URL != src.URL {
		// The feed moved (feeds add with another URL, a config edit):
		// the old URL's validators would answer for the new one, and its
		// backoff is not the new one's.
		st.ETag, st.LastModified, st.Failures, st.LastError, st.NotBefore, st.Asked = "", "", 0, "", time.Time{}, false
	}
	now := time.Now()
	if st.Until.After(now) && st.Ticket != m.StreamSeq {
		log.Debug("a fetch of this feed is in flight; ticket skipped", zap.Time("until", st.Until))
		return pipeline.Result{}, nil
	}
	if !st.LastAttempt.Before(t.Due) && st.Ticket != m.StreamSeq {
		// Another ticket (of this slot, or of pollers that booted
		// together) already covered it.
		return pipeline.Result{}, nil
	}
	// A poller's first ticket after its start fetches a feed in backoff
	// at once, unless the server asked for the rest.
	if (!t.Boot || st.Asked) && now.Before(st.NotBefore) {
		log.Debug("feed backing off", zap.Time("not_before", st.NotBefore))
		return pipeline.Result{}, nil
	}
	// The claim keeps the old validators: if the articles cannot be
	// stored, the retry of this ticket fetches them again.
	claimed := st
	claimed.LastAttempt, claimed.Ticket, claimed.Until = now, m.StreamSeq, now.Add(w.claimFor)
	rev, ok, err = w.state.Put(ctx, src.ID, claimed, rev)
	if err != nil {
		return pipeline.Result{}, err
	}
	if !ok {
		return pipeline.Result{}, nil // another poller took this ticket's fetch
	}

	arts, resp, ferr := w.poll(ctx, fetcher, src, st, now)
	took := time.Since(now)
	outs := make([]pipeline.Output, 0, len(arts))
	shrunk := 0
	for i := range arts {
		data, cut := encodeBounded(&arts[i])
		if cut {
			shrunk++
		}
		outs = append(outs, pipeline.Output{
			Subject: pipeline.Subject(pipeline.SubjectRaw, src.ID),
			MsgID:   pipeline.ArticleMsgID(Stage, arts[i].ID),
			Data:    data,
			Header:  pipeline.ArticleHeader(arts[i].ID, src.ID),
		})
	}
	w.count("truncated_fields", src.ID, shrunk, "item fields cut to keep the message small")
	next := claimed
	next.Until, next.URL = time.Time{}, src.URL
	if ferr != nil {
		next.Failures++
		next.LastError = ferr.Error()
		next.NotBefore = now.Add(backoff(src.Interval, next.Failures, ferr, w.maxRest))
		next.Asked = askedRest(ferr)
		w.metrics.Counter(fmt.Sprintf("mediawatch_feed_failures_total{feed=%q}", src.ID)).Add(1)
		w.metrics.Fetched(src.ID, pipeline.FetchFailed, took, 0, next.Failures, now)
		log.Warn("fetch feed failed", zap.Error(ferr), zap.Int("failures", next.Failures), zap.Time("next_try", next.NotBefore))
	} else {
		next.Failures, next.LastError, next.NotBefore, next.Asked = 0, "", time.Time{}, false
		next.LastSuccess = now
		if !resp.NotModified {
			next.ETag, next.LastModified, next.Articles = resp.ETag, resp.LastModified, len(arts)
		}
		w.metrics.Counter(fmt.Sprintf("mediawatch_feed_polls_total{feed=%q}", src.ID)).Add(1)
		outcome := pipeline.FetchOK
		if resp.NotModified {
			outcome = pipeline.FetchNotModified
		}
		w.metrics.Fetched(src.ID, outcome, took, len(arts), 0, now)
		log.Debug("fetched feed", zap.Int("articles", len(arts)), zap.Bool("not_modified", resp.NotModified))
	}
	commit := func(ctx context.Context) error {
		if _, ok, err := w.state.Put(ctx, src.ID, next, rev); err != nil {
			return fmt.Errorf("save state of feed %q: %w", src.ID, err)
		} else if !ok {
			log.Warn("feed state changed under this poller's claim; not saved")
		}
		return nil
	}
	return pipeline.Result{Outputs: outs, After: commit}, nil
}

// poll fetches and parses one feed into articles.
func (w *Worker) poll(ctx context.Context, fetcher *reader.Fetcher, src feeds.Source, st feeds.State, now time.Time) ([]pipeline.Article, *reader.Response, error) {
	resp, err := fetcher.Fetch(ctx, src.URL, reader.Validators{ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return nil, nil, fmt.Errorf("feed %q: %w", src.ID, err)
	}
	if resp.NotModified {
		return nil, resp, nil
	}
	feed, items, err := reader.ParseContext(ctx, src.ID, resp.Body, resp.ContentType, now, w.limits)
	if err != nil {
		return nil, resp, fmt.Errorf("feed %q: %w", src.ID, err)
	}
	w.count("dropped_items", src.ID, feed.DroppedItems, "items beyond poller.max_items left out")
	w.count("truncated_fields", src.ID, feed.Truncated, "item fields cut to their limit")
	w.count("dropped_links", src.ID, feed.DroppedLinks, "links that are not http(s) URLs dropped")
	return articles(items, reader.NormalizeLang(src.Lang)), resp, nil
}

// count adds n to the feed's counter of what was left out of its items, and
// says so.
func (w *Worker) count(what, feed string, n int, msg string) {
	if n == 0 {
		return
	}
	w.metrics.Counter(fmt.Sprintf("mediawatch_feed_%s_total{feed=%q}", what, feed)).Add(uint64(n))
	w.log.Info(msg, zap.String("feed", feed), zap.Int("count", n))
}

// articles maps a feed's items onto pipeline articles; lang, when set, is
// the source's declared language and overrides the feed's.
func articles(items []reader.Item, lang string) []pipeline.Article {
	out := make([]pipeline.Article, len(items))
	for i, it := range items {
		a := pipeline.Article{
			Schema: pipeline.ArticleSchema, ID: it.ID, Feed: it.Feed, URL: it.URL,
			Title: it.Title, Summary: it.Summary, Content: it.Content, Media: it.Media,
			Lang: it.Lang, LangConf: it.LangConf, Authors: it.Authors, Categories: it.Categories,
			Published: it.Published, Fetched: it.Fetched,
		}
		if lang != "" {
			a.Lang, a.LangConf = lang, 1
		}
		out[i] = a
	}
	return out
}

// maxArticleBytes bounds an article message, far below the 1 MB a NATS
// server takes by default: the field limits keep an article under about
// 400 KB, but JSON escaping can grow a text up to six times.
const maxArticleBytes = 768 << 10

// encodeBounded encodes a, cutting its content and then its summary by half
// until the message fits maxArticleBytes; it reports whether it cut.
func encodeBounded(a *pipeline.Article) ([]byte, bool) {
	data := pipeline.Encode(a)
	cut := false
	for len(data) > maxArticleBytes && (a.Content != "" || a.Summary != "") {
		if a.Content != "" {
			a.Content = truncate(a.Content, len(a.Content)/2)
		} else {
			a.Summary = truncate(a.Summary, len(a.Summary)/2)
		}
		data, cut = pipeline.Encode(a), true
	}
	return data, cut
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:min(n, len(s))]
}

// askedRest reports whether the server asked for a rest (Retry-After).
func askedRest(err error) bool {
	var he *reader.HTTPError
	return errors.As(err, &he) && he.RetryAfter > 0
}

// backoff is how long a failing feed rests: its interval doubled per
// consecutive failure up to 6h, or what the server asked for with
// Retry-After, at most maxRest (0: no cap).
func backoff(interval time.Duration, failures int, err error, maxRest time.Duration) time.Duration {
	var he *reader.HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		if maxRest > 0 {
			return min(he.RetryAfter, maxRest)
		}
		return he.RetryAfter
	}
	d := interval
	for i := 1; i < failures && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour) - interval/2 // the next slot's ticket lands within it
}
