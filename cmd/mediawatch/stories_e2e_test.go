package main

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline"
)

// The events of the stories test: two wire stories every outlet rewrites,
// and four distinct events about the same country.
var storyEvents = map[string][]string{
	"vote": {
		"Venezuela's electoral council on Sunday declared President Nicolas Maduro the winner of the disputed presidential vote, a result the opposition immediately rejected as fraudulent and vowed to challenge in the courts.",
		"The council said Maduro won 51 percent of the vote against 44 percent for opposition candidate Edmundo Gonzalez, with 80 percent of ballots counted, and that the trend was irreversible.",
		"Several Latin American governments, including Chile and Peru, said they would not recognise the result until a full audit of the tally sheets had been published by the authorities.",
		"Crowds gathered outside the council's headquarters in central Caracas late on Sunday, banging pots and chanting for a recount, while security forces in riot gear stood by.",
	},
	"oil": {
		"Venezuela's oil output rose for a third straight month in June, according to figures from the OPEC secretariat, as state company PDVSA brought back upgraders idled by power cuts and a shortage of diluents.",
		"The country pumped an average of 910,000 barrels per day, up from 870,000 in May, OPEC said in its monthly report, citing secondary sources that track tanker movements and field data.",
		"Chevron, which operates joint ventures with PDVSA under a United States licence, accounts for about a fifth of the total and ships most of its share to refineries on the Gulf Coast.",
		"Analysts said the recovery remained fragile, with the national grid prone to blackouts and much of the country's refining capacity still out of action after years of underinvestment.",
	},
	"floods": {
		"Heavy rains in the Venezuelan Andes state of Merida caused rivers to burst their banks overnight, killing at least eight people and leaving dozens missing, the interior minister said on Tuesday.",
		"Rescue teams with dogs searched collapsed homes in the towns of Tovar and Santa Cruz de Mora, where mudslides cut the main road and brought down power lines across the valley.",
		"The government declared a state of emergency in five municipalities and sent army helicopters with food, water and medicine to communities that could not be reached by road.",
	},
	"baseball": {
		"Venezuela beat the Dominican Republic 5-3 in the final of the Caribbean Series in Mexicali on Friday night, winning the regional baseball title for the first time in more than a decade.",
		"Catcher Salvador Perez drove in three runs with a double in the seventh inning, and the bullpen held on through two tense innings as thousands of travelling fans sang in the stands.",
		"Fans poured into the streets of Caracas and Maracaibo after the last out, honking car horns and waving flags well into the early hours of Saturday morning.",
	},
	"migrants": {
		"Colombia said on Wednesday it would grant temporary legal status to another 300,000 Venezuelan migrants who arrived after the cut-off date of the previous programme, easing access to jobs and schools.",
		"The migration agency said applicants would need to register biometric data online and show they had entered the country before the end of last year to qualify for the ten-year permits.",
		"Aid groups welcomed the measure but warned that many families living in informal settlements along the border lacked the documents and internet access needed to apply in time.",
	},
	"bonds": {
		"Venezuelan government bonds rallied on Thursday after a group of creditors said it had opened talks with Caracas on restructuring some 60 billion dollars of defaulted debt held by foreign investors.",
		"The bonds, which have not paid interest since 2017, rose as much as four cents on the dollar in thin trading, traders said, the biggest one-day move in more than a year.",
		"Any deal would need approval from the United States Treasury, whose sanctions bar American investors from trading new Venezuelan debt or negotiating with the government without a licence.",
	},
}

// storyItem is one article of the test's feeds.
type storyItem struct {
	event, url, title, body string
}

// variant rewrites an event as outlet n carries it: its own headline, a
// byline, boilerplate, and paragraphs trimmed or reordered.
func variant(event string, n int) storyItem {
	paras := append([]string(nil), storyEvents[event]...)
	switch n % 4 {
	case 1: // the last paragraph trimmed
		paras = paras[:len(paras)-1]
	case 2: // paragraphs reordered
		paras[1], paras[len(paras)-1] = paras[len(paras)-1], paras[1]
	case 3: // a paragraph cut from the middle
		paras = append(paras[:2:2], paras[3:]...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<p>By Correspondent %d, Outlet %d</p>", n, n)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>", p)
	}
	b.WriteString("<p>Subscribe to our newsletter for the day's top stories. © Outlet, all rights reserved.</p>")
	headlines := []string{"Venezuela: %s news", "What we know about the %s story", "%s: Venezuela latest", "Live: %s", "Explainer — %s in Venezuela", "%s update from Caracas"}
	return storyItem{event: event, url: fmt.Sprintf("https://outlet%d.example/%s", n, event), title: fmt.Sprintf(headlines[n%len(headlines)], event), body: b.String()}
}

// feedOf renders items as RSS (format 0), Atom (1) or JSON Feed (2).
func feedOf(format int, items []storyItem) (contentType string, body []byte) {
	var b strings.Builder
	switch format {
	case 0:
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>rss outlet</title><link>https://rss.example/</link>`)
		for _, it := range items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><description>%s</description></item>", html.EscapeString(it.title), it.url, html.EscapeString(it.body))
		}
		b.WriteString("</channel></rss>")
		return "application/rss+xml", []byte(b.String())
	case 1:
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>atom outlet</title><id>urn:atom-outlet</id><updated>2026-12-01T10:00:00Z</updated>`)
		for _, it := range items {
			fmt.Fprintf(&b, `<entry><title>%s</title><id>%s</id><link href="%s"/><updated>2026-12-01T10:00:00Z</updated><content type="html">%s</content></entry>`, html.EscapeString(it.title), it.url, it.url, html.EscapeString(it.body))
		}
		b.WriteString("</feed>")
		return "application/atom+xml", []byte(b.String())
	}
	type item struct {
		ID          string `json:"id"`
		URL         string `json:"url"`
		Title       string `json:"title"`
		ContentHTML string `json:"content_html"`
	}
	f := struct {
		Version string `json:"version"`
		Title   string `json:"title"`
		Items   []item `json:"items"`
	}{Version: "https://jsonfeed.org/version/1.1", Title: "json outlet"}
	for _, it := range items {
		f.Items = append(f.Items, item{ID: it.url, URL: it.url, Title: it.title, ContentHTML: it.body})
	}
	out, _ := json.Marshal(f)
	return "application/feed+json", out
}

const storiesConfig = `nats:
  embedded: {listen: "%s", store_dir: "%s"}
http: {listen: "127.0.0.1:0"}
poller: {timeout: 5s}
sources:
%s
entities:
  - id: venezuela
    kind: place
    country: VE
    names:
      en: [Venezuelan*]
rules:
  - {id: venezuela, query: 'entity:venezuela'}
  - {id: venezuela-each, query: 'entity:venezuela', per: article}
`

// One wire story in six outlets, another in three, four distinct events
// about the same country: the rule alerts once per story (6), the
// per: article rule once per copy (13), the later copies are on
// stories.<id>, and no two events share a story.
func TestStoriesEndToEnd(t *testing.T) {
	outlets := make([][]storyItem, 6)
	for n := range outlets {
		outlets[n] = append(outlets[n], variant("vote", n))
		if n < 3 {
			outlets[n] = append(outlets[n], variant("oil", n))
		}
	}
	for i, ev := range []string{"floods", "baseball", "migrants", "bonds"} {
		outlets[3+i%3] = append(outlets[3+i%3], variant(ev, 3+i%3))
	}
	mux := http.NewServeMux()
	var sources strings.Builder
	for n, items := range outlets {
		path := fmt.Sprintf("/outlet%d", n)
		ct, body := feedOf(n%3, items)
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(body)
		})
		fmt.Fprintf(&sources, "  - {id: outlet%d, url: \"URL%s\", interval: 10m, lang: en}\n", n, path)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	listen := freePort(t)
	cfgPath := filepath.Join(dir, "mediawatch.yaml")
	cfg := fmt.Sprintf(storiesConfig, listen, filepath.Join(dir, "nats"), strings.ReplaceAll(sources.String(), "URL", srv.URL))
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o644))

	p := startRun(t, cfgPath)
	nc := connectWhenUp(t, "nats://"+listen)
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	var mu sync.Mutex
	perRule := map[string][]pipeline.Alert{}
	copies := map[string][]pipeline.StoryCopy{}
	_, err = nc.Subscribe("alerts.>", func(m *nats.Msg) {
		var a pipeline.Alert
		if assert.NoError(t, json.Unmarshal(m.Data, &a)) {
			mu.Lock()
			perRule[a.Rule] = append(perRule[a.Rule], a)
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	_, err = nc.Subscribe("stories.>", func(m *nats.Msg) {
		var c pipeline.StoryCopy
		if assert.NoError(t, json.Unmarshal(m.Data, &c)) {
			assert.Equal(t, "stories."+c.Story, m.Subject)
			mu.Lock()
			copies[c.Story] = append(copies[c.Story], c)
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	require.Eventually(t, func() bool {
		mu.Lock()
		n := len(perRule["venezuela-each"])
		mu.Unlock()
		return n >= 13 && idle(t, js)
	}, 90*time.Second, 100*time.Millisecond, "alerts arrive and the pipeline drains")
	require.NoError(t, nc.Flush())

	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, perRule["venezuela-each"], 13, "per: article alerts every copy")
	require.Len(t, perRule["venezuela"], 6, "one alert per story")
	eventOf := func(url string) string { return url[strings.LastIndex(url, "/")+1:] }
	storyEvent := map[string]string{}
	for _, a := range perRule["venezuela"] {
		require.NotNil(t, a.Story)
		// The article that alerts is the first of its story to reach the
		// alerter, not always the story's first article: stages handle
		// articles concurrently.
		assert.NotContains(t, storyEvent, a.Story.ID, "one alert per story")
		storyEvent[a.Story.ID] = eventOf(a.Article.URL)
	}
	assert.ElementsMatch(t, []string{"vote", "oil", "floods", "baseball", "migrants", "bonds"}, mapValues(storyEvent), "no two events share a story")
	// Every copy is on stories.<id> of its event's story.
	n := 0
	for id, cs := range copies {
		for _, c := range cs {
			assert.Equal(t, storyEvent[id], eventOf(c.URL), "copy %s", c.URL)
			n++
		}
	}
	assert.Equal(t, 5+2, n, "five later copies of the vote, two of the oil story")
	for _, a := range perRule["venezuela-each"] {
		require.NotNil(t, a.Story)
		assert.Equal(t, eventOf(a.Article.URL), storyEvent[a.Story.ID], "%s is in its event's story", a.Article.URL)
	}
	p.stop(t)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
