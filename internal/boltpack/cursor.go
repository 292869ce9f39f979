package boltpack

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// Cursor walks the entries of a packed bucket in key order, as a bbolt
// Cursor walks plain ones; keys and values it returns live as long as the
// transaction. Like a bbolt Cursor, it must not be used across writes to
// its bucket.
type Cursor struct {
	c     *bolt.Cursor
	pk    []byte // the bbolt key of the current block; nil when plain
	blk   block
	i     int
	err   error
	plain [2][]byte
}

// NewCursor returns a cursor over b.
func NewCursor(b *bolt.Bucket) *Cursor { return &Cursor{c: b.Cursor()} }

// Err returns the error of a block that did not decode, which ends a walk
// as the end of the bucket does.
func (c *Cursor) Err() error { return c.err }

// First moves to the first entry.
func (c *Cursor) First() (key, value []byte) {
	k, v := c.c.First()
	return c.enter(k, v, 0)
}

// Last moves to the last entry.
func (c *Cursor) Last() (key, value []byte) {
	k, v := c.c.Last()
	return c.enter(k, v, -1)
}

// Next moves to the next entry.
func (c *Cursor) Next() (key, value []byte) {
	if c.pk != nil && c.i+1 < c.blk.n {
		c.i++
		return c.entry()
	}
	if c.err != nil {
		return nil, nil
	}
	k, v := c.c.Next()
	return c.enter(k, v, 0)
}

// Prev moves to the previous entry.
func (c *Cursor) Prev() (key, value []byte) {
	if c.pk != nil && c.i > 0 {
		c.i--
		return c.entry()
	}
	if c.err != nil {
		return nil, nil
	}
	k, v := c.prev()
	return c.enter(k, v, -1)
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
// within the current block costs no bbolt search, so probing keys near one
// another is cheap.
func (c *Cursor) Seek(key []byte) ([]byte, []byte) {
	if c.pk == nil || bytes.Compare(key, c.pk) > 0 || bytes.Compare(key, c.blk.key(0)) < 0 {
		k, v := c.c.Seek(key)
		if c.enter(k, v, 0); c.pk == nil {
			return c.plain[0], c.plain[1]
		}
	}
	// The block holds a key at or after key: its last is pk.
	c.i = c.blk.search(key)
	return c.entry()
}

// Get moves to key and returns its value, or nil if key is not stored.
// Through a cursor kept for a walk, lookups of nearby keys need no bbolt
// search.
func (c *Cursor) Get(key []byte) []byte {
	if k, v := c.Seek(key); bytes.Equal(k, key) {
		return v
	}
	return nil
}

// enter makes the bbolt entry k, v current, at entry i of a block (-1: the
// last).
func (c *Cursor) enter(k, v []byte, i int) ([]byte, []byte) {
	c.pk = nil
	if k == nil || !IsBlock(v) {
		c.plain = [2][]byte{k, v}
		return k, v
	}
	blk, ok := open(v)
	if !ok {
		return c.fail()
	}
	c.pk, c.blk, c.i = k, blk, i
	if i < 0 {
		c.i = blk.n - 1
	}
	return c.entry()
}

func (c *Cursor) entry() ([]byte, []byte) {
	if c.i >= c.blk.n {
		return c.fail()
	}
	k, v, ok := c.blk.entry(c.i)
	if !ok {
		return c.fail()
	}
	return k, v
}

func (c *Cursor) fail() ([]byte, []byte) {
	c.err, c.pk, c.plain = ErrCorrupt, nil, [2][]byte{}
	return nil, nil
}
