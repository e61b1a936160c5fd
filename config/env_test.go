package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fieldAt finds the field of c at a dotted key path.
func fieldAt(t *testing.T, c *Config, path string) reflect.Value {
	t.Helper()
	v := reflect.ValueOf(c).Elem()
	for _, part := range strings.Split(path, ".") {
		found := false
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			if name == part {
				v, found = v.Field(i), true
				break
			}
		}
		require.True(t, found, "key %s: no field %s", path, part)
	}
	return v
}

// Every key of the schema, found by walking it, comes from its
// MEDIAWATCH_<SECTION>_<KEY> variable: a value of the key's type set in
// the environment is the value the configuration holds.
func TestEveryKeyComesFromTheEnvironment(t *testing.T) {
	t.Parallel()
	keys := EnvKeys()
	byPath := map[string]string{}
	for _, k := range keys {
		byPath[k.Path] = k.Var
	}
	// The pinned names, and a sample of the rest.
	for path, name := range map[string]string{
		"nats.url": "MEDIAWATCH_NATS_URL", "nats.password": "MEDIAWATCH_NATS_PASSWORD", "nats.token": "MEDIAWATCH_NATS_TOKEN",
		"log.format": "MEDIAWATCH_LOG_FORMAT", "nats.tls.ca": "MEDIAWATCH_NATS_TLS_CA", "nats.embedded.store_dir": "MEDIAWATCH_NATS_EMBEDDED_STORE_DIR",
		"streams.alerts.max_bytes": "MEDIAWATCH_STREAMS_ALERTS_MAX_BYTES", "sources": "MEDIAWATCH_SOURCES",
	} {
		assert.Equal(t, name, byPath[path], path)
	}

	samples := map[reflect.Type]struct {
		raw  string
		want any
	}{
		reflect.TypeFor[string]():   {"from-env", "from-env"},
		reflect.TypeFor[int]():      {"4", 4},
		reflect.TypeFor[bool]():     {"true", true},
		reflect.TypeFor[Duration](): {"7m", Duration(7 * time.Minute)},
		reflect.TypeFor[ByteSize](): {"3MB", ByteSize(3_000_000)},
		reflect.TypeFor[[]Source](): {`[{id: a, url: "https://e.org/a.xml", interval: 1m}]`,
			[]Source{{ID: "a", URL: "https://e.org/a.xml", Interval: Duration(time.Minute)}}},
		reflect.TypeFor[[]Entity](): {`[{id: x, names: {en: [X]}}]`, []Entity{{ID: "x", Names: map[string][]string{"en": {"X"}}}}},
		reflect.TypeFor[[]Rule]():   {`[{id: r, query: "entity:x"}]`, []Rule{{ID: "r", Query: "entity:x"}}},
		reflect.TypeFor[[]Sink]():   {`[{id: s, type: webhook, url: "https://e.org/h"}]`, []Sink{{ID: "s", Type: "webhook", URL: "https://e.org/h"}}},
	}
	require.NotEmpty(t, keys)
	for _, k := range keys {
		c := &Config{}
		typ := fieldAt(t, c, k.Path).Type()
		s, ok := samples[typ]
		require.True(t, ok, "key %s: a type (%s) the test has no sample of", k.Path, typ)
		require.NoError(t, c.applyEnv(func(name string) string {
			if name == k.Var {
				return s.raw
			}
			return ""
		}), k.Var)
		assert.Equal(t, s.want, fieldAt(t, c, k.Path).Interface(), "%s=%s sets %s", k.Var, s.raw, k.Path)
	}
}

// A value the key cannot hold is refused, naming the variable; a secret's
// value is not repeated.
func TestEnvironmentValueRefused(t *testing.T) {
	t.Parallel()
	_, err := Parse("x.yaml", nil, func(k string) string {
		return map[string]string{"MEDIAWATCH_POLLER_TIMEOUT": "soon", "MEDIAWATCH_NATS_REPLICAS": "three"}[k]
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MEDIAWATCH_POLLER_TIMEOUT")
	assert.Contains(t, err.Error(), "MEDIAWATCH_NATS_REPLICAS")
	assert.True(t, secretKey("nats.password"))
	assert.True(t, secretKey("nats.token"))
	assert.False(t, secretKey("nats.user"))
}

// A list from the environment is held to the file's rules: an unknown key
// is refused, and a problem in it names the variable, not a line of the
// file.
func TestEnvironmentListsAreCheckedAsTheFileIs(t *testing.T) {
	t.Parallel()
	file := []byte("rules:\n  - {id: own, query: 'venezuela'}\n")
	_, err := Parse("x.yaml", file, func(k string) string {
		return map[string]string{"MEDIAWATCH_SOURCES": `[{id: a, url: "https://e.org/a.xml", intervall: 10m}]`}[k]
	})
	require.ErrorContains(t, err, "MEDIAWATCH_SOURCES")
	assert.ErrorContains(t, err, "intervall")
	_, err = Parse("x.yaml", file, func(k string) string {
		return map[string]string{"MEDIAWATCH_RULES": `[{id: vz, query: "entity:nosuch"}]`}[k]
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `MEDIAWATCH_RULES: rules[0] (vz).query column 1: unknown entity "nosuch"`)
	assert.NotContains(t, err.Error(), "x.yaml:2")
}

// A string from a variable is named as the culprit too, and each NATS
// setting's problem on its own; a URL without a scheme, which nats.go
// takes, is a URL, and a bad one is shown without its password.
func TestEnvironmentStringsAreNamed(t *testing.T) {
	t.Parallel()
	file := []byte("nats:\n  embedded: {listen: '127.0.0.1:4222'}\n")
	_, err := Parse("x.yaml", file, func(k string) string {
		return map[string]string{"MEDIAWATCH_NATS_CREDS": "/nonexistent/mw.creds", "MEDIAWATCH_NATS_TLS_CA": "/nonexistent/ca.pem"}[k]
	})
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	require.Len(t, cerr.Problems, 2, err.Error())
	assert.Contains(t, err.Error(), "MEDIAWATCH_NATS_CREDS: nats connection settings: creds:")
	assert.Contains(t, err.Error(), "MEDIAWATCH_NATS_TLS_CA: nats connection settings: tls.ca:")
	assert.NotContains(t, err.Error(), "x.yaml:1")
	assert.NotContains(t, err.Error(), "x.yaml:2")

	_, err = Parse("x.yaml", file, func(k string) string {
		return map[string]string{"MEDIAWATCH_NATS_URL": "bob:pw2SECRET@h3:4222"}[k]
	})
	require.NoError(t, err, "host:port with user info and no scheme")
	_, err = Parse("x.yaml", file, func(k string) string {
		return map[string]string{"MEDIAWATCH_NATS_URL": "bob:pw2SECRET@%zz"}[k]
	})
	require.ErrorContains(t, err, "MEDIAWATCH_NATS_URL: nats.url")
	assert.NotContains(t, err.Error(), "pw2SECRET")
}

func TestEnvTypos(t *testing.T) {
	t.Parallel()
	got := EnvTypos([]string{"MEDIAWATCH_NATS_ULR=nats://x", "MEDIAWATCH_NATS_URL=nats://y", "MEDIAWATCH_CONFIG=c.yaml",
		"MEDIAWATCH_IMAGE=mediawatch:local", "PATH=/bin", "MEDIAWATCH_LOG_LEVLE=debug"})
	assert.Equal(t, []string{
		"MEDIAWATCH_NATS_ULR is not a config variable: did you mean MEDIAWATCH_NATS_URL? (it overrides nothing)",
		"MEDIAWATCH_LOG_LEVLE is not a config variable: did you mean MEDIAWATCH_LOG_LEVEL? (it overrides nothing)",
	}, got)
}

// A stream limit set in the file or the environment is owned (applied to
// an existing stream); a default is not.
func TestStreamLimitsOwnedWhenSet(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("x.yaml", []byte("streams:\n  raw: {max_age: 2h}\n"), func(k string) string {
		return map[string]string{"MEDIAWATCH_STREAMS_ALERTS_MAX_BYTES": "5MB"}[k]
	})
	require.NoError(t, err)
	l := cfg.Streams.ByStream()
	assert.True(t, l["RAW"].OwnMaxAge)
	assert.False(t, l["RAW"].OwnMaxBytes)
	assert.True(t, l["ALERTS"].OwnMaxBytes)
	assert.Equal(t, int64(5_000_000), l["ALERTS"].MaxBytes)
	assert.False(t, l["ALERTS"].OwnMaxAge)
	assert.Equal(t, 30*24*time.Hour, l["ALERTS"].MaxAge, "the default, for a stream being created")
	assert.False(t, Default().Streams.ByStream()["DLQ"].OwnMaxAge)
}
