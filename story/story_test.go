package story

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wire = `<p>CARACAS (Reuters) - Venezuela's electoral council on Sunday declared President Nicolas Maduro the winner of the disputed presidential vote, a result the opposition immediately rejected as fraudulent and vowed to challenge in the courts.</p>
<p>The council said Maduro won 51 percent of the vote against 44 percent for opposition candidate Edmundo Gonzalez, with 80 percent of ballots counted. Opposition leader Maria Corina Machado said her campaign's own tally showed Gonzalez had won by a wide margin.</p>
<p>Several Latin American governments, including Chile and Peru, said they would not recognise the result until a full audit of the tally sheets had been published. The United States said it had serious concerns that the result did not reflect the will of the people.</p>
<p>Crowds gathered outside the council's headquarters in central Caracas late on Sunday, banging pots and chanting for a recount, while security forces stood by.</p>`

const other = `<p>CARACAS (Reuters) - Venezuela's oil output rose for a third straight month in June, according to figures from the OPEC secretariat, as state company PDVSA brought back upgraders idled by power cuts and a shortage of diluents.</p>
<p>The country pumped an average of 910,000 barrels per day, up from 870,000 in May, OPEC said in its monthly report, citing secondary sources. Chevron, which operates joint ventures with PDVSA under a US licence, accounts for about a fifth of the total.</p>
<p>Analysts said the recovery remained fragile, with the grid prone to blackouts and much of the country's refining capacity out of action.</p>`

func paragraphs(s string) []string { return strings.Split(s, "\n") }

func TestCopies(t *testing.T) {
	orig := Sign("Venezuela declares Maduro winner of disputed election", wire)
	p := paragraphs(wire)
	for _, tc := range []struct {
		name, title, body string
		want              bool
	}{
		{"identical", "Venezuela declares Maduro winner of disputed election", wire, true},
		{"headline rewrite", "Maduro wins Venezuela vote, opposition cries fraud", wire, true},
		{"byline and boilerplate", "Maduro declared winner", "<p>By Mayela Armas and Vivian Sequera</p>" + wire + "<p>Sign up for our newsletter. Read more on our website. All rights reserved.</p>", true},
		{"trimmed to two paragraphs", "Venezuela: Maduro declared winner", p[0] + p[1], true},
		{"reordered paragraphs", "Venezuela declares Maduro winner of disputed election", p[0] + p[2] + p[1] + p[3], true},
		{"summary only", "Maduro winner", p[0], true},
		{"same country, another event", "Venezuela oil output rises for third month", other, false},
		{"empty", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Sign(tc.title, tc.body)
			assert.Equal(t, tc.want, Copies(&orig, &s), "%+v", Compare(&orig, &s))
		})
	}
}

func TestSignNormalises(t *testing.T) {
	a := Sign("ÉLECTIONS au Vénézuéla", "<p>Le conseil électoral a déclaré dimanche le président Nicolás Maduro vainqueur du scrutin contesté.</p>")
	b := Sign("elections au venezuela", "Le  conseil electoral a declare dimanche le president Nicolas Maduro vainqueur du scrutin conteste.")
	assert.Equal(t, a, b)
	assert.Greater(t, a.Shingles, MinShingles)
}

func TestSignScriptsWithoutSpaces(t *testing.T) {
	lead := "委内瑞拉全国选举委员会周日宣布马杜罗在有争议的总统选举中获胜，反对派立即拒绝接受这一结果，称其存在舞弊。"
	a := Sign("委内瑞拉宣布马杜罗胜选", lead)
	b := Sign("马杜罗胜选 反对派称舞弊", "新华社电 "+lead)
	c := Sign("委内瑞拉石油产量连续三个月上升", "石油输出国组织的数据显示，委内瑞拉六月石油产量连续第三个月上升，国家石油公司恢复了因停电而闲置的设备。")
	assert.True(t, Copies(&a, &b), "%+v", Compare(&a, &b))
	assert.False(t, Copies(&a, &c), "%+v", Compare(&a, &c))
}

func TestFewShinglesStandAlone(t *testing.T) {
	a := Sign("Breaking news", "")
	require.False(t, a.Comparable())
	assert.False(t, Copies(&a, &a))
	x := NewIndex(time.Hour)
	t0 := time.Unix(1_700_000_000, 0)
	assert.Equal(t, Assignment{ID: "a", Size: 1}, x.Add("a", 1, t0, a))
	assert.Equal(t, Assignment{ID: "b", Size: 1}, x.Add("b", 2, t0, a))
}

func TestIndex(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	orig := Sign("Venezuela declares Maduro winner of disputed election", wire)
	cp := Sign("Maduro wins Venezuela vote, opposition cries fraud", wire)
	oth := Sign("Venezuela oil output rises for third month", other)
	oth2 := Sign("Venezuelan oil output up again", other)

	x := NewIndex(72 * time.Hour)
	assert.Equal(t, Assignment{"a1", 1}, x.Add("a1", 1, t0, orig))
	assert.Equal(t, Assignment{"a2", 1}, x.Add("a2", 2, t0.Add(time.Minute), oth))
	assert.Equal(t, Assignment{"a1", 2}, x.Add("a3", 3, t0.Add(time.Hour), cp))
	assert.Equal(t, Assignment{"a2", 2}, x.Add("a4", 4, t0.Add(2*time.Hour), oth2))
	assert.Equal(t, 4, x.Len())

	// A window later the first article is forgotten, but its copy still
	// names the story.
	assert.Equal(t, Assignment{"a1", 3}, x.Add("a5", 5, t0.Add(73*time.Hour), orig))
	assert.Equal(t, 3, x.Len())
	// Two windows later nothing is left: a new story.
	assert.Equal(t, Assignment{"a6", 1}, x.Add("a6", 6, t0.Add(200*time.Hour), orig))
	assert.Equal(t, 1, x.Len())
}

func TestIndexMergesBridgedStories(t *testing.T) {
	// a and b share nothing; c carries the lead of both: the stories join
	// under the earlier one.
	p := paragraphs(wire)
	q := paragraphs(other)
	a := Sign("one", p[0]+p[1])
	b := Sign("two", q[0]+q[1])
	c := Sign("three", p[0]+p[1]+q[0]+q[1])
	require.False(t, Copies(&a, &b))
	t0 := time.Unix(1_700_000_000, 0)
	x := NewIndex(0)
	assert.Equal(t, DefaultWindow, x.Window())
	x.Add("a", 1, t0, a)
	x.Add("b", 2, t0, b)
	got := x.Add("c", 3, t0, c)
	assert.Equal(t, Assignment{"a", 3}, got)
	assert.Equal(t, Assignment{"a", 4}, x.Add("d", 4, t0, b))
}

func TestIndexDeterministic(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	sigs := make([]Signature, 60)
	for i := range sigs {
		p := paragraphs(wire)
		if i%3 == 0 {
			p = paragraphs(other)
		}
		sigs[i] = Sign(fmt.Sprintf("title %d", i%7), p[i%len(p)]+p[(i+1)%len(p)])
	}
	run := func() []Assignment {
		x := NewIndex(time.Hour)
		var out []Assignment
		for i, s := range sigs {
			out = append(out, x.Add(fmt.Sprint(i), uint64(i), t0.Add(time.Duration(i)*time.Minute), s))
		}
		return out
	}
	assert.Equal(t, run(), run())
}

func FuzzSign(f *testing.F) {
	f.Add("Venezuela declares Maduro winner", wire)
	f.Add("委内瑞拉宣布马杜罗胜选", "<p>委内瑞拉&amp;选举</p>")
	f.Add("", "<<<&#x0;")
	f.Fuzz(func(t *testing.T, title, body string) {
		s := Sign(title, body)
		if s.Shingles < 0 || s.Shingles > 2*LeadWords+len(title) {
			t.Fatalf("shingles %d", s.Shingles)
		}
		s2 := Sign(title, body)
		if s != s2 {
			t.Fatal("not deterministic")
		}
		if s.Comparable() && !Copies(&s, &s2) {
			t.Fatal("an article is not a copy of itself")
		}
	})
}

func BenchmarkSign(b *testing.B) {
	title := "Venezuela declares Maduro winner of disputed election"
	b.SetBytes(int64(len(title) + len(wire)))
	for b.Loop() {
		_ = Sign(title, wire)
	}
}

func BenchmarkIndexAdd(b *testing.B) {
	t0 := time.Unix(1_700_000_000, 0)
	sigs := make([]Signature, 2000)
	words := strings.Fields(strings.NewReplacer("<p>", "", "</p>", "").Replace(wire + " " + other))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range sigs {
		var sb strings.Builder
		for range 120 {
			sb.WriteString(words[rnd.IntN(len(words))])
			sb.WriteByte(' ')
		}
		sigs[i] = Sign(fmt.Sprint("story ", i), sb.String())
	}
	// 10,000 articles in the window, none a copy of another.
	x := NewIndex(10 * time.Second)
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	for i := 0; b.Loop(); i++ {
		x.Add(ids[i%len(ids)], uint64(i), t0.Add(time.Duration(i)*time.Millisecond), sigs[i%len(sigs)])
	}
}

// A lead given in parts is read as one text: the summary, then the
// content.
func TestSignLeadInParts(t *testing.T) {
	p := paragraphs(wire)
	assert.Equal(t, Sign("title", p[0]+"\n<p>"+p[1]+p[2]), Sign("title", p[0], p[1]+p[2]))
	assert.Equal(t, Sign("title", wire), Sign("title", "", wire))
}
