package feeds

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
	"unicode"
)

// Near-duplicate articles (one wire story on many sites, under other
// headlines and with other boilerplate) are found by MinHash over word
// shingles, with locality-sensitive hashing to find candidates:
//
//   - shingles are the runs of shingleWords words of the text, lower case,
//     letters and digits only;
//   - a signature is the minimum of each of sigSize hash functions over the
//     shingles; the fraction of equal minima estimates the Jaccard
//     similarity of the two shingle sets (standard error ≤ 0.0625);
//   - two articles are copies when that estimate is ≥ CopyThreshold. Copies
//     of a 150-word story with a dozen words of other boilerplate each
//     share ~85 % of shingles; distinct reports of one happening share
//     phrases, not runs of 4 words (< 30 % in the tests);
//   - candidates come from bands bands of rows minima each: a pair at
//     Jaccard 0.7 shares a band with probability 1-(1-0.7⁴)¹⁶ ≈ 0.997, at
//     0.3 with 0.12 (and is then rejected on its whole signature).
const (
	shingleWords  = 4
	sigSize       = 64
	bands, rows   = 16, 4
	minShingles   = 8   // shorter texts are too short to call copies
	CopyThreshold = 0.7 // estimated Jaccard similarity of copies
)

// signature is a MinHash signature.
type signature [sigSize]uint32

// sigSeeds are the hash functions' multipliers and offsets, fixed so that
// signatures stored by one version compare with the next.
var sigSeeds = func() (s [sigSize][2]uint64) {
	x := uint64(0x9e3779b97f4a7c15)
	next := func() uint64 { // splitmix64
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	for i := range s {
		s[i] = [2]uint64{next() | 1, next()}
	}
	return s
}()

// textSignature returns the signature of a text, or false when it has
// fewer than minShingles shingles.
func textSignature(text string) (signature, bool) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var sig signature
	if len(words)-shingleWords+1 < minShingles {
		return sig, false
	}
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	h := fnv.New64a()
	for i := 0; i+shingleWords <= len(words); i++ {
		h.Reset()
		for _, w := range words[i : i+shingleWords] {
			h.Write([]byte(w))
			h.Write([]byte{0})
		}
		x := h.Sum64()
		for j, s := range sigSeeds {
			if v := uint32((s[0]*x + s[1]) >> 32); v < sig[j] {
				sig[j] = v
			}
		}
	}
	return sig, true
}

// similarity estimates the Jaccard similarity of the texts of two signatures.
func similarity(a, b *signature) float64 {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return float64(n) / sigSize
}

// bandKeys returns the keys of a signature's bands: band number, then a
// hash of its rows.
func (s *signature) bandKeys() [bands][9]byte {
	var ks [bands][9]byte
	for b := range bands {
		h := fnv.New64a()
		var buf [4]byte
		for _, v := range s[b*rows : (b+1)*rows] {
			binary.BigEndian.PutUint32(buf[:], v)
			h.Write(buf[:])
		}
		ks[b][0] = byte(b)
		binary.BigEndian.PutUint64(ks[b][1:], h.Sum64())
	}
	return ks
}

func (s *signature) encode() []byte {
	b := make([]byte, 0, sigSize*4)
	for _, v := range s {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func decodeSignature(b []byte) (signature, bool) {
	var s signature
	if len(b) < sigSize*4 {
		return s, false
	}
	for i := range s {
		s[i] = binary.BigEndian.Uint32(b[i*4:])
	}
	return s, true
}
