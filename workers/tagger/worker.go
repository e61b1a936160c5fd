package tagger

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/mediawatch/mediawatch/config"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/workers/tagger/langid"
)

// Stage is this worker's name.
const Stage = "tagger"

// Undetermined is the language of an article whose feed declared none and
// whose text did not tell (BCP 47 "und").
const Undetermined = "und"

// mentionSnippetRadius is how much context a mention's snippet keeps.
const mentionSnippetRadius = 80

// LangDetector guesses an article's language.
type LangDetector interface {
	Detect(text string) (lang string, confidence float64)
}

// Handle is the stage's logic: detect the language where the feed declared
// none, find the entities, and publish the tagged article plus one mention
// per entity found. m is read on every message, so a swapped matcher
// applies from the next message on.
func Handle(m *Holder, langs LangDetector) pipeline.Handler {
	return func(_ context.Context, msg pipeline.Message) ([]pipeline.Output, error) {
		a, err := pipeline.DecodeArticle(msg.Data)
		if err != nil {
			return nil, err
		}
		if a.Lang == "" && langs != nil {
			a.Lang, a.LangConf = langs.Detect(a.Title + "\n" + PlainText(a.Summary) + "\n" + PlainText(head(a.Content, 4096)))
		}
		if a.Lang == "" {
			a.Lang, a.LangConf = Undetermined, 0 // too short or too mixed to tell
		}
		a.Entities = m.Load().Tag(a)
		outs := []pipeline.Output{{
			Subject: pipeline.Subject(pipeline.SubjectTagged, a.Feed),
			MsgID:   Stage + ":" + a.ID,
			Data:    pipeline.Encode(a),
		}}
		for _, mention := range Mentions(a) {
			outs = append(outs, pipeline.Output{
				Subject: pipeline.Subject(pipeline.SubjectMentions, mention.Entity),
				MsgID:   "mention:" + mention.Entity + ":" + a.ID,
				Data:    pipeline.Encode(mention),
			})
		}
		return outs, nil
	}
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
				Snippet: Snippet(a.Field(e.Field), e.Start, e.End, mentionSnippetRadius),
			})
		}
		if m := &out[i]; !slices.Contains(m.Surfaces, e.Surface) {
			m.Surfaces = append(m.Surfaces, e.Surface)
		}
	}
	return out
}

// head is the start of s, at most n bytes, cut at a rune boundary: the
// detector reads a thousand letters at most.
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
	matcher Holder
	runner  *pipeline.Runner
	log     *zap.Logger
}

// New compiles the entities into one matcher, loads the language models and
// binds the stage's consumer.
func New(_ context.Context, cfg *config.Config, deps pipeline.Deps, log *zap.Logger) (*Worker, error) {
	m, err := NewMatcher(cfg.Entities, Options{Countries: cfg.Gazetteer.Countries})
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
	w.runner = pipeline.NewRunner(deps.JS, pipeline.Consumers[Stage], Handle(&w.matcher, langs), log, pipeline.RunnerOptions{Metrics: deps.Metrics})
	return w, nil
}

// Reload compiles the entities of cfg into a new matcher and swaps it in
// atomically: messages in flight finish with the old one, the next message
// uses the new one, and none is dropped. On an error the old matcher stays.
func (w *Worker) Reload(cfg *config.Config) error {
	m, err := NewMatcher(cfg.Entities, Options{Countries: cfg.Gazetteer.Countries})
	if err != nil {
		return fmt.Errorf("reload entities: %w", err)
	}
	w.matcher.Store(m)
	w.log.Info("entity matcher swapped", zap.Int("entities", m.Entities()), zap.Int("names", m.Names()))
	return nil
}

// Run consumes until ctx ends.
func (w *Worker) Run(ctx context.Context) error { return w.runner.Run(ctx) }
