package geoparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word, number or punctuation mark of a text. Start and End
// are code-point offsets (what the eval corpora and JavaScript count);
// BStart and BEnd are byte offsets into the same text, for slicing.
type Token struct {
	Start, End   int
	BStart, BEnd int
	Text         string
	Kind         Kind
	// SpaceBefore is true when whitespace separates the token from the
	// previous one; "ez-Zor" and "U.S.-backed" are joined without it.
	SpaceBefore bool
	// LineStart is true for the first token of a line, where datelines and
	// headlines begin.
	LineStart bool
}

// Kind is the coarse class of a token.
type Kind uint8

// Token kinds.
const (
	Word   Kind = iota // letters (and marks), possibly with digits
	Number             // digits only
	Punct              // anything else that is not space
)

// IsCap reports whether a word starts with an upper-case or title-case letter.
func (t *Token) IsCap() bool {
	if t.Kind != Word {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t.Text)
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// IsAllCaps reports whether a word of two or more letters has no lower-case letter.
func (t *Token) IsAllCaps() bool {
	if t.Kind != Word {
		return false
	}
	n := 0
	for _, r := range t.Text {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n >= 2
}

// Tokenize splits text into tokens. Invalid UTF-8 bytes count as one code
// point each (as utf8.DecodeRuneInString reports them) and become
// punctuation, so offsets stay consistent on any input.
//
// Words are runs of letters, marks and digits. Initialisms with dots
// ("U.S.", "B.C.") stay one token so that they can match as names;
// apostrophes, hyphens and other dots split words, because a possessive
// ("Russia’s", or "Syria s" in scraped text) must not hide the name.
func Tokenize(text string) []Token { return tokenize(nil, text) }

// tokenize is Tokenize appending to dst[:0], so that a buffer can be reused.
func tokenize(dst []Token, text string) []Token {
	toks := dst[:0]
	if n := len(text)/4 + 16; cap(toks) < n { // English runs about one token in 4.5 bytes
		toks = make([]Token, 0, n)
	}
	cp := 0 // code-point offset of i
	space, line := true, true
	for i := 0; i < len(text); {
		r, size := decodeRune(text, i)
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			space, line = true, true
			i += size
			cp++
			continue
		case unicode.IsSpace(r):
			space = true
			i += size
			cp++
			continue
		}
		t := Token{Start: cp, BStart: i, SpaceBefore: space, LineStart: line}
		space, line = false, false
		if isWordRune(r) {
			j, n := i, 0
			digits := true
			for j < len(text) {
				if c := text[j]; c < utf8.RuneSelf { // ASCII, most of English text: no decoding
					if !asciiWord[c] {
						break
					}
					digits = digits && c <= '9'
					j++
					n++
					continue
				}
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isWordRune(r2) {
					break
				}
				if (r2 < '0' || r2 > '9') && (r2 < utf8.RuneSelf || !unicode.IsDigit(r2)) {
					digits = false
				}
				j += s2
				n++
			}
			// An initialism: single letters each followed by a dot.
			if n == 1 && !digits && j < len(text) && text[j] == '.' {
				k, m := j, n
				for k+2 < len(text) && text[k] == '.' {
					r3, s3 := utf8.DecodeRuneInString(text[k+1:])
					if !unicode.IsLetter(r3) || k+1+s3 >= len(text) || text[k+1+s3] != '.' {
						break
					}
					k += 1 + s3
					m += 2
				}
				if k > j { // at least two letters: keep the final dot too
					j, n = k+1, m+1
				}
			}
			t.BEnd, t.End = j, cp+n
			t.Kind = Word
			if digits {
				t.Kind = Number
			}
		} else {
			t.BEnd, t.End, t.Kind = i+size, cp+1, Punct
		}
		t.Text = text[t.BStart:t.BEnd]
		cp = t.End
		i = t.BEnd
		toks = append(toks, t)
	}
	return toks
}

// decodeRune is utf8.DecodeRuneInString(text[i:]) with the ASCII case,
// most of English text, inline.
func decodeRune(text string, i int) (rune, int) {
	if c := text[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(text[i:])
}

// asciiWord marks the ASCII bytes that are word runes: letters and digits.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

// Sentence is a span of tokens [From, To) with its code-point and byte offsets.
type Sentence struct {
	From, To     int
	Start, End   int
	BStart, BEnd int
}

// sentences splits tokens into sentences, appending them to dst[:0]: at
// ".", "!" or "?" followed by a capitalised word or a quote, except after
// common abbreviations of titles and months ("Gen.", "Sept.") and
// initialisms; and at line breaks that end a paragraph or a heading. A hard
// line break inside a sentence (scraped or wrapped text: a long line that
// ends without a stop, or a line that goes on in lower case) does not cut
// it. text is what toks were made from; stops are the words that a dot
// follows without ending a sentence ("Gen.", "Sept.").
func sentences(dst []Sentence, toks []Token, text string, stops wordSet) []Sentence {
	out := dst[:0]
	from := 0
	cut := func(to int) {
		if to > from {
			out = append(out, Sentence{From: from, To: to,
				Start: toks[from].Start, End: toks[to-1].End,
				BStart: toks[from].BStart, BEnd: toks[to-1].BEnd})
		}
		from = to
	}
	for i := range toks {
		if toks[i].LineStart {
			if i > from && lineBreaks(toks, text, i) {
				cut(i)
			}
		}
		t := &toks[i]
		if t.Kind != Punct || (t.Text != "." && t.Text != "!" && t.Text != "?") {
			continue
		}
		if t.Text == "." && i > 0 && !t.SpaceBefore && stops[toks[i-1].Text] {
			continue
		}
		// Closing quotes and brackets belong to the sentence they end.
		j := i + 1
		for j < len(toks) && !toks[j].SpaceBefore && toks[j].Kind == Punct && isCloser(toks[j].Text) {
			j++
		}
		if j >= len(toks) || toks[j].LineStart || (toks[j].SpaceBefore && (toks[j].IsCap() || toks[j].Kind != Word)) {
			cut(j)
		}
	}
	cut(len(toks))
	return out
}

// wrappedLine is the length in bytes from which a line that ends without a
// stop is taken for a wrapped line of running text rather than a heading.
const wrappedLine = 50

// lineBreaks reports whether the line break before token i ends a
// sentence: a blank line, a line that goes on in upper case after a short
// one (a heading, a dateline, a caption), but not a wrapped line.
func lineBreaks(toks []Token, text string, i int) bool {
	gap := text[toks[i-1].BEnd:toks[i].BStart]
	if strings.Count(gap, "\n") >= 2 {
		return true
	}
	if r, _ := utf8.DecodeRuneInString(toks[i].Text); unicode.IsLower(r) {
		return false
	}
	// the previous line's length
	j := i - 1
	for j > 0 && !toks[j].LineStart {
		j--
	}
	return toks[i-1].BEnd-toks[j].BStart < wrappedLine
}

func isCloser(s string) bool {
	switch s {
	case "\"", "'", "”", "’", ")", "]", "»":
		return true
	}
	return false
}
