package gazetteer

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the strict key of a name: what two spellings must share
// to count as the same written name. It folds
//   - case ("RAQQA" = "Raqqa"),
//   - diacritics and combining marks ("Ālbū Kamāl" = "Albu Kamal"),
//   - apostrophes and the ayn/hamza marks ‘ ’ ʿ ʾ ʼ ` ´ (dropped, so
//     "‘Ayn" = "Ayn" and "Ta'izz" = "Taizz"),
//   - letters without a decomposition (ß→ss, æ→ae, ø→o, ł→l, đ→d, ı→i, þ→th, œ→oe),
//   - every other punctuation mark, hyphen and run of spaces into one space
//     ("Ar-Raqqah" = "Ar Raqqah", "St. Louis" = "St Louis").
//
// Letters of other scripts are kept, lower-cased.
func Normalize(s string) string {
	var buf [64]byte
	return string(appendNormalized(buf[:0], s))
}

// appendNormalized appends the strict key of s (see Normalize) to dst. Names
// are mostly ASCII: those bytes take a branch each and nothing is allocated.
func appendNormalized(dst []byte, s string) []byte {
	start := len(dst)
	space := false // a separator is pending
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\'' || c == '`':
				continue
			default:
				space = true
				continue
			}
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			dst = append(dst, c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 {
			space = true
			continue
		}
		out, sep := foldedRune(r)
		if sep {
			space = true
			continue
		}
		if len(out) == 0 {
			continue
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, out...)
	}
	return dst
}

// foldRune returns what a non-ASCII rune becomes in a strict key, or sep
// when it separates words.
func foldRune(r rune) (out []byte, sep bool) {
	switch {
	case apostrophes(r):
		return nil, false
	case foldSpecial[r] != "":
		return []byte(foldSpecial[r]), false
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		// Decompose and keep only the base letters: á → a + ◌́ → a.
		d := norm.NFKD.AppendString(nil, string(r))
		for len(d) > 0 {
			dr, dn := utf8.DecodeRune(d)
			d = d[dn:]
			if !unicode.Is(unicode.Mn, dr) && (unicode.IsLetter(dr) || unicode.IsDigit(dr)) {
				out = utf8.AppendRune(out, unicode.ToLower(dr))
			}
		}
		return out, false
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
		return nil, false // stray combining marks and zero-width joiners
	}
	return nil, true
}

// bmpFolds holds foldRune of every rune of the Basic Multilingual Plane,
// computed once: decomposing a rune costs far more than looking it up.
var bmpFolds = sync.OnceValue(func() *runeFolds {
	f := &runeFolds{at: make([]uint32, 0x10000)}
	for r := rune(utf8.RuneSelf); r < 0x10000; r++ {
		out, sep := foldRune(r)
		switch {
		case sep:
			f.at[r] = foldSep
		case len(out) > 0xff:
			f.at[r] = foldSlow
		case len(out) > 0:
			f.at[r] = uint32(len(f.text))<<8 | uint32(len(out))
			f.text = append(f.text, out...)
		}
	}
	return f
})

// runeFolds maps a rune to its fold: offset<<8 | length in text, 0 for
// nothing, foldSep for a separator, foldSlow for one too long to hold.
type runeFolds struct {
	at   []uint32
	text []byte
}

const (
	foldSep  = ^uint32(0)
	foldSlow = foldSep - 1
)

func foldedRune(r rune) ([]byte, bool) {
	if r >= 0x10000 {
		return foldRune(r)
	}
	f := bmpFolds()
	switch v := f.at[r]; v {
	case foldSlow:
		return foldRune(r)
	case 0:
		return nil, false
	case foldSep:
		return nil, true
	default:
		return f.text[v>>8 : v>>8+v&0xff], false
	}
}

// apostrophes reports the marks that stand for an apostrophe, ayn or hamza in
// romanised names; they are dropped rather than turned into a space.
func apostrophes(r rune) bool {
	switch r {
	case '‘', '’', 'ʿ', 'ʾ', 'ʼ', 'ʻ', '´', '′', 'ʹ', 'ˈ', '＇':
		return true
	}
	return false
}

// foldSpecial maps letters that Unicode does not decompose to their usual
// Latin transcription.
var foldSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'ı': "i", 'þ': "th", 'Þ': "th", 'œ': "oe", 'Œ': "oe",
	'ħ': "h", 'Ħ': "h", 'ŧ': "t", 'ŋ': "n",
}

// A Rule is one transliteration folding applied to the tokens of a strict
// key to form the loose key. Rules are the reason loose matching exists:
// each states a regularity of how Arabic (and similar) names are romanised
// by different hands, and each is measured (see MeasureRules) so that none
// floods the candidate lists.
type Rule struct {
	Name string
	Doc  string
	// Apply rewrites the tokens in place, bytes included, and returns them
	// (possibly fewer). A token never grows, so no rule allocates.
	Apply func(tokens [][]byte) [][]byte
}

// Rules are applied in this order by LooseKey.
var Rules = []Rule{
	{"article", "drop the Arabic article written as its own word anywhere in the name: al, el, il, ul, " +
		"and its assimilated forms ad, adh, an, ar, as, ash, at, ath, az, ed, en, er, es, et, ez " +
		"(Ar-Raqqah → Raqqah, Deir ez-Zor → Deir Zor, Ayn al Arab → Ayn Arab); a name made only of articles is kept",
		ruleArticle},
	{"fused-article", "drop an assimilated article fused to the next word without a hyphen, " +
		"a or e followed by a doubled sun letter (t d r z s n l), in any word but the first " +
		"(Deir Ezzor → Deir Zor, Ras Ennaqoura → Ras Naqoura)",
		ruleFusedArticle},
	{"vowels", "fold the vowel spellings of diphthongs and long vowels: ay, ai, ey → ei; aw, au, ow, " +
		"ou, oo, o → u; ee → i (Dayr → Deir, Ayn/Ain → Ein, Zawr/Zour/Zor → Zur, Sour → Sur)",
		ruleVowels},
	{"double", "write doubled Latin letters once (Raqqa → Raqa, Tall → Tal); digits stay", ruleDouble},
	{"final-h", "drop a word-final h after a vowel, the ta marbuta (Raqqah → Raqqa, Fallujah → Falluja)", ruleFinalH},
}

func isArticle(t []byte) bool {
	switch string(t) {
	case "al", "el", "il", "ul",
		"ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az",
		"ed", "en", "er", "es", "et", "ez":
		return true
	}
	return false
}

func ruleArticle(tokens [][]byte) [][]byte {
	out := tokens[:0]
	for _, t := range tokens {
		if !isArticle(t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 { // "As" alone is a name, not an article
		return tokens
	}
	return out
}

func isSunLetter(c byte) bool {
	switch c {
	case 't', 'd', 'r', 'z', 's', 'n', 'l':
		return true
	}
	return false
}

func ruleFusedArticle(tokens [][]byte) [][]byte {
	for i := 1; i < len(tokens); i++ {
		t := tokens[i]
		if len(t) >= 5 && (t[0] == 'a' || t[0] == 'e') && isSunLetter(t[1]) && t[2] == t[1] {
			tokens[i] = t[2:]
		}
	}
	return tokens
}

// Arabic has one back rounded vowel; romanisers write it o, u, ou, oo, or aw
// and au when it is a diphthong. At each position the two-letter spellings
// are tried before the lone o, left to right without overlaps.
func ruleVowels(tokens [][]byte) [][]byte {
	for i, t := range tokens {
		w := 0 // every fold is no longer than what it folds: write behind the read
		for j := 0; j < len(t); {
			c, next := t[j], byte(0)
			if j+1 < len(t) {
				next = t[j+1]
			}
			switch {
			case c == 'a' && (next == 'y' || next == 'i'), c == 'e' && next == 'y':
				t[w], t[w+1] = 'e', 'i'
				w, j = w+2, j+2
			case c == 'a' && (next == 'w' || next == 'u'), c == 'o' && (next == 'w' || next == 'u' || next == 'o'):
				t[w] = 'u'
				w, j = w+1, j+2
			case c == 'o':
				t[w] = 'u'
				w, j = w+1, j+1
			case c == 'e' && next == 'e':
				t[w] = 'i'
				w, j = w+1, j+2
			default:
				t[w] = c
				w, j = w+1, j+1
			}
		}
		tokens[i] = t[:w]
	}
	return tokens
}

func ruleDouble(tokens [][]byte) [][]byte {
	for i, t := range tokens {
		w := 0
		var prev byte // the letter before, as written
		for j, c := range t {
			if j == 0 || c != prev || c < 'a' || c > 'z' {
				t[w] = c
				w++
			}
			prev = c
		}
		tokens[i] = t[:w]
	}
	return tokens
}

func ruleFinalH(tokens [][]byte) [][]byte {
	for i, t := range tokens {
		if n := len(t); n >= 3 && t[n-1] == 'h' {
			switch t[n-2] {
			case 'a', 'e', 'i', 'o', 'u':
				tokens[i] = t[:n-1]
			}
		}
	}
	return tokens
}

// LooseKey returns the key under which differently romanised spellings of a
// name meet: the strict key (Normalize) with every Rule applied in order.
// "Deir ez-Zor", "Dayr az Zawr" and "Deir Ezzor" all give "deir zor".
func LooseKey(s string) string {
	var buf [64]byte
	var tokens [16][]byte
	strict := appendNormalized(buf[:0], s)
	out, _ := appendRules(strict, strict, Rules, tokens[:0])
	return string(out[len(strict):])
}

// applyRules applies rules to the tokens of a strict key.
func applyRules(strict string, rules []Rule) string {
	if strict == "" {
		return ""
	}
	var buf [64]byte
	var tokens [16][]byte
	out, _ := appendRules(buf[:0], []byte(strict), rules, tokens[:0])
	return string(out)
}

// appendRules appends to dst the strict key s with rules applied to its
// tokens. The rules rewrite a copy of s at the end of dst, which is then
// closed up in place; tokens is scratch space, returned for reuse.
func appendRules(dst, s []byte, rules []Rule, tokens [][]byte) ([]byte, [][]byte) {
	if len(s) == 0 {
		return dst, tokens
	}
	start := len(dst)
	dst = append(dst, s...)
	work := dst[start:]
	tokens = tokens[:0]
	for {
		i := bytes.IndexByte(work, ' ')
		if i < 0 {
			tokens = append(tokens, work)
			break
		}
		tokens = append(tokens, work[:i:i])
		work = work[i+1:]
	}
	for _, r := range rules {
		tokens = r.Apply(tokens)
	}
	// Each token now starts at or after where it goes: copy moves it left.
	w := start
	for i, t := range tokens {
		if i > 0 {
			dst[w] = ' '
			w++
		}
		w += copy(dst[w:], t)
	}
	return dst[:w], tokens
}
