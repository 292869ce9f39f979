// Package boltpack keeps many small, ordered entries of a bbolt bucket in
// few bbolt values, so that a bulk write makes one bbolt Put per block of
// entries instead of one per entry. bbolt's cost is per Put (a search from
// the root, a copied key, a node entry), not per byte: packing the index
// entries of a million events cuts the write phase of an import several
// times, and drops bbolt's 16-byte element header per entry from the file.
//
// A packed bucket holds two kinds of bbolt entries, freely mixed:
//
//   - plain: the bbolt key and value are the entry's own;
//   - block: two or more entries with consecutive keys, stored under the
//     key of the last one. The value starts with Marker and is longer than
//     8 bytes, which a plain value must not be: a bucket is packable only
//     if its plain values are at most 8 bytes long or never start with
//     Marker.
//
// Blocks never overlap other bbolt entries: every entry in a block sorts
// after every entry stored under an earlier bbolt key. So a bbolt Seek(k)
// lands on the block that holds k if any does, and a walk in key order
// takes one bbolt step per block.
//
// Block layout: Marker; per entry, uvarint key length, key, uvarint value
// length, value; then the offset of each entry (uint16 big-endian) and the
// number of entries (uint16). Keys are whole, not prefix-compressed, so a
// lookup is a binary search over the offsets that copies nothing, and keys
// and values alike live as long as the transaction.
package boltpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Marker is the first byte of a block.
const Marker = 0xB0

// maxBlock is the size a block is filled to. bbolt puts at least two
// entries on a page, so big values go two to a page and its overflow page:
// two blocks of 4,000 bytes, their keys and the headers fill 8 KiB (3,800
// made the file 4% larger). It must stay below 64 KiB, the reach of the
// uint16 offsets.
const maxBlock = 4000

// ErrCorrupt is the error for a block that does not decode.
var ErrCorrupt = errors.New("boltpack: corrupt block")

// IsBlock reports whether v, a bbolt value of a packed bucket, is a block.
func IsBlock(v []byte) bool { return len(v) > 8 && v[0] == Marker }

// Entry is one key and value.
type Entry struct{ Key, Value []byte }

// block is a decoded view of a block's offsets.
type block struct {
	b []byte
	n int // entries
}

// open checks a block's trailer and returns its view; ok is false if the
// block is corrupt.
func open(v []byte) (block, bool) {
	if len(v) < 3 {
		return block{}, false
	}
	n := int(binary.BigEndian.Uint16(v[len(v)-2:]))
	if n < 1 || 1+2*n+2 > len(v) {
		return block{}, false
	}
	return block{v, n}, true
}

// entry returns entry i, or ok false if it does not decode.
func (b block) entry(i int) (key, value []byte, ok bool) {
	table := len(b.b) - 2 - 2*b.n
	off := int(binary.BigEndian.Uint16(b.b[table+2*i:]))
	if off < 1 || off >= table {
		return nil, nil, false
	}
	rest := b.b[off:table]
	kl, n := uvarint(rest)
	if n <= 0 || kl > uint64(len(rest)-n) {
		return nil, nil, false
	}
	key, rest = rest[n:n+int(kl):n+int(kl)], rest[n+int(kl):]
	vl, m := uvarint(rest)
	if m <= 0 || vl > uint64(len(rest)-m) {
		return nil, nil, false
	}
	return key, rest[m : m+int(vl) : m+int(vl)], true
}

// key returns key i, or nil if it does not decode; a search reads only
// keys.
func (b block) key(i int) []byte {
	table := len(b.b) - 2 - 2*b.n
	off := int(binary.BigEndian.Uint16(b.b[table+2*i:]))
	if off < 1 || off >= table {
		return nil
	}
	rest := b.b[off:table]
	kl, n := uvarint(rest)
	if n <= 0 || kl > uint64(len(rest)-n) {
		return nil
	}
	return rest[n : n+int(kl) : n+int(kl)]
}

// search returns the index of the first entry whose key is key or after
// it; n if none is, or if the block does not decode.
func (b block) search(key []byte) int {
	return sort.Search(b.n, func(i int) bool {
		k := b.key(i)
		return k == nil || bytes.Compare(k, key) >= 0
	})
}

// Get returns the value of key in b, or nil. The value lives as long as the
// transaction.
func Get(b *bolt.Bucket, key []byte) []byte {
	c := Cursor{c: b.Cursor()}
	return c.Get(key)
}

// entries returns every entry of a block, or an error if it is corrupt.
func entries(v []byte, dst []Entry) ([]Entry, error) {
	blk, ok := open(v)
	if !ok {
		return nil, ErrCorrupt
	}
	for i := range blk.n {
		k, v, ok := blk.entry(i)
		if !ok {
			return nil, ErrCorrupt
		}
		dst = append(dst, Entry{k, v})
	}
	return dst, nil
}

// firstKey returns the first key of a block.
func firstKey(v []byte) ([]byte, error) {
	if blk, ok := open(v); ok {
		if k, _, ok := blk.entry(0); ok {
			return k, nil
		}
	}
	return nil, ErrCorrupt
}

// Writer writes entries into packed buckets. It keeps the blocks it makes
// until the transaction ends, as bbolt requires of the values it is given,
// so use one Writer per write transaction. The zero value is ready.
type Writer struct {
	arena       []byte
	chunk       int
	old, merged []Entry // merge's, reused
}

// Put stores entries, sorted by key with no key twice, in b, replacing the
// values of keys stored already. Entries between stored ones are packed into
// new blocks; entries that fall within a stored block are merged into it.
// Entry keys and values must not change until the transaction ends.
func (w *Writer) Put(b *bolt.Bucket, ents []Entry) error {
	c := b.Cursor()
	for len(ents) > 0 {
		pk, pv := c.Seek(ents[0].Key)
		if pk == nil {
			return w.write(b, ents) // past the last key
		}
		first := pk
		block := IsBlock(pv)
		if block {
			var err error
			if first, err = firstKey(pv); err != nil {
				return err
			}
		}
		// Entries before the stored entry's first key fit in the gap.
		if n := search(ents, first, 0); n > 0 {
			if err := w.write(b, ents[:n]); err != nil {
				return err
			}
			ents = ents[n:]
			continue
		}
		if !block { // same key
			if err := b.Put(ents[0].Key, ents[0].Value); err != nil {
				return err
			}
			ents = ents[1:]
			continue
		}
		m := search(ents, pk, 1) // entries within [first, pk]
		merged, err := w.merge(pv, ents[:m])
		if err != nil {
			return err
		}
		if err := w.write(b, merged); err != nil { // the last key is pk: replaces the block
			return err
		}
		ents = ents[m:]
	}
	return nil
}

// search returns how many of ents have keys before key, or, with orEqual
// 1, not after it. It gallops from the start: most answers are a few
// entries (those that fall in one block), found in a few comparisons
// however many entries remain.
func search(ents []Entry, key []byte, orEqual int) int {
	hi := 1
	for hi < len(ents) && bytes.Compare(ents[hi-1].Key, key) < orEqual {
		hi *= 2
	}
	lo := hi / 2
	hi = min(hi, len(ents))
	return lo + sort.Search(hi-lo, func(i int) bool { return bytes.Compare(ents[lo+i].Key, key) >= orEqual })
}

// merge returns the entries of block merged with ents, whose values win.
// Each of ents finds its place by binary search: a block of ~100 entries
// typically takes a few. The result is valid until the next merge.
func (w *Writer) merge(block []byte, ents []Entry) ([]Entry, error) {
	old, err := entries(block, w.old[:0])
	if err != nil {
		return nil, err
	}
	w.old = old
	out := w.merged[:0]
	for _, e := range ents {
		i := sort.Search(len(old), func(i int) bool { return bytes.Compare(old[i].Key, e.Key) >= 0 })
		out = append(out, old[:i]...)
		if i < len(old) && bytes.Equal(old[i].Key, e.Key) {
			i++
		}
		out = append(out, e)
		old = old[i:]
	}
	out = append(out, old...)
	w.merged = out
	return out, nil
}

// Delete removes the entries with keys, sorted with no key twice, from b.
// Keys not stored are ignored.
func (w *Writer) Delete(b *bolt.Bucket, keys [][]byte) error {
	c := b.Cursor()
	for len(keys) > 0 {
		pk, pv := c.Seek(keys[0])
		if pk == nil {
			return nil
		}
		if !IsBlock(pv) {
			if bytes.Equal(pk, keys[0]) {
				if err := b.Delete(pk); err != nil {
					return err
				}
			}
			keys = keys[1:]
			continue
		}
		m := sort.Search(len(keys), func(i int) bool { return bytes.Compare(keys[i], pk) > 0 })
		ents, err := entries(pv, nil)
		if err != nil {
			return err
		}
		kept := ents[:0]
		for _, e := range ents {
			i := sort.Search(m, func(i int) bool { return bytes.Compare(keys[i], e.Key) >= 0 })
			if i == m || !bytes.Equal(keys[i], e.Key) {
				kept = append(kept, e)
			}
		}
		keys = keys[m:]
		if len(kept) == len(ents) {
			continue
		}
		if len(kept) == 0 || !bytes.Equal(kept[len(kept)-1].Key, pk) {
			if err := b.Delete(pk); err != nil {
				return err
			}
		}
		if err := w.write(b, kept); err != nil {
			return err
		}
	}
	return nil
}

// write stores sorted entries that no stored block overlaps: blocks of up
// to maxBlock bytes, each under its last key, and a lone entry plain.
func (w *Writer) write(b *bolt.Bucket, ents []Entry) error {
	for len(ents) > 0 {
		n, size := 1, 1+2+entrySize(ents[0])
		for n < len(ents) {
			s := entrySize(ents[n])
			if size+s > maxBlock {
				break
			}
			size += s
			n++
		}
		var err error
		if n == 1 {
			err = b.Put(ents[0].Key, ents[0].Value)
		} else {
			err = b.Put(ents[n-1].Key, w.encode(ents[:n], size))
		}
		if err != nil {
			return err
		}
		ents = ents[n:]
	}
	return nil
}

// entrySize is the bytes an entry takes in a block, its offset included.
func entrySize(e Entry) int {
	return uvarintLen(len(e.Key)) + len(e.Key) + uvarintLen(len(e.Value)) + len(e.Value) + 2
}

func (w *Writer) encode(ents []Entry, size int) []byte {
	v := append(w.alloc(size)[:0], Marker)
	table := size - 2 - 2*len(ents)
	for i, e := range ents {
		binary.BigEndian.PutUint16(v[table+2*i:table+2*i+2], uint16(len(v)))
		v = binary.AppendUvarint(v, uint64(len(e.Key)))
		v = append(v, e.Key...)
		v = binary.AppendUvarint(v, uint64(len(e.Value)))
		v = append(v, e.Value...)
	}
	v = v[:size]
	binary.BigEndian.PutUint16(v[size-2:], uint16(len(ents)))
	return v
}

// alloc returns n bytes that live as long as w, without one allocation
// each.
func (w *Writer) alloc(n int) []byte {
	if n > len(w.arena) {
		// Chunks grow from 16 KiB (a single write needs a block or
		// two) to 1 MiB (a bulk write needs hundreds).
		w.chunk = min(max(2*w.chunk, 16<<10), 1<<20)
		w.arena = make([]byte, max(n, w.chunk))
	}
	b := w.arena[:n:n]
	w.arena = w.arena[n:]
	return b
}

// uvarint is binary.Uvarint with the one-byte case, most of a block's
// numbers, inlined.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}

func uvarintLen(x int) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
