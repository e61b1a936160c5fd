package match

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mediawatch/mediawatch/htmltext"
)

// token is one word of a space-delimited script, or one rune of a script
// written without spaces (classCJK), in normalised form.
type token struct {
	text  []byte // folded; valid only during the call that receives it
	start int    // byte offset of the token in the original text
	end   int    // byte offset just past it
	runes int    // runes of text
	adj   bool   // nothing separates it from the previous token (CJK runes, script changes)
	cjk   bool
	upper bool // starts with an upper or title case letter
}

// maxText bounds the text a tokenizer reads; the rest of a longer text is
// ignored.
const maxText = 1<<31 - 1

// asciiWord marks the ASCII bytes that are part of words; upper case letters
// are 2 (they are lower-cased).
var asciiWord = [128]uint8{
	'0': 1, '1': 1, '2': 1, '3': 1, '4': 1, '5': 1, '6': 1, '7': 1, '8': 1, '9': 1,
	'a': 1, 'b': 1, 'c': 1, 'd': 1, 'e': 1, 'f': 1, 'g': 1, 'h': 1, 'i': 1, 'j': 1, 'k': 1, 'l': 1, 'm': 1,
	'n': 1, 'o': 1, 'p': 1, 'q': 1, 'r': 1, 's': 1, 't': 1, 'u': 1, 'v': 1, 'w': 1, 'x': 1, 'y': 1, 'z': 1,
	'A': 2, 'B': 2, 'C': 2, 'D': 2, 'E': 2, 'F': 2, 'G': 2, 'H': 2, 'I': 2, 'J': 2, 'K': 2, 'L': 2, 'M': 2,
	'N': 2, 'O': 2, 'P': 2, 'Q': 2, 'R': 2, 'S': 2, 'T': 2, 'U': 2, 'V': 2, 'W': 2, 'X': 2, 'Y': 2, 'Z': 2,
}

// tokenizer turns a text into normalised tokens, keeping each token's span
// in the original text, and hands each to a sink as soon as it is complete.
// With html set it skips tags and decodes character references. It is
// reused (through the scratch pool): run resets it.
type tokenizer struct {
	tab  *foldTable
	src  string
	html bool
	pos  int
	sink func(*token)

	word      []byte // folded bytes of the word being built
	tok       token  // the word being built
	ctok      token  // a CJK token being emitted
	inWord    bool
	sep       bool // a separator since the last token
	had       bool // a token has been emitted
	lastStrip bool // the last rune of the word is a base of a strip script
	stop      bool // set by a sink that wants no more tokens: run returns

	fold *folder // for the rare NFKC segments of several runes; made on demand
}

// run tokenizes src, calling sink with every token in text order.
func (z *tokenizer) run(src string, html bool, sink func(*token)) {
	if len(src) > maxText {
		src = src[:maxText]
	}
	if z.tab == nil {
		z.tab = table()
	}
	z.src, z.html, z.pos, z.sink = src, html, 0, sink
	z.word = z.word[:0]
	z.inWord, z.sep, z.had, z.lastStrip, z.stop = false, false, false, false, false
	for z.pos < len(src) && !z.stop {
		b := src[z.pos]
		if b >= 0x80 {
			z.general()
			continue
		}
		if html && (b == '<' || b == '&') {
			z.markup()
			continue
		}
		if asciiWord[b] == 0 {
			z.boundary()
			z.pos++
			continue
		}
		// A run of ASCII letters and digits.
		if !z.inWord {
			z.startWord(z.pos, b <= 'Z' && b >= 'A')
		}
		i := z.pos
		upper := uint8(0)
		for i < len(src) {
			c := src[i]
			if c >= 0x80 {
				if i > z.pos {
					i-- // the letter before may take a combining mark: let general() look
					upper = 2
				}
				break
			}
			k := asciiWord[c]
			if k == 0 {
				break
			}
			upper |= k
			i++
		}
		if i == z.pos {
			z.general()
			continue
		}
		n := len(z.word)
		z.word = append(z.word, src[z.pos:i]...)
		if upper&2 != 0 {
			for j, c := range z.word[n:] {
				if c >= 'A' && c <= 'Z' {
					z.word[n+j] = c + ('a' - 'A')
				}
			}
		}
		z.tok.runes += i - z.pos
		z.tok.end = i
		z.lastStrip = true
		z.pos = i
	}
	if z.inWord && !z.stop {
		z.finishWord()
	}
	z.src, z.sink = "", nil
}

// general handles one non-ASCII rune, or an ASCII letter followed by a
// non-ASCII rune, with the NFKC segment it starts.
func (z *tokenizer) general() {
	src := z.src
	r, size := utf8.DecodeRuneInString(src[z.pos:])
	ri, out := z.tab.lookup(r)
	for {
		end := z.pos + size
		var (
			r2   rune
			s2   int
			ri2  runeInfo
			out2 []byte
		)
		if end < len(src) && src[end] >= 0x80 {
			r2, s2 = utf8.DecodeRuneInString(src[end:])
			ri2, out2 = z.tab.lookup(r2)
			if ri2.flags&flagBoundary == 0 && (ri2.flags&flagDroppable == 0 || ri.flags&flagStrip == 0) {
				z.segment()
				return
			}
		}
		z.emitInfo(ri, out, z.pos, end)
		z.pos = end
		if s2 == 0 {
			return
		}
		size, ri, out = s2, ri2, out2
	}
}

// segment handles an NFKC segment of several runes: a starter followed by
// runes that may combine with it.
func (z *tokenizer) segment() {
	src := z.src
	_, size := utf8.DecodeRuneInString(src[z.pos:])
	j := z.pos + size
	for j < len(src) {
		if src[j] < 0x80 {
			break // ASCII always starts a segment
		}
		r, s := utf8.DecodeRuneInString(src[j:])
		if ri, _ := z.tab.lookup(r); ri.flags&flagBoundary != 0 {
			break
		}
		j += s
	}
	seg := src[z.pos:j]
	if norm.NFKC.IsNormalString(seg) {
		for i := z.pos; i < j; {
			r, s := utf8.DecodeRuneInString(src[i:])
			z.emitRune(r, i, i+s)
			i += s
		}
		z.pos = j
		return
	}
	if z.fold == nil {
		z.fold = newFolder()
	}
	out := z.fold.fold(norm.NFKC.String(seg))
	r, _ := utf8.DecodeRuneInString(seg)
	ri, _ := z.tab.lookup(r)
	z.emitString([]byte(out), z.pos, j, ri.flags&flagUpper != 0)
	z.pos = j
}

// emitString emits folded text whose runes all come from src[start:end].
func (z *tokenizer) emitString(out []byte, start, end int, upper bool) {
	for len(out) > 0 {
		r, n := utf8.DecodeRune(out)
		class := runeClass(r)
		strip := class == classWord && isStripScript(r)
		z.emitClass(class, out[:n], 1, start, end, strip, upper)
		out = out[n:]
	}
}

// markup handles '<' or '&' in HTML text.
func (z *tokenizer) markup() {
	src := z.src
	if src[z.pos] == '<' {
		if end, sep, ok := htmltext.TagEnd(src, z.pos); ok {
			if sep {
				z.boundary()
			}
			z.pos = end
			return
		}
		z.boundary()
		z.pos++
		return
	}
	if r, n, end, ok := htmltext.Ref(src, z.pos); ok {
		for k := 0; k < n; k++ {
			z.emitRune(r[k], z.pos, end)
		}
		z.pos = end
		return
	}
	z.boundary()
	z.pos++
}

// emitRune emits one input rune found at src[start:end] (or spelled by the
// reference there).
func (z *tokenizer) emitRune(r rune, start, end int) {
	ri, out := z.tab.lookup(r)
	z.emitInfo(ri, out, start, end)
}

// emitInfo emits the folded output of one input rune.
func (z *tokenizer) emitInfo(ri runeInfo, out []byte, start, end int) {
	if ri.class == classMixed {
		z.emitString(out, start, end, ri.flags&flagUpper != 0)
		return
	}
	if ri.flags&flagDroppable != 0 && z.inWord && z.lastStrip {
		return // a diacritic on a letter of a strip script
	}
	z.emitClass(ri.class, out, int(ri.runes), start, end, ri.flags&flagStrip != 0, ri.flags&flagUpper != 0)
}

// emitClass adds folded output of one class.
func (z *tokenizer) emitClass(class uint8, out []byte, runes, start, end int, strip, upper bool) {
	switch class {
	case classWord:
		if !z.inWord {
			z.startWord(start, upper)
		}
		z.word = append(z.word, out...)
		z.tok.runes += runes
		z.tok.end = end
		z.lastStrip = strip
	case classCJK:
		if z.inWord {
			z.finishWord()
		}
		z.ctok = token{text: out, start: start, end: end, runes: runes, adj: z.had && !z.sep, cjk: true}
		z.had, z.sep, z.lastStrip = true, false, false
		z.sink(&z.ctok)
	case classSep:
		z.boundary()
	}
	// classDrop: nothing, and the word goes on.
}

func (z *tokenizer) startWord(start int, upper bool) {
	z.inWord = true
	z.word = z.word[:0]
	z.tok = token{start: start, end: start, adj: z.had && !z.sep, upper: upper}
}

func (z *tokenizer) finishWord() {
	z.inWord = false
	z.had, z.sep = true, false
	z.tok.text = z.word
	z.sink(&z.tok)
}

// boundary ends the word being built, if any.
func (z *tokenizer) boundary() {
	if z.inWord {
		z.finishWord()
	}
	z.sep = true
	z.lastStrip = false
}
