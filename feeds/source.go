// Package feeds knows the feeds mediawatch polls: what a feed source is and
// when one is valid, the registry of feeds added at run time (KV mw_feeds)
// with OPML import and export, each feed's polling state (KV
// mw_feed_state), and the schedule every poller computes alike.
package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/mediawatch/mediawatch/pipeline"
)

// Polling intervals.
const (
	DefaultInterval = 5 * time.Minute
	MinInterval     = 10 * time.Second // to be polite to the server
)

// Source is one feed to poll. Its JSON is what the registry stores.
type Source struct {
	ID       string        `json:"ID"`
	URL      string        `json:"URL"`
	Interval time.Duration `json:"Interval"`        // nanoseconds in JSON
	Lang     string        `json:"Lang"`            // declared language; overrides the feed's own
	Title    string        `json:"Title,omitempty"` // a human title (from OPML)
}

// Problem is one thing wrong with a field of a source.
type Problem struct {
	Key string // the field: url, interval, lang
	Msg string // the value and what is wrong with it
}

// Check lists what is wrong with a source's url, interval and lang; its id
// is checked where ids must also be unique (CheckID). The config file and
// feeds added at run time obey the same rules.
func Check(s Source) []Problem {
	var ps []Problem
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps = append(ps, Problem{"url", fmt.Sprintf("%q: not an http or https URL", s.URL)})
	}
	switch {
	case s.Interval < 0:
		ps = append(ps, Problem{"interval", fmt.Sprintf("%s: must not be negative", s.Interval)})
	case s.Interval < MinInterval:
		ps = append(ps, Problem{"interval", fmt.Sprintf("%s: at least %s, to be polite to the server", s.Interval, MinInterval)})
	}
	if s.Lang != "" {
		if _, err := language.Parse(s.Lang); err != nil {
			ps = append(ps, Problem{"lang", fmt.Sprintf("%q: not a language code like en or pt-BR", s.Lang)})
		}
	}
	return ps
}

// ErrInvalid marks a source that breaks the rules of Check or CheckID.
var ErrInvalid = errors.New("invalid feed")

// invalidError is a message about an invalid source (and the error that
// made it, if any); it is ErrInvalid.
type invalidError struct {
	msg   string
	cause error
}

func (e invalidError) Error() string        { return e.msg }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }
func (e invalidError) Unwrap() error        { return e.cause }

func invalid(format string, args ...any) error {
	return invalidError{msg: fmt.Sprintf(format, args...)}
}

// CheckID says what is wrong with a feed id, or nil.
func CheckID(id string) error {
	if !pipeline.ValidID(id) {
		return invalid("id %s: must be %s", pipeline.Quote(id), pipeline.IDRule)
	}
	return nil
}

// Validate checks the id and every field of s; the error lists every
// problem and wraps ErrInvalid.
func Validate(s Source) error {
	var errs []error
	if err := CheckID(s.ID); err != nil {
		errs = append(errs, err)
	}
	for _, p := range Check(s) {
		errs = append(errs, invalid("%s %s", p.Key, p.Msg))
	}
	return errors.Join(errs...)
}

// Decode reads a registry entry: the Source stored under key. A zero
// interval becomes DefaultInterval; then it must name key as its id and pass
// Validate.
func Decode(key string, value []byte) (Source, error) {
	var s Source
	if err := json.Unmarshal(value, &s); err != nil {
		return Source{}, invalidError{msg: fmt.Sprintf("decode feed %q: %s", key, err), cause: err}
	}
	if s.ID != key {
		return Source{}, invalid("decode feed %q: it names itself %q", key, s.ID)
	}
	s.URL = strings.TrimSpace(s.URL)
	if s.Interval == 0 {
		s.Interval = DefaultInterval
	}
	if err := Validate(s); err != nil {
		return Source{}, fmt.Errorf("decode feed %q: %w", key, err)
	}
	return s, nil
}

// Encode is the registry entry of s.
func Encode(s Source) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("encode feed: %v", err)) // strings and a number always marshal
	}
	return b
}
