// Package query parses and evaluates alert rule queries.
//
// A query is a boolean expression in the style media analysts already know:
//
//	entity:venezuela OR entity:caribbean
//	(Maduro OR "Nicolás Maduro") AND NOT feed:dw-es
//	title:"state of emergency" lang:es
//	Karibik* -sport
//
// # Grammar
//
//	query   = or
//	or      = and { "OR" and }
//	and     = unary { [ "AND" ] unary }     adjacent terms mean AND
//	unary   = ( "NOT" | "-" ) unary | "(" or ")" | term
//	term    = field | word | phrase
//	field   = "entity:" id | "feed:" id | "lang:" code | "title:" ( word | phrase )
//	id      = [a-z0-9_-]+
//	code    = a language tag: 2-8 letters, then "-" subtags of 1-8 letters or digits (es, pt-BR)
//	word    = letters, digits and in-word punctuation (' ’ - _ . & + @ # / ...), optional "*" at the end
//	phrase  = text between double quotes, optional "*" at the end of its last word
//
// Precedence is NOT, then AND (explicit or implicit), then OR; AND and OR
// group to the left. Parentheses override it.
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
