// Package pipeline holds what every mediawatch stage shares: the message
// types and their ids, subject names, the JetStream topology, the stage
// runner and its middleware, the one backoff policy, the NATS connection and
// the embedded server, metrics and health, and the inspection behind
// "mediawatch status". It knows nothing of what a stage does.
package pipeline

import "time"

// Schema versions of the messages. A consumer refuses a schema newer than it
// knows.
const (
	ArticleSchema   = 1
	AlertSchema     = 1
	MentionSchema   = 1
	StoryCopySchema = 1
)

// Article is one news item as it travels through the pipeline. The poller
// fills everything but Entities; the tagger adds Entities and sets Lang when
// the feed declared none.
type Article struct {
	Schema     int       `json:"schema"`
	ID         string    `json:"id"`
	Feed       string    `json:"feed"`
	URL        string    `json:"url"`
	Title      string    `json:"title"`
	Summary    string    `json:"summary,omitempty"`
	Content    string    `json:"content,omitempty"` // HTML as the feed sent it
	Media      string    `json:"media,omitempty"`   // Media RSS titles, captions and keywords, one per line
	Lang       string    `json:"lang,omitempty"`
	LangConf   float64   `json:"lang_confidence,omitempty"` // 1 when declared by the feed
	Authors    []string  `json:"authors,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Published  time.Time `json:"published,omitzero"`
	Fetched    time.Time `json:"fetched"`
	Entities   []Entity  `json:"entities,omitempty"`
	// Story is the story the tagger put the article in.
	Story *Story `json:"story,omitempty"`
}

// Story is an article's story as the tagger assigned it: the id of the
// story's first article, and how many articles the story had then, this
// one included.
type Story struct {
	ID   string `json:"id"`
	Size int    `json:"size"`
}

// StoryCopy is the small message published on stories.<story id> for every
// later copy of a story (Size > 1): who else carries it.
type StoryCopy struct {
	Schema  int    `json:"schema"`
	Story   string `json:"story"`
	Size    int    `json:"size"`
	Article string `json:"article"`
	URL     string `json:"url"`
	Title   string `json:"title"`
	Feed    string `json:"feed"`
	Lang    string `json:"lang,omitempty"`
}

// Text fields of an article, as Entity.Field names them.
const (
	FieldTitle   = "title"
	FieldSummary = "summary"
	FieldContent = "content"
	FieldMedia   = "media"
)

// TextFields lists the fields entities and rule words are looked for in, in
// the order they are searched.
func TextFields() []string { return []string{FieldTitle, FieldSummary, FieldContent, FieldMedia} }

// Field returns the text of a field named as in TextFields ("" for any
// other name).
func (a *Article) Field(name string) string {
	switch name {
	case FieldTitle:
		return a.Title
	case FieldSummary:
		return a.Summary
	case FieldContent:
		return a.Content
	case FieldMedia:
		return a.Media
	}
	return ""
}

// Entity is one mention of a configured entity in an article. Start and End
// are byte offsets into the field's text exactly as the article carries it
// (for content, the HTML), so Field[Start:End] is the surface form as written
// whenever the mention was not spelled with character references.
type Entity struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Surface  string `json:"surface"`
	Field    string `json:"field"` // title, summary, content or media
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Name     string `json:"name,omitempty"`      // the configured name that matched
	NameLang string `json:"name_lang,omitempty"` // the language that name is filed under
}

// Alert is what subscribers of alerts.<rule> receive. Its JSON is pinned.
type Alert struct {
	Schema   int       `json:"schema"`
	ID       string    `json:"id"`
	Rule     string    `json:"rule"`
	Query    string    `json:"query"`
	Created  time.Time `json:"created"`
	Article  Article   `json:"article"` // without Content
	Entities []string  `json:"entities"`
	Matches  []Match   `json:"matches"`
	// Story is the article's story at alert time (absent for articles
	// tagged before stories existed).
	Story *Story `json:"story,omitempty"`
	// Spike carries the counts that made a spike rule fire (spike rules
	// only; Article, Entities and Matches are then those of the story that
	// tipped the count).
	Spike *Spike `json:"spike,omitempty"`
}

// Spike is what made a spike rule fire: Count distinct stories mentioning
// Entity in the Window that ended at End, against Baseline, the mean count
// of the same window of the day on the previous Days days.
type Spike struct {
	Entity   string    `json:"entity"`
	Window   string    `json:"window"`
	End      time.Time `json:"end"`
	Count    int       `json:"count"`
	Baseline float64   `json:"baseline"`
	Days     int       `json:"days"`
	Factor   float64   `json:"factor"`
	Min      int       `json:"min"`
}

// Match says what made a rule fire.
type Match struct {
	Term    string `json:"term"`
	Surface string `json:"surface"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
}

// Ticket is the message on polls.<feed>: "fetch this feed now".
type Ticket struct {
	Feed string    `json:"feed"`
	Due  time.Time `json:"due"`
	// Boot tickets are published when a poller starts: they poll at once,
	// whatever the schedule says.
	Boot bool `json:"boot,omitempty"`
}

// Mention is the small message published on mentions.<entity> for every
// entity found in an article.
type Mention struct {
	Schema   int      `json:"schema"`
	Entity   string   `json:"entity"`
	Article  string   `json:"article"`
	URL      string   `json:"url"`
	Title    string   `json:"title"`
	Feed     string   `json:"feed"`
	Lang     string   `json:"lang,omitempty"`
	Surfaces []string `json:"surfaces"`
	Snippet  string   `json:"snippet"`
}
