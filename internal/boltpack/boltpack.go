// Package boltpack keeps many small, ordered entries of a bbolt bucket in
// few bbolt values, so that a bulk write makes one bbolt Put per block of
// entries instead of one per entry. bbolt's cost is per Put (a search from
// the root, a copied key, a node entry), not per byte: packing the index
// entries of a million events cuts the write phase of an import several
// times, and the shared key prefixes shrink the file.
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
// Block layout: Marker, then per entry uvarint shared (bytes of the key in
// common with the previous key), uvarint suffix length, suffix, uvarint
// value length, value.
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

// maxBlock is the size a block is filled to: with bbolt's 4 KiB pages, one
// block and its element header fill about one page.
const maxBlock = 4000

// ErrCorrupt is the error for a block that does not decode.
var ErrCorrupt = errors.New("boltpack: corrupt block")

// IsBlock reports whether v, a bbolt value of a packed bucket, is a block.
func IsBlock(v []byte) bool { return len(v) > 8 && v[0] == Marker }

// Entry is one key and value.
type Entry struct{ Key, Value []byte }

// Get returns the value of key in b, or nil. The value lives as long as the
// transaction.
func Get(b *bolt.Bucket, key []byte) []byte {
	k, v := b.Cursor().Seek(key)
	if k == nil {
		return nil
	}
	if !IsBlock(v) {
		if bytes.Equal(k, key) {
			return v
		}
		return nil
	}
	var d decoder
	d.reset(v)
	for d.next() {
		switch bytes.Compare(d.key, key) {
		case 0:
			return d.val
		case 1:
			return nil
		}
	}
	return nil
}

// decoder reads the entries of a block in order.
type decoder struct {
	rest []byte
	key  []byte // the current key, rebuilt in a buffer the next entry reuses
	val  []byte
	err  error
}

func (d *decoder) reset(block []byte) {
	d.rest, d.key, d.err = block[1:], d.key[:0], nil
}

func (d *decoder) next() bool {
	if len(d.rest) == 0 {
		return false
	}
	shared, n := binary.Uvarint(d.rest)
	if n <= 0 || shared > uint64(len(d.key)) {
		return d.fail()
	}
	d.rest = d.rest[n:]
	sl, n := binary.Uvarint(d.rest)
	if n <= 0 || sl > uint64(len(d.rest)-n) {
		return d.fail()
	}
	d.key = append(d.key[:shared], d.rest[n:n+int(sl)]...)
	d.rest = d.rest[n+int(sl):]
	vl, n := binary.Uvarint(d.rest)
	if n <= 0 || vl > uint64(len(d.rest)-n) {
		return d.fail()
	}
	d.val = d.rest[n : n+int(vl) : n+int(vl)]
	d.rest = d.rest[n+int(vl):]
	return true
}

func (d *decoder) fail() bool {
	d.err, d.rest = ErrCorrupt, nil
	return false
}

// firstKey returns the first key of a block.
func firstKey(block []byte) ([]byte, error) {
	var d decoder
	d.reset(block)
	if !d.next() {
		return nil, ErrCorrupt
	}
	return d.key, nil
}

// Writer writes entries into packed buckets. It keeps the blocks it makes
// until the transaction ends, as bbolt requires of the values it is given,
// so use one Writer per write transaction. The zero value is ready.
type Writer struct {
	arena []byte
	d     decoder
	buf   []Entry
	keys  []byte
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
// 1, not after it.
func search(ents []Entry, key []byte, orEqual int) int {
	return sort.Search(len(ents), func(i int) bool { return bytes.Compare(ents[i].Key, key) >= orEqual })
}

// merge returns the entries of block merged with ents, whose values win.
func (w *Writer) merge(block []byte, ents []Entry) ([]Entry, error) {
	out := w.decodeAll(block)
	if w.d.err != nil {
		return nil, w.d.err
	}
	old := len(out)
	out = append(out, ents...)
	merged := make([]Entry, 0, len(out))
	i, j := 0, old
	for i < old || j < len(out) {
		switch {
		case j == len(out):
			merged = append(merged, out[i])
			i++
		case i == old:
			merged = append(merged, out[j])
			j++
		default:
			switch bytes.Compare(out[i].Key, out[j].Key) {
			case -1:
				merged = append(merged, out[i])
				i++
			case 0:
				merged = append(merged, out[j])
				i++
				j++
			default:
				merged = append(merged, out[j])
				j++
			}
		}
	}
	return merged, nil
}

// decodeAll returns the entries of block, their keys copied; w.d.err tells
// whether it decoded.
func (w *Writer) decodeAll(block []byte) []Entry {
	w.d.reset(block)
	var ents []Entry
	for w.d.next() {
		k := w.alloc(len(w.d.key))
		copy(k, w.d.key)
		ents = append(ents, Entry{k, w.d.val})
	}
	return ents
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
		ents := w.decodeAll(pv)
		if w.d.err != nil {
			return w.d.err
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
		n, size := 1, 1+entrySize(nil, ents[0])
		for n < len(ents) {
			s := entrySize(ents[n-1].Key, ents[n])
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

func entrySize(prev []byte, e Entry) int {
	shared := commonPrefix(prev, e.Key)
	sl, vl := len(e.Key)-shared, len(e.Value)
	return uvarintLen(shared) + uvarintLen(sl) + sl + uvarintLen(vl) + vl
}

func (w *Writer) encode(ents []Entry, size int) []byte {
	v := append(w.alloc(size)[:0], Marker)
	var prev []byte
	for _, e := range ents {
		shared := commonPrefix(prev, e.Key)
		v = binary.AppendUvarint(v, uint64(shared))
		v = binary.AppendUvarint(v, uint64(len(e.Key)-shared))
		v = append(v, e.Key[shared:]...)
		v = binary.AppendUvarint(v, uint64(len(e.Value)))
		v = append(v, e.Value...)
		prev = e.Key
	}
	return v
}

// alloc returns n bytes that live as long as w, without one allocation
// each.
func (w *Writer) alloc(n int) []byte {
	if n > len(w.arena) {
		w.arena = make([]byte, max(n, 1<<20))
	}
	b := w.arena[:n:n]
	w.arena = w.arena[n:]
	return b
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func uvarintLen(x int) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
