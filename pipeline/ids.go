package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
)

// idPattern is what feed, entity, rule and sink ids must look like: they are
// NATS subject tokens.
var idPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// ValidID reports whether s can be a feed, entity, rule or sink id: lower-case
// letters, digits, '_' and '-', since it becomes a NATS subject token.
func ValidID(s string) bool { return idPattern.MatchString(s) }

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
