// Package tagger is the tagging stage: it detects an article's language
// where the feed declared none (package langid), finds the configured
// entities with the text matcher (package match), and publishes the tagged
// article on articles.tagged.<feed> and one mention per entity found on
// mentions.<entity>. It also puts every article in its story (package
// story): the article carries the story's id and size, and a later copy of
// a story is published on stories.<story id>.
package tagger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/htmltext"
	"github.com/mediawatch/mediawatch/langid"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Stage is this worker's name.
const Stage = "tagger"

// Spec is the stage's input: every article dedup passed.
func Spec() pipeline.ConsumerSpec {
	return pipeline.ConsumerSpec{Stage: Stage, Stream: pipeline.StreamArticles, Subject: pipeline.All(pipeline.SubjectNew)}
}

// Undetermined is the language of an article whose feed declared none and
// whose text did not tell (BCP 47 "und").
const Undetermined = "und"

// mentionSnippetRadius is how much context a mention's snippet keeps.
const mentionSnippetRadius = 80

// detectBytes is how much of the summary and of the content language
// detection is given: the detector looks at 400 letters at most.
const detectBytes = 1024

// LangDetector guesses an article's language.
type LangDetector interface {
	Detect(text string) (lang string, confidence float64)
}

// Config is the tagger's part of the configuration.
type Config struct {
	Entities  []match.Entity
	Countries bool          // gazetteer.countries
	Window    time.Duration // stories.window
}

// ConfigFrom picks the stage's part of the configuration.
func ConfigFrom(c *config.Config) Config {
	out := Config{Countries: c.Gazetteer.Countries, Window: time.Duration(c.Stories.Window), Entities: make([]match.Entity, len(c.Entities))}
	for i, e := range c.Entities {
		out.Entities[i] = match.Entity{ID: e.ID, Kind: e.Kind, Country: e.Country, Names: e.Names, Exclude: e.Exclude, Case: e.Case}
	}
	return out
}

// compile builds the matcher of a configuration.
func compile(cfg Config) (*match.Matcher, error) {
	return match.NewMatcher(cfg.Entities, match.Options{Countries: cfg.Countries})
}

// Handle is the stage's logic: detect the language where the feed declared
// none, find the entities, put the article in its story (when stories is
// not nil), and publish the tagged article, one mention per entity found
// and, for a later copy of a story, a StoryCopy on stories.<story id>. m is
// read on every message, so a swapped matcher applies from the next
// message on.
func Handle(m *match.Holder, langs LangDetector, stories Assigner) pipeline.Handler {
	decoded, _ := stories.(interface {
		Decoded(seq uint64) *pipeline.Article
	})
	return func(ctx context.Context, msg pipeline.Message) (pipeline.Result, error) {
		var a *pipeline.Article
		if decoded != nil { // the story log read the same message already
			a = decoded.Decoded(msg.StreamSeq)
		}
		if a == nil {
			var err error
			if a, err = pipeline.DecodeArticle(msg.Data); err != nil {
				return pipeline.Result{}, err
			}
		}
		if stories != nil {
			s, err := stories.Assign(ctx, msg.StreamSeq, msg.Stored, a)
			if err != nil {
				return pipeline.Result{}, err
			}
			a.Story = &s
		}
		if a.Lang == "" && langs != nil {
			// The detector reads the start of the text only, and strips
			// the markup itself.
			a.Lang, a.LangConf = langs.Detect(detectionText(a))
		}
		if a.Lang == "" {
			a.Lang, a.LangConf = Undetermined, 0 // too short or too mixed to tell
		}
		a.Entities = Tag(m.Load(), a)
		outs := []pipeline.Output{{
			Subject: pipeline.Subject(pipeline.SubjectTagged, a.Feed),
			MsgID:   pipeline.ArticleMsgID(Stage, a.ID),
			Data:    pipeline.Encode(a),
			Header:  pipeline.ArticleHeader(a.ID, a.Feed),
		}}
		if a.Story != nil && a.Story.Size > 1 {
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectStories, a.Story.ID),
				MsgID:   pipeline.StoryMsgID(a.ID),
				Data: pipeline.Encode(pipeline.StoryCopy{
					Schema: pipeline.StoryCopySchema, Story: a.Story.ID, Size: a.Story.Size,
					Article: a.ID, URL: a.URL, Title: a.Title, Feed: a.Feed, Lang: a.Lang,
				}),
			})
		}
		for _, mention := range Mentions(a) {
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectMentions, mention.Entity),
				MsgID:   pipeline.MentionMsgID(mention.Entity, a.ID),
				Data:    pipeline.Encode(mention),
			})
		}
		return pipeline.Outputs(outs...), nil
	}
}

// maxHitsPerEntity bounds the mentions of one entity an article carries, so
// that a text that repeats a name a hundred thousand times still makes a
// small message; the entity is found all the same.
const maxHitsPerEntity = 50

// Tag returns the mentions of entities in the article's text fields, in
// field order and text order: every one, up to maxHitsPerEntity per entity.
// It does not modify the article.
func Tag(m *match.Matcher, a *pipeline.Article) []pipeline.Entity {
	names := pipeline.TextFields()
	fields := make([]match.Field, len(names))
	for i, f := range names {
		fields[i] = match.Field{Name: f, Text: a.Field(f)}
	}
	hits := m.Tag(a.Lang, fields)
	if len(hits) == 0 {
		return nil
	}
	out := make([]pipeline.Entity, 0, len(hits))
	per := map[string]int{}
	for _, h := range hits {
		if per[h.ID]++; per[h.ID] > maxHitsPerEntity {
			continue
		}
		out = append(out, pipeline.Entity{ID: h.ID, Kind: h.Kind, Surface: h.Surface, Field: h.Field, Start: h.Start, End: h.End, Name: h.Name, NameLang: h.NameLang})
	}
	return out
}

// Mentions builds one mention per entity found in a, in order of first
// appearance, with every surface form and a snippet around the first hit.
func Mentions(a *pipeline.Article) []pipeline.Mention {
	var out []pipeline.Mention
	index := map[string]int{}
	for _, e := range a.Entities {
		i, ok := index[e.ID]
		if !ok {
			i = len(out)
			index[e.ID] = i
			out = append(out, pipeline.Mention{
				Schema: pipeline.MentionSchema, Entity: e.ID, Article: a.ID, URL: a.URL,
				Title: a.Title, Feed: a.Feed, Lang: a.Lang,
				Snippet: htmltext.Snippet(a.Field(e.Field), e.Start, e.End, mentionSnippetRadius),
			})
		}
		if m := &out[i]; !slices.Contains(m.Surfaces, e.Surface) {
			m.Surfaces = append(m.Surfaces, e.Surface)
		}
	}
	return out
}

// detectionText is what language detection reads of an article: the
// title, the start of the summary and the start of the content.
func detectionText(a *pipeline.Article) string {
	return a.Title + "\n" + head(a.Summary, detectBytes) + "\n" + head(a.Content, detectBytes)
}

// head is the start of s, at most n bytes, cut at a rune boundary.
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Worker is the tagger stage.
type Worker struct {
	matcher match.Holder
	stories *StoryLog
	runner  *pipeline.Runner
	log     *zap.Logger
}

// New compiles the entities into one matcher, loads the language models and
// binds the stage's consumer.
func New(_ context.Context, cfg Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	m, err := compile(cfg)
	if err != nil {
		return nil, fmt.Errorf("start tagger: %w", err)
	}
	langs, err := langid.New()
	if err != nil {
		return nil, fmt.Errorf("start tagger: %w", err)
	}
	w := &Worker{log: log.With(zap.String("worker", Stage))}
	w.matcher.Store(m)
	w.log.Info("entity matcher built", zap.Int("entities", m.Entities()), zap.Int("names", m.Names()))
	w.stories = NewStoryLog(deps.JS, cfg.Window, w.log)
	w.runner = pipeline.NewRunner(deps.JS, Spec(), Handle(&w.matcher, langs, w.stories), log, pipeline.RunnerOptions{Metrics: deps.Metrics})
	return w, nil
}

// Reload compiles the entities of cfg into a new matcher and swaps it in
// atomically: messages in flight finish with the old one, the next message
// uses the new one, and none is dropped. On an error the old matcher stays.
func (w *Worker) Reload(cfg Config) error {
	m, err := compile(cfg)
	if err != nil {
		return fmt.Errorf("reload entities: %w", err)
	}
	w.matcher.Store(m)
	w.log.Info("entity matcher swapped", zap.Int("entities", m.Entities()), zap.Int("names", m.Names()))
	return nil
}

// Run reads the story log and consumes until ctx ends; when either fails,
// both stop.
func (w *Worker) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logErr := make(chan error, 1)
	go func() {
		err := w.stories.Run(ctx)
		cancel()
		logErr <- err
	}()
	err := w.runner.Run(ctx)
	cancel()
	return errors.Join(<-logErr, err)
}
