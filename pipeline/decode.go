package pipeline

import (
	"encoding/json"
	"fmt"
)

// DecodeArticle reads an article message. Anything a retry cannot fix (bad
// JSON, a newer schema, no id or feed) is a permanent error.
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
	case a.Feed == "":
		return nil, Permanent(fmt.Errorf("decode article %s: no feed", a.ID))
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
