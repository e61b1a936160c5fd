// Package config is mediawatch's configuration: the YAML schema, defaults,
// validation with line numbers, and environment overrides.
package config

import (
	"time"

	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/pipeline"
)

// Config is the whole configuration, loaded once and passed explicitly.
type Config struct {
	NATS      NATS      `yaml:"nats"`
	HTTP      HTTP      `yaml:"http"`
	Log       Log       `yaml:"log"`
	Poller    Poller    `yaml:"poller"`
	Dedup     Dedup     `yaml:"dedup"`
	Streams   Streams   `yaml:"streams"`
	Gazetteer Gazetteer `yaml:"gazetteer"`
	Stories   Stories   `yaml:"stories"`
	Sources   []Source  `yaml:"sources"`
	Entities  []Entity  `yaml:"entities"`
	Rules     []Rule    `yaml:"rules"`
	Sinks     []Sink    `yaml:"sinks"`

	// Path is the file the config was read from ("" for defaults only).
	Path string `yaml:"-"`
	// fromEnv are the keys a MEDIAWATCH_* variable set, for messages to
	// name the variable rather than a line of the file.
	fromEnv []string
}

// NATS says which server to use and how to connect to it.
type NATS struct {
	URL      string   `yaml:"url"` // empty: start the embedded server; tls:// for TLS
	Embedded Embedded `yaml:"embedded"`
	Replicas int      `yaml:"replicas"`
	// At most one way to authenticate: a credentials file (user JWT and
	// seed, as nsc writes it), an nkey seed file, a user with a password,
	// or a token.
	Creds    string `yaml:"creds"`
	NKey     string `yaml:"nkey"`
	User     string `yaml:"user"`
	Password string `yaml:"password" secret:"true"`
	Token    string `yaml:"token" secret:"true"`
	TLS      TLS    `yaml:"tls"`
}

// TLS is how to trust the NATS server (CA) and, for mutual TLS, who we
// are (a client certificate and its key): PEM files.
type TLS struct {
	CA   string `yaml:"ca"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Auth is the connection's credentials and TLS settings, as the pipeline
// takes them.
func (n NATS) Auth() pipeline.Auth {
	return pipeline.Auth{
		Creds: n.Creds, NKey: n.NKey, User: n.User, Password: n.Password, Token: n.Token,
		CA: n.TLS.CA, Cert: n.TLS.Cert, Key: n.TLS.Key,
	}
}

// Log says how the process logs.
type Log struct {
	// Format is json or console; empty: console on a terminal, json
	// otherwise.
	Format string `yaml:"format"`
	Level  string `yaml:"level"` // debug, info (default), warn or error
}

// Embedded configures the in-process NATS server.
type Embedded struct {
	Listen   string `yaml:"listen"`
	StoreDir string `yaml:"store_dir"`
}

// HTTP configures the metrics and health endpoint.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Poller tunes feed fetching.
type Poller struct {
	Timeout     Duration `yaml:"timeout"`       // per request
	MaxBodySize ByteSize `yaml:"max_body_size"` // after decompression
	UserAgent   string   `yaml:"user_agent"`
	// MaxItems is how many items of one fetch are published: the first
	// ones.
	MaxItems int `yaml:"max_items"`
	// MaxRetryAfter caps how long a server's Retry-After may rest a feed.
	MaxRetryAfter Duration `yaml:"max_retry_after"`
	// AllowPrivateNetworks lets feeds added at run time (feeds add, OPML
	// import, the registry) reach loopback and private addresses. Feeds of
	// the config file always may.
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
}

// Streams are the limits of each stream: messages older than MaxAge, or
// beyond MaxBytes (the oldest first), are dropped.
type Streams struct {
	Raw      StreamLimits `yaml:"raw"`
	Articles StreamLimits `yaml:"articles"`
	Tagged   StreamLimits `yaml:"tagged"`
	Alerts   StreamLimits `yaml:"alerts"`
	Mentions StreamLimits `yaml:"mentions"`
	DLQ      StreamLimits `yaml:"dlq"`
	Stories  StreamLimits `yaml:"stories"`

	// set are the limits the file or the environment sets ("raw.max_age",
	// ...): those mediawatch applies to an existing stream; the others are
	// the operator's to change.
	set map[string]bool
}

// Stories tunes story clustering.
type Stories struct {
	// Window is how far back an article looks for the articles it copies
	// (default 72h, at most 168h and at most streams.articles.max_age).
	Window Duration `yaml:"window"`
}

// StreamLimits bound one stream.
type StreamLimits struct {
	MaxAge   Duration `yaml:"max_age"`
	MaxBytes ByteSize `yaml:"max_bytes"`
}

// Dedup tunes duplicate detection.
type Dedup struct {
	TTL Duration `yaml:"ttl"` // how long an article id is remembered
}

// Gazetteer switches on built-in entity lists.
type Gazetteer struct {
	// Countries adds every country as an entity: id is the lower-case ISO
	// 3166 code, kind place, names from CLDR in every language.
	Countries bool `yaml:"countries"`
}

// Source is one feed.
type Source struct {
	ID       string   `yaml:"id"`
	URL      string   `yaml:"url"`
	Interval Duration `yaml:"interval"`
	Lang     string   `yaml:"lang"` // declared language; overrides the feed's own
}

// Feed is the source as the feed library knows it.
func (s Source) Feed() feeds.Source {
	return feeds.Source{ID: s.ID, URL: s.URL, Interval: time.Duration(s.Interval), Lang: s.Lang}
}

// Feeds maps sources onto the feed library's.
func Feeds(sources []Source) []feeds.Source {
	out := make([]feeds.Source, len(sources))
	for i, s := range sources {
		out[i] = s.Feed()
	}
	return out
}

// Entity is a person, place, organisation or anything else to find.
type Entity struct {
	ID      string `yaml:"id"`
	Kind    string `yaml:"kind"`    // person, place, org or other
	Country string `yaml:"country"` // ISO 3166 alpha-2: adds its CLDR names
	// Names by the language they are written in; the key says how a name is
	// stemmed ("any" or an unknown code: not stemmed).
	Names map[string][]string `yaml:"names"`
	// Exclude lists phrases a hit of the entity may lie inside without
	// counting ("Venezuela Avenue", 古巴比伦), normalised as names are.
	Exclude []string `yaml:"exclude"`
	// Case is proper (capitalised name words match capitalised text words
	// only, or words in capitals) or any; empty: proper for people, any for
	// the other kinds.
	Case string `yaml:"case"`
}

// Rule is an alert rule: a query, or a spike.
type Rule struct {
	ID    string `yaml:"id"`
	Query string `yaml:"query"`
	// Per says how often a story alerts the rule: story (the default:
	// once, on its first article that matches) or article (every copy).
	Per    string   `yaml:"per"`
	Spike  *Spike   `yaml:"spike"`
	Notify []string `yaml:"notify"`
}

// Per values.
const (
	PerStory   = "story"
	PerArticle = "article"
)

// Spike is a rule that alerts when more distinct stories than usual
// mention an entity: at least Min in the last Window, and at least Factor
// times the mean of the same window of the day over the last 7 days.
type Spike struct {
	Entity string   `yaml:"entity"`
	Factor float64  `yaml:"factor"` // default 3
	Window Duration `yaml:"window"` // default 1h; a multiple of 5m, at most 24h
	Min    int      `yaml:"min"`    // default 5
}

// Sink is an alert destination, delivered by the notifier (see sinks.go
// for each key's rules and defaults).
type Sink struct {
	ID   string `yaml:"id"`
	Type string `yaml:"type"` // webhook, slack, email or ntfy
	// URL is where to deliver: the webhook, the Slack incoming webhook, the
	// ntfy topic (https://ntfy.sh/mytopic), or the SMTP server
	// (smtp://user@host:587 for STARTTLS, smtps://user@host:465 for TLS).
	URL string `yaml:"url"`
	// SecretEnv names the environment variable that holds the sink's
	// secret: the webhook's whsec_ signing secret, the SMTP password, the
	// ntfy access token, or the Slack webhook URL (instead of url).
	SecretEnv string            `yaml:"secret_env"`
	Headers   map[string]string `yaml:"headers"` // webhook: more request headers
	From      string            `yaml:"from"`    // email
	To        []string          `yaml:"to"`      // email
	Mode      string            `yaml:"mode"`    // each (default) or digest
	Every     Duration          `yaml:"every"`   // digest: how often (default 1h)
	// MaxPerHour caps the messages sent in a clock hour (0: no cap); the
	// alerts beyond it are folded into a digest sent once the cap allows.
	MaxPerHour int `yaml:"max_per_hour"`
	// AllowPrivate lets the sink reach loopback and private addresses.
	AllowPrivate bool     `yaml:"allow_private"`
	Timeout      Duration `yaml:"timeout"`   // per delivery attempt (default 10s)
	MaxDelay     Duration `yaml:"max_delay"` // the longest wait before a retry, Retry-After included (default 1m)
}

// Duration is a time.Duration written as "5m" in YAML.
type Duration time.Duration

// ByteSize is a size in bytes, written as 10MB, 512KiB or a plain number.
type ByteSize int64
