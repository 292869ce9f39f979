package boltpack

import (
	"bytes"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Cursor walks the entries of a packed bucket in key order, as a bbolt
// Cursor walks plain ones. A key it returns is valid until the cursor
// leaves the block that holds it, a value as long as the transaction. Like
// a bbolt Cursor, it must not be used across writes to its bucket.
type Cursor struct {
	c     *bolt.Cursor
	pk    []byte // the bbolt key of the current block; nil when plain
	keys  []byte // the block's keys, end to end
	ends  []int  // where each key ends in keys
	vals  [][]byte
	i     int
	d     decoder
	err   error
	plain [2][]byte
}

// NewCursor returns a cursor over b.
func NewCursor(b *bolt.Bucket) *Cursor { return &Cursor{c: b.Cursor()} }

// Err returns the error of a block that did not decode, which ends a walk
// as the end of the bucket does.
func (c *Cursor) Err() error { return c.err }

// First moves to the first entry.
func (c *Cursor) First() (key, value []byte) { return c.enter(c.c.First()) }

// Last moves to the last entry.
func (c *Cursor) Last() (key, value []byte) {
	k, v := c.enter(c.c.Last())
	if c.pk != nil {
		c.i = len(c.ends) - 1
		return c.entry()
	}
	return k, v
}

// Next moves to the next entry.
func (c *Cursor) Next() (key, value []byte) {
	if c.pk != nil && c.i+1 < len(c.ends) {
		c.i++
		return c.entry()
	}
	return c.enter(c.c.Next())
}

// Prev moves to the previous entry.
func (c *Cursor) Prev() (key, value []byte) {
	if c.pk != nil && c.i > 0 {
		c.i--
		return c.entry()
	}
	k, v := c.enter(c.prev())
	if c.pk != nil {
		c.i = len(c.ends) - 1
		return c.entry()
	}
	return k, v
}

// prev is the bbolt cursor's Prev, which in a write transaction returns
// nil at a leaf that deletes emptied (bbolt rebalances at commit; its
// Next and Last skip such leaves, Prev does not): stepping again skips it,
// as long as a key before the current one exists.
func (c *Cursor) prev() ([]byte, []byte) {
	from := c.pk
	if from == nil {
		from = c.plain[0]
	}
	k, v := c.c.Prev()
	if k != nil || from == nil || !c.c.Bucket().Writable() {
		return k, v
	}
	if first, _ := c.c.Bucket().Cursor().First(); first == nil || bytes.Compare(first, from) >= 0 {
		return nil, nil
	}
	for k == nil {
		k, v = c.c.Prev()
	}
	return k, v
}

// Seek moves to the first entry whose key is key or after it. Seeking
// forward within the current block costs no bbolt search, so probing sorted
// keys one after another is cheap.
func (c *Cursor) Seek(key []byte) ([]byte, []byte) {
	if c.pk == nil || bytes.Compare(key, c.pk) > 0 || bytes.Compare(key, c.keys[:c.ends[0]]) < 0 {
		c.enter(c.c.Seek(key))
		if c.pk == nil {
			return c.plain[0], c.plain[1]
		}
	}
	c.i = sort.Search(len(c.ends), func(i int) bool { return bytes.Compare(c.key(i), key) >= 0 })
	return c.entry()
}

// enter makes the bbolt entry k, v current, at its first entry.
func (c *Cursor) enter(k, v []byte) ([]byte, []byte) {
	c.pk, c.i = nil, 0
	if k == nil || !IsBlock(v) {
		c.plain = [2][]byte{k, v}
		return k, v
	}
	c.keys, c.ends, c.vals = c.keys[:0], c.ends[:0], c.vals[:0]
	c.d.reset(v)
	for c.d.next() {
		c.keys = append(c.keys, c.d.key...)
		c.ends = append(c.ends, len(c.keys))
		c.vals = append(c.vals, c.d.val)
	}
	if c.d.err != nil || len(c.ends) == 0 {
		c.err = ErrCorrupt
		c.plain = [2][]byte{}
		return nil, nil
	}
	c.pk = k
	return c.entry()
}

func (c *Cursor) key(i int) []byte {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.keys[start:c.ends[i]:c.ends[i]]
}

func (c *Cursor) entry() ([]byte, []byte) { return c.key(c.i), c.vals[c.i] }
