package pipeline

import (
	stdjson "encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeArticle(t *testing.T) {
	t.Parallel()
	id := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, data, want string
	}{
		{"fine", `{"schema":1,"id":"` + id + `","feed":"dw-es"}`, ""},
		{"not json", `{`, "decode article"},
		{"newer schema", `{"schema":2,"id":"` + id + `","feed":"f"}`, "newer"},
		{"no id", `{"schema":1,"feed":"f"}`, "no id"},
		{"a 5000-byte id", `{"schema":1,"id":"` + strings.Repeat("i", 5000) + `","feed":"f"}`, "(5000 bytes)"},
		{"upper-case hex", `{"schema":1,"id":"` + strings.ToUpper(id) + `","feed":"f"}`, "32 lower-case hex"},
		{"no feed", `{"schema":1,"id":"` + id + `"}`, "no feed"},
		{"feed with a dot", `{"schema":1,"id":"` + id + `","feed":"a.b"}`, `feed "a.b"`},
		{"feed with a wildcard", `{"schema":1,"id":"` + id + `","feed":">"}`, `feed ">"`},
		{"feed with a space", `{"schema":1,"id":"` + id + `","feed":"a b"}`, `feed "a b"`},
		{"a 65-byte feed", `{"schema":1,"id":"` + id + `","feed":"` + strings.Repeat("f", 65) + `"}`, "at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := DecodeArticle([]byte(tt.data))
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, id, a.ID)
				return
			}
			require.ErrorIs(t, err, ErrPermanent, "never retried")
			assert.Contains(t, err.Error(), tt.want)
			assert.Less(t, len(err.Error()), 300)
		})
	}
}

func FuzzDecodeArticle(f *testing.F) {
	f.Add([]byte(`{"schema":1,"id":"0123456789abcdef0123456789abcdef","feed":"f","title":"t"}`))
	f.Add([]byte(`{"schema":1,"id":"x","feed":"a.b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeArticle(data)
		if err != nil {
			if !errors.Is(err, ErrPermanent) {
				t.Fatalf("a refusal that would be retried: %v", err)
			}
			return
		}
		if !ValidArticleID(a.ID) || !ValidID(a.Feed) {
			t.Fatalf("accepted %q of feed %q", a.ID, a.Feed)
		}
	})
}

// Messages are the JSON encoding/json writes, byte for byte, whatever
// library writes them.
func TestEncodeIsEncodingJSON(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 27, 8, 0, 0, 123, time.UTC)
	a := Article{Schema: 1, ID: "0123456789abcdef0123456789abcdef", Feed: "dw-de", URL: "https://e.org/a?x=1&y=<2>", Title: "Ü & <b>\u2028",
		Summary: "s", Content: "<p>c</p>", Lang: "de", LangConf: 0.75, Authors: []string{"A"}, Fetched: when,
		Entities: []Entity{{ID: "venezuela", Kind: "place", Surface: "Venezuela", Field: "title", Start: 1, End: 10, Name: "Venezuela", NameLang: "en"}}}
	for _, v := range []any{a, Article{}, Alert{Schema: 1, ID: "x", Article: a, Entities: []string{"venezuela"}, Matches: []Match{{Term: "t"}}}, Mention{Entity: "e"}, Ticket{Feed: "f", Due: when, Boot: true}} {
		want, err := stdjson.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(Encode(v)))
	}
}
