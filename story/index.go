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
//
// The LSH buckets are chains through the articles themselves: heads maps a
// band's key to the latest article with it, and each article links to the
// previous one with the same key in each band, so that an article costs no
// allocation but its place in a chunk, and the garbage collector has little
// to scan. The articles are kept in chunks of chunkLen in the order added,
// so that the index grows without copying what it holds.
type Index struct {
	window time.Duration
	heads  map[uint64]uint64 // band key -> position+1 of the latest article with it
	chunks []*[chunkLen]doc  // chunks[0][0] is at position base
	spare  *[chunkLen]doc    // the last chunk forgotten, cleared, for reuse
	base   uint64
	head   uint64 // position of the first article not forgotten
	end    uint64 // position of the next article added
	gen    uint64 // of the Add in progress, to check each candidate once
}

// chunkLen is how many articles a chunk holds (about 1 MB).
const chunkLen = 1024

// maxBucket is how many articles of one LSH bucket, the latest, an article
// is compared with: a bucket that boilerplate filled up costs no more than
// that.
const maxBucket = 200

type doc struct {
	at    time.Time
	story *cluster
	next  [Bands]uint64 // position+1 of the previous article with the same key in band b (0: none)
	sig   Signature
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
	return &Index{window: window, heads: map[uint64]uint64{}}
}

// Window is how far back the index looks.
func (x *Index) Window() time.Duration { return x.window }

// Len is how many articles the index holds.
func (x *Index) Len() int { return int(x.end - x.head) }

// doc is the article at position p, which the index holds.
func (x *Index) doc(p uint64) *doc {
	i := p - x.base
	return &x.chunks[i/chunkLen][i%chunkLen]
}

// Add puts an article in its story and returns the assignment. seq orders
// articles (a stream sequence: the earlier article of a story names it);
// at is when the article was stored: articles stored more than a window
// before at are forgotten first. Times must not go backwards by more than
// the window.
func (x *Index) Add(id string, seq uint64, at time.Time, sig Signature) Assignment {
	x.evict(at.Add(-x.window))
	if !sig.Comparable() {
		return Assignment{ID: id, Size: 1}
	}
	keys := sig.bandKeys()
	var roots []*cluster
	x.gen++
	for b, k := range keys {
		p := x.heads[k]
		for steps := 0; p != 0 && p-1 >= x.head && steps < maxBucket; steps++ {
			c := x.doc(p - 1)
			p = c.next[b]
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
	pos := x.end
	if i := pos - x.base; i/chunkLen == uint64(len(x.chunks)) {
		c := x.spare
		if c == nil {
			c = new([chunkLen]doc)
		}
		x.spare = nil
		x.chunks = append(x.chunks, c)
	}
	x.end++
	d := x.doc(pos)
	*d = doc{at: at, story: s, sig: sig}
	for b, k := range keys {
		d.next[b] = x.heads[k]
		x.heads[k] = pos + 1
	}
	return Assignment{ID: s.id, Size: s.size}
}

// evict forgets the articles stored before cut. An article forgotten is
// older than every article its chains lead to from the heads, so a head
// that names it is the end of its bucket.
func (x *Index) evict(cut time.Time) {
	for x.head < x.end && x.doc(x.head).at.Before(cut) {
		d := x.doc(x.head)
		for _, k := range d.sig.bandKeys() {
			if x.heads[k] == x.head+1 {
				delete(x.heads, k)
			}
		}
		x.head++
		if x.head-x.base == chunkLen { // the first chunk is all forgotten
			c := x.chunks[0]
			clear(c[:])
			x.spare = c
			x.chunks[0] = nil
			x.chunks = x.chunks[1:]
			x.base += chunkLen
		}
	}
}
