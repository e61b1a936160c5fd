package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediawatch/mediawatch/match"
)

func noEnv(string) string { return "" }

func TestShippedConfigIsValid(t *testing.T) {
	cfg, err := Load("mediawatch.yaml", noEnv)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(cfg.Sources), 10)
	langs := map[string]bool{}
	for _, s := range cfg.Sources {
		langs[s.Lang] = true
	}
	for _, l := range []string{"en", "es", "de", "fr", "pt"} {
		assert.True(t, langs[l], "a source in %s", l)
	}
	require.Len(t, cfg.Rules, 1)
	assert.Equal(t, "entity:venezuela OR entity:caribbean", cfg.Rules[0].Query)

	// The sample spells out the poller's and dedup's defaults: they are
	// the built-in ones, so that copying it changes nothing unawares.
	def, err := Parse("x.yaml", nil, noEnv)
	require.NoError(t, err)
	assert.Equal(t, def.Poller, cfg.Poller)
	assert.Equal(t, def.Dedup, cfg.Dedup)
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse("x.yaml", []byte("sources:\n  - {id: a, url: 'https://example.org/feed'}\n"), noEnv)
	require.NoError(t, err)
	assert.Equal(t, "", cfg.NATS.URL)
	assert.Equal(t, DefaultEmbeddedListen, cfg.NATS.Embedded.Listen)
	assert.Equal(t, DefaultStoreDir, cfg.NATS.Embedded.StoreDir)
	assert.Equal(t, 1, cfg.NATS.Replicas)
	assert.Equal(t, DefaultHTTPListen, cfg.HTTP.Listen)
	assert.Equal(t, DefaultInterval, time.Duration(cfg.Sources[0].Interval))
	assert.Equal(t, ByteSize(DefaultMaxBodySize), cfg.Poller.MaxBodySize)
}

func TestEnvOverrides(t *testing.T) {
	env := map[string]string{
		"MEDIAWATCH_NATS_URL":                "nats://10.0.0.1:4222",
		"MEDIAWATCH_NATS_REPLICAS":           "3",
		"MEDIAWATCH_HTTP_LISTEN":             "0.0.0.0:9999",
		"MEDIAWATCH_NATS_EMBEDDED_STORE_DIR": "/tmp/x",
	}
	cfg, err := Parse("x.yaml", []byte("nats: {url: 'nats://file:4222'}\n"), func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, "nats://10.0.0.1:4222", cfg.NATS.URL)
	assert.Equal(t, 3, cfg.NATS.Replicas)
	assert.Equal(t, "0.0.0.0:9999", cfg.HTTP.Listen)
	assert.Equal(t, "/tmp/x", cfg.NATS.Embedded.StoreDir)

	_, err = Parse("x.yaml", nil, func(k string) string {
		if k == "MEDIAWATCH_NATS_REPLICAS" {
			return "three"
		}
		return ""
	})
	require.ErrorContains(t, err, "MEDIAWATCH_NATS_REPLICAS")
}

func TestValidationListsEveryProblemWithItsLine(t *testing.T) {
	bad := `sources:
  - {id: "DW ES", url: "https://example.org/a"}
  - id: ok
    url: "ftp://example.org/b"
    interval: -5m
  - {id: ok, url: "https://example.org/c", interval: 1s}
entities:
  - {id: venezuela, kind: place, country: XX}
  - {id: empty, kind: thing}
rules:
  - {id: r1, query: "entity:venezuela AND (Karibik"}
  - {id: r2, query: "entity:atlantis", notify: [nowhere]}
`
	_, err := Parse("bad.yaml", []byte(bad), noEnv)
	require.Error(t, err)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	msg := err.Error()
	for _, want := range []string{
		`bad.yaml:2: sources[0].id "DW ES": must be lower-case`,
		`bad.yaml:4: sources[1] (ok).url "ftp://example.org/b": not an http or https URL`,
		`bad.yaml:5: sources[1] (ok).interval -5m0s: must not be negative`,
		`bad.yaml:6: sources[2].id "ok": used twice`,
		`bad.yaml:6: sources[2] (ok).interval 1s: at least 10s`,
		`bad.yaml:8: entities[0] (venezuela).country "XX": not an ISO 3166`,
		`bad.yaml:9: entities[1] (empty).kind "thing"`,
		`bad.yaml:9: entities[1] (empty): needs names or a country`,
		`bad.yaml:11: rules[0] (r1).query: column 22: unmatched "("`,
		`bad.yaml:12: rules[1] (r2).query column 1: unknown entity "atlantis"`,
		`bad.yaml:12: rules[1] (r2).notify: unknown sink "nowhere"`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.Len(t, cerr.Problems, 11, msg)
}

func TestUnknownKeyAndBadTypes(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "natz: {}\n", "line 1: natz: unknown key"},
		{"unknown nested key", "nats:\n  url: ''\n  bogus_key: 1\n", "line 3: nats.bogus_key: unknown key"},
		{"bad duration", "sources:\n  - {id: a, url: 'https://e.org', interval: soon}\n", `line 2: sources[0].interval: "soon" is not a duration`},
		{"bad size", "poller: {max_body_size: lots}\n", `line 1: poller.max_body_size: "lots" is not a size`},
		{"not a number", "nats:\n  replicas: three\n", `line 2: nats.replicas: "three" is not a whole number`},
		{"not a list", "sources:\n  id: a\n", `line 2: sources: a mapping is not a list`},
		{"bad http listen", "http: {listen: not-an-addr}\n", `bad.yaml:1: http.listen "not-an-addr": not an address like 127.0.0.1:9090`},
		{"bad embedded port", "nats:\n  embedded: {listen: '127.0.0.1:http'}\n", `bad.yaml:2: nats.embedded.listen "127.0.0.1:http": port "http": not a number`},
		{"not yaml", "sources: [\n", "bad.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.yaml), noEnv)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// A bad value of one key does not hide the problems of the others: every
// one is listed, each with its line.
func TestEveryProblemListedWithTypeErrors(t *testing.T) {
	_, err := Parse("mixed.yaml", []byte(`poller:
  timeout: 5 minutes
  bogus: 1
nats:
  replicas: three
sources:
  - {id: "Bad Id", url: "https://e.org/a.xml", interval: 1d}
`), noEnv)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	msg := err.Error()
	for _, want := range []string{
		`mixed.yaml: line 2: poller.timeout: "5 minutes" is not a duration`,
		`mixed.yaml: line 3: poller.bogus: unknown key`,
		`mixed.yaml: line 5: nats.replicas: "three" is not a whole number`,
		`mixed.yaml: line 7: sources[0].interval: "1d" is not a duration`,
		`mixed.yaml:7: sources[0].id "Bad Id": must be lower-case letters`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.Len(t, cerr.Problems, 5, msg)
}

func TestGazetteerCountriesMakeEntityIDs(t *testing.T) {
	_, err := Parse("x.yaml", []byte("rules:\n  - {id: r, query: 'entity:ve'}\n"), noEnv)
	require.ErrorContains(t, err, `unknown entity "ve"`)
	cfg, err := Parse("x.yaml", []byte("gazetteer: {countries: true}\nrules:\n  - {id: r, query: 'entity:ve OR entity:cu'}\n"), noEnv)
	require.NoError(t, err)
	assert.True(t, cfg.EntityIDs()["ve"])
	assert.Greater(t, len(match.CountryCodes()), 240)
}

func TestRedacted(t *testing.T) {
	cfg := Default()
	cfg.NATS.URL = "nats://user:secret@host:4222"
	assert.NotContains(t, cfg.Redacted().NATS.URL, "secret")
	assert.Equal(t, "nats://user:secret@host:4222", cfg.NATS.URL)
	cfg.Sources = []Source{{ID: "priv", URL: "https://alice:s3cret@feeds.example.org/p.xml?apikey=K3Y&format=rss"}}
	assert.Equal(t, "https://alice:REDACTED@feeds.example.org/p.xml?apikey=REDACTED&format=rss", cfg.Redacted().Sources[0].URL)
	assert.Contains(t, cfg.Sources[0].URL, "s3cret", "the config itself keeps its secrets")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("does-not-exist.yaml", noEnv)
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, strings.Contains(err.Error(), "does-not-exist.yaml"))
	assert.False(t, errors.Is(err, os.ErrPermission))
}

func TestCountryCodesAreWhatTheGazetteerAdds(t *testing.T) {
	assert.True(t, match.IsCountry("ve"))
	assert.True(t, match.IsCountry("VE"))
	for _, code := range []string{"EU", "UN", "ZZ", "XA", "QO", "AC"} {
		assert.False(t, match.IsCountry(code), code)
	}
	_, err := Parse("x.yaml", []byte("entities:\n  - {id: europe, country: EU}\n"), noEnv)
	require.ErrorContains(t, err, `country "EU": not an ISO 3166 two-letter country code`)
	_, err = Parse("x.yaml", []byte("gazetteer: {countries: true}\nrules:\n  - {id: r, query: 'entity:eu'}\n"), noEnv)
	require.ErrorContains(t, err, `unknown entity "eu"`)
}

// An id that would make a subject too long, or carries subject syntax, is
// refused with its line; a hostile value is quoted short.
func TestIDsAreSubjectTokens(t *testing.T) {
	long := strings.Repeat("a", 5000)
	doc := "sources:\n  - {id: " + long + ", url: 'https://e.org/a'}\n  - {id: 'a.b', url: 'https://e.org/b'}\n" +
		"rules:\n  - {id: '>', query: 'x'}\n  - {id: 'bad id*>', query: 'y'}\n"
	_, err := Parse("ids.yaml", []byte(doc), noEnv)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	require.Len(t, cerr.Problems, 4, err.Error())
	assert.Contains(t, err.Error(), "ids.yaml:2: sources[0].id")
	assert.Contains(t, err.Error(), "at most 64")
	assert.Contains(t, err.Error(), "(5000 bytes)")
	assert.Less(t, len(err.Error()), 2000, "the long id is not printed whole")
	assert.Contains(t, err.Error(), `ids.yaml:3: sources[1].id "a.b"`)
	assert.Contains(t, err.Error(), `ids.yaml:5: rules[0].id ">"`)
}

func TestLimitsDefaultsAndValidation(t *testing.T) {
	cfg, err := Parse("x.yaml", []byte("streams: {raw: {max_age: 2h}}\npoller: {max_items: 50}\n"), noEnv)
	require.NoError(t, err)
	assert.Equal(t, Duration(2*time.Hour), cfg.Streams.Raw.MaxAge)
	assert.Equal(t, ByteSize(2_000_000_000), cfg.Streams.Raw.MaxBytes, "an unset limit takes its default")
	assert.Equal(t, Duration(30*24*time.Hour), cfg.Streams.Alerts.MaxAge)
	assert.Equal(t, 50, cfg.Poller.MaxItems)
	assert.Equal(t, Duration(6*time.Hour), cfg.Poller.MaxRetryAfter)
	assert.False(t, cfg.Poller.AllowPrivateNetworks)
	_, err = Parse("x.yaml", []byte("streams: {dlq: {max_age: -1h}}\npoller: {max_items: -1}\n"), noEnv)
	require.ErrorContains(t, err, "x.yaml:1: streams.dlq.max_age")
	require.ErrorContains(t, err, "x.yaml:2: poller.max_items")
}
