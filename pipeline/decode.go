package pipeline

import (
	"fmt"

	json "github.com/goccy/go-json"
)

// DecodeArticle reads an article message. Anything a retry cannot fix (bad
// JSON, a newer schema, an id that is not an article id, a feed that is not
// a feed id) is a permanent error: no subject is ever built from a value
// that is not a valid id.
func DecodeArticle(data []byte) (*Article, error) {
	var a Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, Permanent(fmt.Errorf("decode article: %w", err))
	}
	switch {
	case a.Schema > ArticleSchema:
		return nil, Permanent(fmt.Errorf("decode article: schema %d is newer than this worker knows (%d)", a.Schema, ArticleSchema))
	case a.ID == "":
		return nil, Permanent(fmt.Errorf("decode article: no id"))
	case !ValidArticleID(a.ID):
		return nil, Permanent(fmt.Errorf("decode article: id %s is not 32 lower-case hex digits", Quote(a.ID)))
	case a.Feed == "":
		return nil, Permanent(fmt.Errorf("decode article %s: no feed", a.ID))
	case !ValidID(a.Feed):
		return nil, Permanent(fmt.Errorf("decode article %s: feed %s: must be %s", a.ID, Quote(a.Feed), IDRule))
	}
	return &a, nil
}

// Messages are decoded and encoded with github.com/goccy/go-json: the same
// JSON as encoding/json's, byte for byte, four times faster, on the hot path
// of every stage.

// Encode marshals a message; the types here always marshal.
func Encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return b
}

// Headers every article message carries beside its JSON, so that a stage
// that needs only an article's identity (dedup) reads no JSON.
const (
	HeaderArticleID = "Mediawatch-Article-Id"
	HeaderFeed      = "Mediawatch-Feed"
)

// ArticleHeader is the header of an article message of id and feed.
func ArticleHeader(id, feed string) map[string][]string {
	return map[string][]string{HeaderArticleID: {id}, HeaderFeed: {feed}}
}

// ArticleRef reads an article message's id and feed: from its headers when
// it has them, else from its JSON. Like DecodeArticle it refuses, as
// permanent, an id or a feed that is not one.
func ArticleRef(m Message) (id, feed string, err error) {
	ids, feeds := m.Header[HeaderArticleID], m.Header[HeaderFeed]
	if len(ids) != 1 || len(feeds) != 1 {
		a, err := DecodeArticle(m.Data)
		if err != nil {
			return "", "", err
		}
		return a.ID, a.Feed, nil
	}
	id, feed = ids[0], feeds[0]
	switch {
	case !ValidArticleID(id):
		return "", "", Permanent(fmt.Errorf("article header: id %s is not 32 lower-case hex digits", Quote(id)))
	case !ValidID(feed):
		return "", "", Permanent(fmt.Errorf("article %s header: feed %s: must be %s", id, Quote(feed), IDRule))
	}
	return id, feed, nil
}
