package match

// Words calls yield with every word of text in the matcher's normal form
// (NFKC, case-folded, diacritics removed), in text order. A rune of a
// script written without spaces (Han, kana, Thai, ...) is a word of its
// own. With html set, tags are skipped and character references decoded.
// The slice yield receives is valid only during the call; when yield
// returns false, Words reads no further. It is what other packages (the
// story clusterer) compare texts by, so that they normalise exactly as
// entity matching does.
func Words(text string, html bool, yield func(word []byte) bool) {
	var z tokenizer
	z.run(text, html, func(t *token) {
		if !z.stop && !yield(t.text) {
			z.stop = true
		}
	})
}
