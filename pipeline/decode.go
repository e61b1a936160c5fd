package pipeline

import (
	"encoding/json"
	"fmt"
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

// Encode marshals a message; the types here always marshal.
func Encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return b
}
