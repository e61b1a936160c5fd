package story

import (
	"slices"
	"time"
)

// DefaultWindow is how far back an article looks for its copies.
const DefaultWindow = 72 * time.Hour

// Assignment is the story an article was put in when it was added: the id
// of the story's first article and how many articles the story had then,
// the article included.
type Assignment struct {
	ID   string
	Size int
}

// Index assigns articles to stories. It is deterministic: the same
// articles added in the same order, with the same times, get the same
// assignments, whichever process adds them. It is not safe for concurrent
// use.
type Index struct {
	window time.Duration
	bands  map[uint64][]*doc
	queue  []*doc // in the order added: the oldest first
	head   int
	gen    uint64 // of the Add in progress, to check each candidate once
}

// maxBucket is how many articles of one LSH bucket, the latest, an article
// is compared with: a bucket that boilerplate filled up costs no more than
// that.
const maxBucket = 200

type doc struct {
	id    string
	seq   uint64
	at    time.Time
	sig   Signature
	keys  [Bands]uint64
	story *cluster
	// checked is the gen of the last Add that compared with this article.
	checked uint64
}

// cluster is a story; merged ones point at the story they joined.
type cluster struct {
	id     string
	seq    uint64 // of its first article
	size   int
	parent *cluster
}

func (c *cluster) root() *cluster {
	r := c
	for r.parent != nil {
		r = r.parent
	}
	for c != r { // path compression
		next := c.parent
		c.parent = r
		c = next
	}
	return r
}

// NewIndex returns an empty index keeping the articles of the last window
// (DefaultWindow when window is not positive).
func NewIndex(window time.Duration) *Index {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Index{window: window, bands: map[uint64][]*doc{}}
}

// Window is how far back the index looks.
func (x *Index) Window() time.Duration { return x.window }

// Len is how many articles the index holds.
func (x *Index) Len() int { return len(x.queue) - x.head }

// Add puts an article in its story and returns the assignment. seq orders
// articles (a stream sequence: the earlier article of a story names it);
// at is when the article was stored: articles stored more than a window
// before at are forgotten first. Times must not go backwards by more than
// the window.
func (x *Index) Add(id string, seq uint64, at time.Time, sig Signature) Assignment {
	x.evict(at.Add(-x.window))
	d := &doc{id: id, seq: seq, at: at, sig: sig}
	if !sig.Comparable() {
		d.story = &cluster{id: id, seq: seq, size: 1}
		return Assignment{ID: id, Size: 1}
	}
	d.keys = sig.bandKeys()
	var roots []*cluster
	x.gen++
	for _, k := range d.keys {
		b := x.bands[k]
		for _, c := range b[max(0, len(b)-maxBucket):] {
			if c.checked == x.gen {
				continue
			}
			c.checked = x.gen
			if r := c.story.root(); !slices.Contains(roots, r) && Copies(&sig, &c.sig) {
				roots = append(roots, r)
			}
		}
	}
	var s *cluster
	if len(roots) == 0 {
		s = &cluster{id: id, seq: seq}
	} else {
		slices.SortFunc(roots, func(a, b *cluster) int {
			switch {
			case a.seq < b.seq:
				return -1
			case a.seq > b.seq:
				return 1
			}
			return 0
		})
		s = roots[0]
		for _, r := range roots[1:] {
			r.parent = s
			s.size += r.size
		}
	}
	s.size++
	d.story = s
	for _, k := range d.keys {
		x.bands[k] = append(x.bands[k], d)
	}
	x.queue = append(x.queue, d)
	return Assignment{ID: s.id, Size: s.size}
}

// evict forgets the articles stored before cut.
func (x *Index) evict(cut time.Time) {
	for x.head < len(x.queue) && x.queue[x.head].at.Before(cut) {
		d := x.queue[x.head]
		x.queue[x.head] = nil
		x.head++
		for _, k := range d.keys {
			b := x.bands[k]
			if i := slices.Index(b, d); i >= 0 {
				b = slices.Delete(b, i, i+1)
			}
			if len(b) == 0 {
				delete(x.bands, k)
			} else {
				x.bands[k] = b
			}
		}
	}
	if x.head > 1024 && x.head > len(x.queue)/2 {
		x.queue = slices.Delete(x.queue, 0, x.head)
		x.head = 0
	}
}
