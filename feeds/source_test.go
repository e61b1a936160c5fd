package feeds

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/pipeline/pipelinetest"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  Source
		keys []string
	}{
		{"fine", Source{URL: "https://e.org/a.xml", Interval: time.Minute, Lang: "pt-BR"}, nil},
		{"not http", Source{URL: "ftp://e.org/a.xml", Interval: time.Minute}, []string{"url"}},
		{"relative", Source{URL: "/a.xml", Interval: time.Minute}, []string{"url"}},
		{"too often", Source{URL: "https://e.org/a.xml", Interval: time.Second}, []string{"interval"}},
		{"negative", Source{URL: "https://e.org/a.xml", Interval: -time.Second}, []string{"interval"}},
		{"bad lang", Source{URL: "https://e.org/a.xml", Interval: time.Minute, Lang: "english please"}, []string{"lang"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var keys []string
			for _, p := range Check(tt.src) {
				keys = append(keys, p.Key)
			}
			assert.Equal(t, tt.keys, keys)
		})
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, value string
		want             Source
		wantErr          string
	}{
		{"as feeds add stores it", "b", `{"ID":"b","URL":"https://e.org/b.xml","Interval":120000000000,"Lang":"es"}`,
			Source{ID: "b", URL: "https://e.org/b.xml", Interval: 2 * time.Minute, Lang: "es"}, ""},
		{"no interval takes the default", "b", `{"ID":"b","URL":"https://e.org/b.xml"}`,
			Source{ID: "b", URL: "https://e.org/b.xml", Interval: DefaultInterval}, ""},
		{"not json", "b", `{`, Source{}, "decode feed"},
		{"another id", "b", `{"ID":"c","URL":"https://e.org/b.xml"}`, Source{}, `names itself "c"`},
		{"bad id", "B!", `{"ID":"B!","URL":"https://e.org/b.xml"}`, Source{}, "lower-case letters"},
		{"no url", "b", `{"ID":"b"}`, Source{}, "not an http or https URL"},
		{"too often", "b", `{"ID":"b","URL":"https://e.org/b.xml","Interval":1}`, Source{}, "at least 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tt.key, []byte(tt.value))
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalid)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := Decode(tt.key, Encode(got))
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "feeds_test"})
	require.NoError(t, err)
	r := NewRegistry(kv)

	changes := make(chan Change, 10)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Watch(wctx, func(c Change) { changes <- c }) }()

	require.NoError(t, r.Put(ctx, Source{ID: "b", URL: "https://e.org/b.xml", Interval: time.Minute}))
	require.ErrorIs(t, r.Put(ctx, Source{ID: "Bad", URL: "https://e.org/b.xml", Interval: time.Minute}), ErrInvalid)
	_, err = kv.Put(ctx, "junk", []byte("{"))
	require.NoError(t, err)

	got, bad, err := r.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []Source{{ID: "b", URL: "https://e.org/b.xml", Interval: time.Minute}}, got)
	require.Len(t, bad, 1)
	assert.ErrorContains(t, bad[0], `decode feed "junk"`)

	require.NoError(t, r.Remove(ctx, "b"))
	require.ErrorIs(t, r.Remove(ctx, "b"), ErrNotRegistered)

	var seen []Change
	for len(seen) < 3 {
		select {
		case c := <-changes:
			seen = append(seen, c)
		case <-time.After(10 * time.Second):
			t.Fatalf("changes so far: %+v", seen)
		}
	}
	assert.Equal(t, "b", seen[0].Source.ID)
	assert.Equal(t, "junk", seen[1].ID)
	assert.ErrorIs(t, seen[1].Err, ErrInvalid)
	assert.True(t, seen[2].Removed)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return when its context ended")
	}
}

func TestRegistryAdd(t *testing.T) {
	t.Parallel()
	_, js := pipelinetest.Connect(t, pipelinetest.Server(t))
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "feeds_test"})
	require.NoError(t, err)
	r := NewRegistry(kv)

	mine := Source{ID: "three", URL: "https://example.com/mine.xml", Interval: time.Minute}
	require.NoError(t, r.Add(ctx, mine))
	require.ErrorIs(t, r.Add(ctx, Source{ID: "three", URL: "https://other.example.net/other.xml", Interval: time.Minute}), ErrRegistered)
	got, _, err := r.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []Source{mine}, got, "Add never replaces a feed")

	_, err = kv.Put(ctx, "junk", []byte("{"))
	require.NoError(t, err)
	require.ErrorIs(t, r.Add(ctx, Source{ID: "junk", URL: "https://e.org/j.xml", Interval: time.Minute}), ErrRegistered, "nor an entry that does not decode")
	require.ErrorIs(t, r.Add(ctx, Source{ID: "Bad", URL: "https://e.org/b.xml", Interval: time.Minute}), ErrInvalid)

	require.NoError(t, r.Remove(ctx, "three"))
	require.NoError(t, r.Add(ctx, mine), "a removed feed's id is free again")
}
