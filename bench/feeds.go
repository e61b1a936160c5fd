package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// item is one generated article.
type item struct {
	id      int
	title   string
	body    string
	mention bool
	added   time.Time
}

// generator makes articles of 2 to 4 KB in the languages of sentences, a
// share of them naming a watched entity. It is deterministic for a seed.
type generator struct {
	rnd   *rand.Rand
	langs []string
	share float64
}

func newGenerator(seed uint64, share float64) *generator {
	langs := make([]string, 0, len(sentences))
	for l := range sentences {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	return &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), langs: langs, share: share}
}

func (g *generator) next(id int) item {
	lang := g.langs[g.rnd.IntN(len(g.langs))]
	ss := sentences[lang]
	it := item{id: id, mention: g.rnd.Float64() < g.share}
	it.title = g.scramble(ss[g.rnd.IntN(len(ss))])
	size := 2048 + g.rnd.IntN(2048)
	var b strings.Builder
	b.Grow(size + 256)
	b.WriteString("<p>")
	at := g.rnd.IntN(8)
	for n := 0; b.Len() < size; n++ {
		if it.mention && n == at {
			m := mentions[lang]
			b.WriteString(m[g.rnd.IntN(len(m))])
		} else {
			b.WriteString(g.scramble(ss[g.rnd.IntN(len(ss))]))
		}
		if n%4 == 3 {
			b.WriteString("</p><p>")
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString("</p>")
	it.body = b.String()
	return it
}

// scramble shuffles the words of a sentence (its letters, in a script
// written without spaces), so that two generated articles are not copies
// of one story: made of the same few sentences, they would be.
func (g *generator) scramble(sentence string) string {
	if !strings.Contains(sentence, " ") {
		rs := []rune(sentence)
		g.rnd.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		return string(rs)
	}
	ws := strings.Fields(sentence)
	g.rnd.Shuffle(len(ws), func(i, j int) { ws[i], ws[j] = ws[j], ws[i] })
	return strings.Join(ws, " ")
}

// feedServer serves generated feeds over local HTTP: feed i at /f/<i>.xml,
// RSS without a declared language. Each lists the items added to it within
// the window (all of them with a zero window). Until open is called it
// answers 503.
type feedServer struct {
	url    string
	srv    *http.Server
	window time.Duration
	open   atomic.Bool

	mu    sync.Mutex
	feeds [][]item
	// bodies are the feeds as prerender rendered them, with their ETags: a
	// burst's feeds are rendered before the measure starts, so that the
	// bench's own work does not take the cores from the pipeline it
	// measures.
	bodies []rendered
	first  atomic.Int64 // unix nanos of the first request served with items
	// fetches counts the requests answered with items, notModified those
	// answered 304.
	fetches, notModified atomic.Int64
}

func newFeedServer(feeds int, window time.Duration) (*feedServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for bench feeds: %w", err)
	}
	s := &feedServer{url: "http://" + ln.Addr().String(), window: window, feeds: make([][]item, feeds), bodies: make([]rendered, feeds)}
	mux := http.NewServeMux()
	mux.HandleFunc("/f/{name}", s.serve)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *feedServer) close() { _ = s.srv.Close() }

func (s *feedServer) feedURL(i int) string { return fmt.Sprintf("%s/f/%d.xml", s.url, i) }

func (s *feedServer) add(feed int, it item) {
	s.mu.Lock()
	s.feeds[feed] = append(s.feeds[feed], it)
	s.mu.Unlock()
}

type rendered struct {
	etag string
	body []byte
}

// prerender renders every feed as it stands, for serve to answer with.
func (s *feedServer) prerender() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, items := range s.feeds {
		s.bodies[i] = rendered{etag: etagOf(items), body: render(i, items)}
	}
}

func etagOf(items []item) string {
	if len(items) == 0 {
		return `"0"`
	}
	return fmt.Sprintf(`"%d-%d"`, items[0].id, items[len(items)-1].id)
}

func render(feed int, items []item) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>bench ` + strconv.Itoa(feed) + `</title>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://bench.mediawatch.invalid/a/%d</link><description>%s</description></item>`,
			html.EscapeString(it.title), it.id, html.EscapeString(it.body))
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// firstFetch is when the first feed with items was served.
func (s *feedServer) firstFetch() time.Time { return time.Unix(0, s.first.Load()) }

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	if !s.open.Load() {
		http.Error(w, "not yet", http.StatusServiceUnavailable)
		return
	}
	i, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("name"), ".xml"))
	if err != nil || i < 0 || i >= len(s.feeds) {
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	s.mu.Lock()
	items := s.feeds[i]
	if s.window > 0 {
		// Drop what has left the window; the rest is served.
		k := 0
		for k < len(items) && now.Sub(items[k].added) > s.window {
			k++
		}
		items = items[k:]
		s.feeds[i] = items
	}
	items = slices.Clone(items)
	etag := etagOf(items)
	cached := s.bodies[i]
	s.mu.Unlock()
	// A feed that has not changed since the poller's last fetch answers
	// 304, as news sites do: a poll retried during the burst costs nothing.
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		s.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if len(items) > 0 {
		s.first.CompareAndSwap(0, now.UnixNano())
		s.fetches.Add(1)
	}
	body := cached.body
	if cached.etag != etag { // changed since prerender (a rate run)
		body = render(i, items)
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	if _, err := w.Write(body); err != nil && !errors.Is(err, context.Canceled) {
		return
	}
}
