package story

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// labelled is one article of testdata/labelled.jsonl or heldout.jsonl (see
// testdata/README.md).
type labelled struct {
	ID, Feed, Lang, Title, Body, Story, Event, Kind string
}

func readLabelled(t *testing.T, name string) []labelled {
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l labelled
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		out = append(out, l)
	}
	require.NoError(t, sc.Err())
	return out
}

// counts are pairwise counts: pairs the labels join (same story) and the
// clustering joins (same assigned story).
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c counts) recall() float64    { return ratio(c.tp, c.tp+c.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// score is how a clustering of a labelled set compares with its labels.
type score struct {
	all         counts
	hard        struct{ pairs, joined int } // pairs of one topic, different events
	byLang      map[string]counts           // pairs of two articles in one language
	translation struct{ pairs, joined int }
}

// cluster adds the articles to an index in file order (every story's first
// article first), one minute apart, and scores the stories they are
// assigned against the labels. Translation pairs (same event, another
// story) count in neither precision nor recall: they are reported apart.
func clusterLabelled(t *testing.T, arts []labelled, topics map[string]string) score {
	x := NewIndex(DefaultWindow)
	t0 := time.Unix(1_700_000_000, 0)
	got := make([]string, len(arts))
	for i, a := range arts {
		body := strings.ReplaceAll(a.Body, "\n\n", "\n<p>")
		got[i] = x.Add(a.ID, uint64(i+1), t0.Add(time.Duration(i)*time.Minute), Sign(a.Title, body)).ID
	}
	s := score{byLang: map[string]counts{}}
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			a, b := arts[i], arts[j]
			want, join := a.Story == b.Story, got[i] == got[j]
			if !want && a.Event == b.Event {
				s.translation.pairs++
				if join {
					s.translation.joined++
				}
				continue
			}
			var c counts
			switch {
			case want && join:
				c.tp = 1
			case want:
				c.fn = 1
			case join:
				c.fp = 1
			}
			add := func(dst *counts) { dst.tp += c.tp; dst.fp += c.fp; dst.fn += c.fn }
			add(&s.all)
			if !want && topics[a.Story] != "" && topics[a.Story] == topics[b.Story] {
				s.hard.pairs++
				s.hard.joined += c.fp
			}
			if a.Lang == b.Lang {
				l := s.byLang[a.Lang]
				add(&l)
				s.byLang[a.Lang] = l
			}
			if want != join {
				t.Logf("%s: %s (%s) and %s (%s), labelled %s/%s, assigned %s/%s", map[bool]string{true: "missed", false: "merged"}[want], a.ID, a.Lang, b.ID, b.Lang, a.Story, b.Story, got[i], got[j])
			}
		}
	}
	return s
}

// table prints a score as the README's table rows.
func (s score) table(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| %s | all | %.3f | %.3f | %d | %d | %d |\n", name, s.all.precision(), s.all.recall(), s.all.tp, s.all.fp, s.all.fn)
	fmt.Fprintf(&b, "| %s | hard negatives (same topic, other event): %d pairs | | | | %d | |\n", name, s.hard.pairs, s.hard.joined)
	langs := make([]string, 0, len(s.byLang))
	for l := range s.byLang {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		c := s.byLang[l]
		fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f | %d | %d | %d |\n", name, l, c.precision(), c.recall(), c.tp, c.fp, c.fn)
	}
	fmt.Fprintf(&b, "| %s | translation pairs joined (neither required nor forbidden) | %d of %d | | | | |\n", name, s.translation.joined, s.translation.pairs)
	return b.String()
}

func readTopics(t *testing.T, file string) map[string]string {
	b, err := os.ReadFile(filepath.Join("testdata", "topics.tsv"))
	require.NoError(t, err)
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] != file {
			continue
		}
		for _, s := range strings.Split(f[2], ",") {
			out[s] = f[1]
		}
	}
	return out
}

// margins logs how far from the thresholds the labelled pairs lie: the
// most similar pair of different events, and the least similar copies.
func margins(t *testing.T, arts []labelled) {
	sigs := make([]Signature, len(arts))
	for i, a := range arts {
		sigs[i] = Sign(a.Title, strings.ReplaceAll(a.Body, "\n\n", "\n<p>"))
	}
	var negJ, negC float64
	posJ, posC := 1.0, 1.0
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			c := Compare(&sigs[i], &sigs[j])
			switch {
			case arts[i].Story == arts[j].Story:
				if c.Jaccard < posJ {
					posJ, posC = c.Jaccard, c.Containment
				}
			case arts[i].Event != arts[j].Event:
				negJ, negC = max(negJ, c.Jaccard), max(negC, c.Containment)
			}
		}
	}
	t.Logf("different events: highest Jaccard %.3f, highest containment %.3f; copies: lowest Jaccard %.3f (its containment %.3f)", negJ, negC, posJ, posC)
}

// TestLabelled scores the clustering on the development split, the one
// the parameters were tuned on.
func TestLabelled(t *testing.T) {
	arts := readLabelled(t, "labelled.jsonl")
	require.GreaterOrEqual(t, len(arts), 200)
	margins(t, arts)
	s := clusterLabelled(t, arts, readTopics(t, "labelled"))
	t.Logf("\n| split | pairs | precision | recall | joined | wrongly joined | missed |\n| --- | --- | --- | --- | --- | --- | --- |\n%s", s.table("labelled"))
	assert.GreaterOrEqual(t, s.all.precision(), 0.99)
	assert.GreaterOrEqual(t, s.all.recall(), 0.95)
	assert.Zero(t, s.hard.joined, "no two events of one topic are merged")
}

// TestHeldOut scores the held-out split: never tuned on, scored once the
// parameters were fixed.
func TestHeldOut(t *testing.T) {
	arts := readLabelled(t, "heldout.jsonl")
	s := clusterLabelled(t, arts, readTopics(t, "heldout"))
	t.Logf("\n| split | pairs | precision | recall | joined | wrongly joined | missed |\n| --- | --- | --- | --- | --- | --- | --- |\n%s", s.table("heldout"))
	assert.GreaterOrEqual(t, s.all.precision(), 0.95)
	assert.GreaterOrEqual(t, s.all.recall(), 0.9)
}
