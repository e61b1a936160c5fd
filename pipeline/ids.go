package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// idPattern is what feed, entity, rule and sink ids must look like: they are
// NATS subject tokens.
var idPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// MaxIDLen bounds an id, so that every subject and Msg-Id built from ids
// stays far below the server's limits (a subject over about 4 KB makes the
// server close the connection).
const MaxIDLen = 64

// IDRule says what an id must be, for messages.
const IDRule = "lower-case letters, digits, _ or -, at most 64 of them (it becomes a NATS subject token)"

// ValidID reports whether s can be a feed, entity, rule or sink id: 1 to
// MaxIDLen lower-case letters, digits, '_' and '-', since it becomes a NATS
// subject token.
func ValidID(s string) bool { return len(s) <= MaxIDLen && idPattern.MatchString(s) }

// ValidArticleID reports whether s is an article id: 32 lower-case hex
// digits (the first 16 bytes of a SHA-256).
func ValidArticleID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Quote quotes an id or any outside string for a message, cut to its first
// 40 bytes when longer, with its length: a hostile value does not flood the
// logs or a header.
func Quote(s string) string {
	const keep = 40
	if len(s) <= keep {
		return strconv.Quote(s)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// Nats-Msg-Id values. Every publish carries one, so that a redelivered input
// never yields a second copy of an output within the streams' duplicate
// window.

// ArticleMsgID is the Msg-Id of the article a stage passes on:
// <stage>:<article id>.
func ArticleMsgID(stage, article string) string { return stage + ":" + article }

// MentionMsgID is the Msg-Id of a mention: mention:<entity>:<article id>.
func MentionMsgID(entity, article string) string { return "mention:" + entity + ":" + article }

// AlertMsgID is the Msg-Id of an alert: alert:<rule>:<article id>.
func AlertMsgID(rule, article string) string { return "alert:" + rule + ":" + article }

// StoryMsgID is the Msg-Id of a story copy: story:<article id>.
func StoryMsgID(article string) string { return "story:" + article }

// SpikeMsgID is the Msg-Id of a story counted by a spike rule in a slot:
// spike:<rule>:<slot>:<story id>, so a story counts once per slot.
func SpikeMsgID(rule, slot, story string) string { return "spike:" + rule + ":" + slot + ":" + story }

// PollMsgID is the Msg-Id of a poll ticket: poll:<feed>:<slot>, one ticket
// per feed and slot however many pollers publish it.
func PollMsgID(feed, slot string) string { return "poll:" + feed + ":" + slot }

// dlqMsgID is the Msg-Id of a dead letter: one per stage and input message.
func dlqMsgID(stage, stream string, seq uint64) string {
	return "dlq:" + stage + ":" + stream + ":" + strconv.FormatUint(seq, 10)
}

// AlertID is the id of the alert of rule on article: the hex of the first
// 16 bytes of SHA-256 of its Msg-Id.
func AlertID(rule, article string) string {
	sum := sha256.Sum256([]byte(AlertMsgID(rule, article)))
	return hex.EncodeToString(sum[:16])
}
