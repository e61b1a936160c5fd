package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/mediawatch/mediawatch/feeds"
	"github.com/mediawatch/mediawatch/match"
	"github.com/mediawatch/mediawatch/pipeline"
	"github.com/mediawatch/mediawatch/query"
	"github.com/mediawatch/mediawatch/reader"
)

// Defaults used where the file says nothing.
const (
	DefaultEmbeddedListen = "127.0.0.1:4222"
	DefaultStoreDir       = "./data/nats"
	DefaultHTTPListen     = "127.0.0.1:9090"
	DefaultInterval       = feeds.DefaultInterval
	DefaultTimeout        = reader.DefaultTimeout
	DefaultMaxBodySize    = reader.DefaultMaxBody
	DefaultUserAgent      = "mediawatch/0.1 (+https://github.com/mediawatch/mediawatch)"
	DefaultDedupTTL       = 30 * 24 * time.Hour
	DefaultMaxItems       = 1000
	DefaultMaxRetryAfter  = 6 * time.Hour
	DefaultStoryWindow    = 72 * time.Hour
	MaxStoryWindow        = 168 * time.Hour
	DefaultSpikeFactor    = 3
	DefaultSpikeWindow    = time.Hour
	DefaultSpikeMin       = 5
	SpikeSlot             = 5 * time.Minute // a spike window is a whole number of these
	MaxSpikeWindow        = 24 * time.Hour
)

// Default returns the configuration used when no file is given.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

// readConfig reads a config file; a test replaces it to race a write.
var readConfig = os.ReadFile

// Load reads, defaults, overrides from the environment and validates the
// file at path. A file with problems is refused with every problem listed,
// each with its line.
func Load(path string, env func(string) string) (*Config, error) {
	data, err := readConfig(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, env)
}

// Parse is Load on bytes already read; path is used in messages only.
func Parse(path string, data []byte, env func(string) string) (*Config, error) {
	var root yaml.Node
	var typeErrs []error
	c := &Config{Path: path}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			// A value of the wrong type, an unknown key, a bad duration
			// or size: each is a problem, and the rest is still checked.
			var te *yaml.TypeError
			if !errors.As(err, &te) {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			for _, e := range te.Errors {
				typeErrs = append(typeErrs, fmt.Errorf("%s: %s", path, explainTypeError(&root, strings.TrimPrefix(e, "yaml: "))))
			}
		}
		c.Path = path
	}
	if env != nil {
		if err := c.applyEnv(env); err != nil {
			return nil, err
		}
	}
	c.Streams.set = c.Streams.setLimits()
	c.applyDefaults()
	if errs := append(typeErrs, c.validate(&lines{root: &root, path: path, env: c.fromEnv})...); len(errs) > 0 {
		return nil, &Error{Path: path, Problems: errs}
	}
	return c, nil
}

// Error is a configuration refused for one or more problems.
type Error struct {
	Path     string
	Problems []error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid config %s: %d problem(s)", e.Path, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As see every problem.
func (e *Error) Unwrap() []error { return e.Problems }

func (c *Config) applyDefaults() {
	if c.NATS.Embedded.Listen == "" {
		c.NATS.Embedded.Listen = DefaultEmbeddedListen
	}
	if c.NATS.Embedded.StoreDir == "" {
		c.NATS.Embedded.StoreDir = DefaultStoreDir
	}
	if c.NATS.Replicas == 0 {
		c.NATS.Replicas = 1
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = DefaultHTTPListen
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Poller.Timeout == 0 {
		c.Poller.Timeout = Duration(DefaultTimeout)
	}
	if c.Poller.MaxBodySize == 0 {
		c.Poller.MaxBodySize = DefaultMaxBodySize
	}
	if c.Poller.UserAgent == "" {
		c.Poller.UserAgent = DefaultUserAgent
	}
	if c.Dedup.TTL == 0 {
		c.Dedup.TTL = Duration(DefaultDedupTTL)
	}
	if c.Poller.MaxItems == 0 {
		c.Poller.MaxItems = DefaultMaxItems
	}
	if c.Poller.MaxRetryAfter == 0 {
		c.Poller.MaxRetryAfter = Duration(DefaultMaxRetryAfter)
	}
	for _, s := range c.Streams.each() {
		def := DefaultStreamLimits()[s.name]
		if s.l.MaxAge == 0 {
			s.l.MaxAge = def.MaxAge
		}
		if s.l.MaxBytes == 0 {
			s.l.MaxBytes = def.MaxBytes
		}
	}
	if c.Stories.Window == 0 {
		c.Stories.Window = Duration(DefaultStoryWindow)
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Per == "" {
			r.Per = PerStory
		}
		if sp := r.Spike; sp != nil {
			if sp.Factor == 0 {
				sp.Factor = DefaultSpikeFactor
			}
			if sp.Window == 0 {
				sp.Window = Duration(DefaultSpikeWindow)
			}
			if sp.Min == 0 {
				sp.Min = DefaultSpikeMin
			}
		}
	}
	for i := range c.Sources {
		if c.Sources[i].Interval == 0 {
			c.Sources[i].Interval = Duration(DefaultInterval)
		}
	}
	for i := range c.Entities {
		if c.Entities[i].Kind == "" {
			c.Entities[i].Kind = "other"
		}
	}
	for i := range c.Sinks {
		c.Sinks[i].applyDefaults()
	}
}

// DefaultStreamLimits are the streams' limits where the file sets none, by
// the name of their key under streams.
func DefaultStreamLimits() map[string]StreamLimits {
	const day, gb = 24 * time.Hour, 1000 * 1000 * 1000
	return map[string]StreamLimits{
		"raw":      {MaxAge: Duration(day), MaxBytes: 2 * gb},
		"articles": {MaxAge: Duration(7 * day), MaxBytes: 4 * gb},
		"tagged":   {MaxAge: Duration(30 * day), MaxBytes: 8 * gb},
		"alerts":   {MaxAge: Duration(30 * day), MaxBytes: 2 * gb},
		"mentions": {MaxAge: Duration(7 * day), MaxBytes: 2 * gb},
		"dlq":      {MaxAge: Duration(30 * day), MaxBytes: 1 * gb},
		"stories":  {MaxAge: Duration(7 * day), MaxBytes: 1 * gb},
	}
}

type namedLimits struct {
	name   string
	stream string
	l      *StreamLimits
}

// each lists the limits with their key and the stream they bound.
func (s *Streams) each() []namedLimits {
	return []namedLimits{
		{"raw", pipeline.StreamRaw, &s.Raw}, {"articles", pipeline.StreamArticles, &s.Articles}, {"tagged", pipeline.StreamTagged, &s.Tagged},
		{"alerts", pipeline.StreamAlerts, &s.Alerts}, {"mentions", pipeline.StreamMentions, &s.Mentions}, {"dlq", pipeline.StreamDLQ, &s.DLQ},
		{"stories", pipeline.StreamStories, &s.Stories},
	}
}

// setLimits lists the limits that are set (not zero), by key.
func (s *Streams) setLimits() map[string]bool {
	set := map[string]bool{}
	for _, n := range s.each() {
		set[n.name+".max_age"] = n.l.MaxAge != 0
		set[n.name+".max_bytes"] = n.l.MaxBytes != 0
	}
	return set
}

// ByStream returns the limits by stream name (RAW, ARTICLES, ...), as the
// topology takes them: each says whether the file or the environment set
// it (then mediawatch applies it to an existing stream) or it is a default
// (then it only applies to a stream mediawatch creates).
func (s Streams) ByStream() map[string]pipeline.Limits {
	out := map[string]pipeline.Limits{}
	for _, n := range s.each() {
		out[n.stream] = pipeline.Limits{
			MaxAge: time.Duration(n.l.MaxAge), MaxBytes: int64(n.l.MaxBytes),
			OwnMaxAge: s.set[n.name+".max_age"], OwnMaxBytes: s.set[n.name+".max_bytes"],
		}
	}
	return out
}

// Redacted returns a copy safe to print: secrets in URLs are masked.
func (c *Config) Redacted() *Config {
	cp := *c
	cp.NATS.URL = pipeline.RedactURL(c.NATS.URL)
	cp.NATS.Password = redact(c.NATS.Password)
	cp.NATS.Token = redact(c.NATS.Token)
	cp.Sinks = append([]Sink(nil), c.Sinks...)
	for i := range cp.Sinks {
		cp.Sinks[i] = cp.Sinks[i].Redacted()
	}
	cp.Sources = append([]Source(nil), c.Sources...)
	for i := range cp.Sources {
		cp.Sources[i].URL = reader.RedactURL(cp.Sources[i].URL)
	}
	return &cp
}

// EntityIDs returns every entity id a rule may name: the configured ones and,
// with the country gazetteer on, every ISO 3166 country code in lower case.
func (c *Config) EntityIDs() map[string]bool {
	ids := make(map[string]bool, len(c.Entities))
	for _, e := range c.Entities {
		ids[e.ID] = true
	}
	if c.Gazetteer.Countries {
		for _, code := range match.CountryCodes() {
			ids[strings.ToLower(code)] = true
		}
	}
	return ids
}

func (c *Config) validate(l *lines) []error {
	var errs []error
	add := func(line int, format string, args ...any) {
		if line < 0 { // set by a variable (see lines.at)
			errs = append(errs, fmt.Errorf("%s: %s", envVar(l.env[-line-1]), fmt.Sprintf(format, args...)))
			return
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", l.path, line, fmt.Sprintf(format, args...)))
	}

	if c.NATS.URL != "" {
		for _, part := range strings.Split(c.NATS.URL, ",") {
			part = strings.TrimSpace(part)
			full := part
			if !strings.Contains(full, "://") {
				full = "nats://" + full // nats.go takes host:port alone
			}
			u, err := url.Parse(full)
			if err != nil || u.Host == "" {
				add(l.at("nats", "url"), "nats.url %q: not a URL like nats://host:4222", pipeline.RedactURL(part))
			}
		}
	}
	for _, a := range []struct {
		key  []any
		addr string
	}{{[]any{"http", "listen"}, c.HTTP.Listen}, {[]any{"nats", "embedded", "listen"}, c.NATS.Embedded.Listen}} {
		if err := checkListen(a.addr); err != nil {
			add(l.at(a.key...), "%s %q: %v", joinKey(a.key), a.addr, err)
		}
	}
	if err := c.NATS.Auth().Check(); err != nil {
		// Each problem at the key it names (creds: ..., tls.ca: ...), the
		// others at nats.
		for _, e := range unjoin(err) {
			path := []any{"nats"}
			msg := e.Error()
			for _, k := range []string{"creds", "nkey", "tls.ca", "tls.cert", "tls.key"} {
				if strings.Contains(msg, ": "+k+": ") {
					for _, part := range strings.Split(k, ".") {
						path = append(path, part)
					}
					break
				}
			}
			add(l.at(path...), "%s", strings.ReplaceAll(msg, "\n", "; "))
		}
	}
	if c.Log.Format != "" && c.Log.Format != "json" && c.Log.Format != "console" {
		add(l.at("log", "format"), "log.format %q: must be json or console (empty: console on a terminal, json otherwise)", c.Log.Format)
	}
	if !slices.Contains(LogLevels(), c.Log.Level) {
		add(l.at("log", "level"), "log.level %q: must be one of %s", c.Log.Level, strings.Join(LogLevels(), ", "))
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		add(l.at("nats", "replicas"), "nats.replicas %d: must be 1 to 5", c.NATS.Replicas)
	}
	if c.Poller.Timeout < 0 {
		add(l.at("poller", "timeout"), "poller.timeout %s: must be positive", c.Poller.Timeout)
	}
	if c.Poller.MaxBodySize < 0 {
		add(l.at("poller", "max_body_size"), "poller.max_body_size: must be positive")
	}
	if c.Dedup.TTL < 0 {
		add(l.at("dedup", "ttl"), "dedup.ttl %s: must be positive", c.Dedup.TTL)
	}
	if c.Poller.MaxItems < 0 {
		add(l.at("poller", "max_items"), "poller.max_items %d: must be positive", c.Poller.MaxItems)
	}
	if c.Poller.MaxRetryAfter < 0 {
		add(l.at("poller", "max_retry_after"), "poller.max_retry_after %s: must be positive", c.Poller.MaxRetryAfter)
	}
	for _, s := range c.Streams.each() {
		if s.l.MaxAge < 0 {
			add(l.at("streams", s.name, "max_age"), "streams.%s.max_age %s: must be positive", s.name, s.l.MaxAge)
		}
		if s.l.MaxBytes < 0 {
			add(l.at("streams", s.name, "max_bytes"), "streams.%s.max_bytes: must be positive", s.name)
		}
	}
	if w := time.Duration(c.Stories.Window); w <= 0 || w > MaxStoryWindow {
		add(l.at("stories", "window"), "stories.window %s: must be positive and at most %s", c.Stories.Window, MaxStoryWindow)
	} else if w > time.Duration(c.Streams.Articles.MaxAge) {
		add(l.at("stories", "window"), "stories.window %s: must be at most streams.articles.max_age (%s): the window is read back from that stream", c.Stories.Window, c.Streams.Articles.MaxAge)
	}

	sources := map[string]bool{}
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d]", i)
		checkID(add, l.at("sources", i, "id"), where, s.ID, sources)
		for _, p := range feeds.Check(s.Feed()) {
			add(l.at("sources", i, p.Key), "%s (%s).%s %s", where, s.ID, p.Key, p.Msg)
		}
	}

	entities := map[string]bool{}
	for i, e := range c.Entities {
		where := fmt.Sprintf("entities[%d]", i)
		checkID(add, l.at("entities", i, "id"), where, e.ID, entities)
		if !validKind(e.Kind) {
			add(l.at("entities", i, "kind"), "%s (%s).kind %q: must be person, place, org or other", where, e.ID, e.Kind)
		}
		if e.Country != "" {
			if len(e.Country) != 2 || !match.IsCountry(e.Country) {
				add(l.at("entities", i, "country"), "%s (%s).country %q: not an ISO 3166 two-letter country code", where, e.ID, e.Country)
			}
		}
		n := 0
		for lang, names := range e.Names {
			if lang != "any" {
				if _, err := language.Parse(lang); err != nil {
					add(l.at("entities", i, "names", lang), "%s (%s).names: %q is not a language code (use any for names of no language)", where, e.ID, lang)
				}
			}
			for _, name := range names {
				n++
				if strings.Trim(name, "* \t") == "" {
					add(l.at("entities", i, "names", lang), "%s (%s).names.%s: empty name %q", where, e.ID, lang, name)
				}
			}
		}
		for _, phrase := range e.Exclude {
			if strings.Trim(phrase, "* \t") == "" {
				add(l.at("entities", i, "exclude"), "%s (%s).exclude: empty phrase %q", where, e.ID, phrase)
			}
		}
		switch e.Case {
		case "", match.CaseProper, match.CaseAny:
		default:
			add(l.at("entities", i, "case"), "%s (%s).case %q: must be %s or %s", where, e.ID, e.Case, match.CaseProper, match.CaseAny)
		}
		if n == 0 && e.Country == "" {
			add(l.at("entities", i), "%s (%s): needs names or a country", where, e.ID)
		}
	}

	sinks := map[string]bool{}
	for i, s := range c.Sinks {
		where := fmt.Sprintf("sinks[%d]", i)
		checkID(add, l.at("sinks", i, "id"), where, s.ID, sinks)
		checkSink(func(key, format string, args ...any) {
			add(l.at("sinks", i, key), "%s (%s).%s", where, s.ID, fmt.Sprintf(format, args...))
		}, s)
	}

	known := c.EntityIDs()
	rules := map[string]bool{}
	for i, r := range c.Rules {
		where := fmt.Sprintf("rules[%d]", i)
		checkID(add, l.at("rules", i, "id"), where, r.ID, rules)
		for j, s := range r.Notify {
			if !sinks[s] {
				add(l.at("rules", i, "notify", j), "%s (%s).notify: unknown sink %q", where, r.ID, s)
			}
		}
		if r.Per != PerStory && r.Per != PerArticle {
			add(l.at("rules", i, "per"), "%s (%s).per %q: must be story (alert once per story) or article (alert every copy)", where, r.ID, r.Per)
		}
		if r.Spike != nil {
			checkSpike(func(key, format string, args ...any) {
				add(l.at("rules", i, "spike", key), "%s (%s).spike%s", where, r.ID, fmt.Sprintf(format, args...))
			}, r, known)
			continue
		}
		line := l.at("rules", i, "query")
		if strings.TrimSpace(r.Query) == "" {
			add(line, "%s (%s): needs a query or a spike", where, r.ID)
			continue
		}
		n, err := query.Parse(r.Query)
		if err != nil {
			add(line, "%s (%s).query: %v", where, r.ID, err)
			continue
		}
		for _, t := range query.Terms(n) {
			if t.Kind == query.KindEntity && !known[t.Value] {
				add(line, "%s (%s).query column %d: unknown entity %q (define it under entities, or turn on gazetteer.countries for country codes)", where, r.ID, t.Col, t.Value)
			}
			if t.Kind == query.KindEntityKind && !validKind(t.Value) {
				add(line, "%s (%s).query column %d: unknown entity kind %q (the kinds are %s)", where, r.ID, t.Col, t.Value, strings.Join(EntityKinds(), ", "))
			}
		}
	}
	return errs
}

// LogLevels are the levels log.level may name.
func LogLevels() []string { return []string{"debug", "info", "warn", "error"} }

// checkSpike validates a spike rule; add takes the key under spike ("" for
// the rule itself) and a message that starts after "spike".
func checkSpike(add func(key, format string, args ...any), r Rule, known map[string]bool) {
	sp := r.Spike
	if r.Query != "" {
		add("", ": a rule has a query or a spike, not both")
	}
	if r.Per == PerArticle {
		add("", ": per: article means nothing to a spike rule, which counts stories")
	}
	switch {
	case sp.Entity == "":
		add("entity", ".entity: missing (the entity whose stories are counted)")
	case !known[sp.Entity]:
		add("entity", ".entity %q: unknown entity (define it under entities, or turn on gazetteer.countries for country codes)", sp.Entity)
	}
	if sp.Factor < 1 {
		add("factor", ".factor %g: must be at least 1", sp.Factor)
	}
	if w := time.Duration(sp.Window); w <= 0 || w > MaxSpikeWindow || w%SpikeSlot != 0 {
		add("window", ".window %s: must be a multiple of %s, at most %s", sp.Window, SpikeSlot, MaxSpikeWindow)
	}
	if sp.Min < 1 {
		add("min", ".min %d: must be at least 1", sp.Min)
	}
}

// EntityKinds are the kinds an entity may be, and kind: may name.
func EntityKinds() []string { return []string{"person", "place", "org", "other"} }

func validKind(k string) bool {
	for _, v := range EntityKinds() {
		if k == v {
			return true
		}
	}
	return false
}

func checkID(add func(int, string, ...any), line int, where, id string, seen map[string]bool) {
	switch {
	case id == "":
		add(line, "%s.id: missing", where)
	case !pipeline.ValidID(id):
		add(line, "%s.id %s: must be %s", where, pipeline.Quote(id), pipeline.IDRule)
	case seen[id]:
		add(line, "%s.id %q: used twice", where, id)
	}
	seen[id] = true
}

// unjoin returns the errors errors.Join put together, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// checkListen checks a listen address: host:port, the host optional (all
// interfaces) and the port a number.
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("not an address like 127.0.0.1:9090 or :9090")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: not a number from 0 to 65535", port)
	}
	return nil
}

func joinKey(key []any) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = fmt.Sprint(k)
	}
	return strings.Join(parts, ".")
}

// lines finds the line of a value in the parsed YAML document, to point at
// the culprit. A path element is a map key (string) or a sequence index
// (int); the deepest node found is used when the path does not exist.
type lines struct {
	root *yaml.Node
	path string
	env  []string // the keys set by variables
}

// at returns the line of the value at path; -1-i when the i-th of l.env
// (a variable) set it or what holds it.
func (l *lines) at(path ...any) int {
	key := ""
	for _, p := range path {
		s, ok := p.(string)
		if !ok {
			break
		}
		if key != "" {
			key += "."
		}
		key += s
		if i := slices.Index(l.env, key); i >= 0 {
			return -1 - i
		}
	}
	n := l.root
	if n == nil || n.Kind == 0 {
		return 1
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch key := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == key {
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && key < len(n.Content) {
				next = n.Content[key]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	if line == 0 {
		line = 1
	}
	return line
}

// UnmarshalYAML reads "5m", "90s", "1h30m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		// A TypeError, so that the decoder goes on and every problem is
		// listed.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration like 90s, 5m or 1h", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as "5m0s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String is the duration as Go prints it.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML reads 10MB, 512KiB, 1GB or a number of bytes.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize reads 10MB, 512KiB, 1GB or a number of bytes.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size like 10MB or 512KiB", s)
	}
	return v * mult, nil
}

// DefaultPath is the config file used when none is named and the current
// directory has one.
const DefaultPath = "config/mediawatch.yaml"

// Find loads the config named by path, else by MEDIAWATCH_CONFIG, else
// DefaultPath when it exists, else the built-in defaults (Path empty). A
// file that changed while it was read is read again once it settles.
func Find(path string, env func(string) string) (*Config, error) {
	if path == "" {
		path = env("MEDIAWATCH_CONFIG")
	}
	if path == "" {
		if _, err := os.Stat(DefaultPath); err == nil {
			path = DefaultPath
		}
	}
	if path == "" {
		cfg, err := Parse("(defaults)", nil, env)
		if err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
		cfg.Path = ""
		return cfg, nil
	}
	return loadSettled(path, env)
}

// ServerURL picks the NATS server: flagURL when given, else nats.url (the
// file and the environment merged), else the embedded server's listen
// address, with embedded true.
func (n NATS) ServerURL(flagURL string) (url string, embedded bool) {
	switch {
	case flagURL != "":
		return flagURL, false
	case n.URL != "":
		return n.URL, false
	default:
		return "nats://" + n.Embedded.Listen, true
	}
}
