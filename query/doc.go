// Package query parses and evaluates alert rule queries.
//
// A query is a boolean expression in the style media analysts already know:
//
//	entity:venezuela OR entity:caribbean
//	(Maduro OR "Nicolás Maduro") AND NOT feed:dw-es
//	title:"state of emergency" lang:es
//	Karibik* -sport
//	(seiz* OR seizure) NEAR/5 tanker* entity:venezuela
//	"Maduro sanctions"~10 OR kind:person NEAR/3 sanction*
//
// # Grammar
//
//	query   = or
//	or      = and { "OR" and }
//	and     = unary { [ "AND" ] unary }     adjacent terms mean AND
//	unary   = ( "NOT" | "-" ) unary | primary [ "NEAR/" n primary ]
//	primary = "(" or ")" | term
//	term    = field | word | phrase | near
//	field   = "entity:" id | "feed:" id | "lang:" code | "kind:" id | "title:" ( word | phrase | near )
//	near    = '"' word word '"~' n                 the same as: word NEAR/n word
//	n       = a word distance, 0 to 100
//	id      = [a-z0-9_-]+
//	code    = a language tag: 2-8 letters, then "-" subtags of 1-8 letters or digits (es, pt-BR)
//	word    = letters, digits and in-word punctuation (' ’ - _ . & + @ # / ...), optional "*" at the end
//	phrase  = text between double quotes, optional "*" at the end of its last word
//
// Precedence is NEAR, then NOT, then AND (explicit or implicit), then OR;
// AND and OR group to the left. Parentheses override it.
//
// Details:
//
//   - The operators are the upper-case words AND, OR and NOT. Lower-case
//     and, or, not (and And, Not, ...) are ordinary words to search for.
//   - A "-" at the start of a term negates it: -sport is NOT sport,
//     -(a OR b) is NOT (a OR b). A "-" inside a word is part of the word
//     (covid-19).
//   - Field names are case-insensitive (Title: is title:); entity and feed
//     ids are lower-case, as they are in the configuration.
//   - Quotes may be straight (") or typographic (“ ” „): a phrase ends at the
//     next quote character of any kind, so a phrase cannot contain one.
//   - A word must contain a letter or a digit, in any script. The characters
//     ! | , ; ? = < > [ ] { } \ ^ ~ ` are refused in words (they look like
//     operators from other syntaxes); put the text in quotes to match it.
//     A ":" in a word introduces a field; quote "12:30" to search for it.
//   - a NEAR/n b is true when a and b are found in the same field (title,
//     summary or content) with at most n words between them, in either
//     order: NEAR/0 means adjacent. Each side is a word, a prefix, a
//     phrase, a title:, entity: or kind: term, or several of them joined
//     by OR in parentheses; feed: and lang: have no place in the text, and
//     a side cannot hold AND, NOT or another NEAR. "venezuela tanker"~5 is
//     venezuela NEAR/5 tanker, for two words. Where the words are is the
//     caller's business too: [Env.Spans].
//   - kind:person is true when the article mentions an entity of that kind.
//   - lang:pt matches an article whose language is pt, pt-BR or pt_BR: the
//     query's tag must equal the article's tag or be a prefix of it ending
//     at a subtag boundary, compared case-insensitively (RFC 4647 basic
//     filtering).
//
// How words and phrases match text (normalisation, stemming, word
// boundaries) is not this package's concern: [Eval] hands every text and
// title term to [Env.Text].
//
// A syntax error is a [*SyntaxError] naming the 1-based column, counted in
// runes, where the problem is.
package query
