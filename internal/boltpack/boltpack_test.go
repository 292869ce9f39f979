package boltpack

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mustOpen(tb testing.TB) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "t.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			tb.Error(err)
		}
		db.Close()
	})
	return db
}

var name = []byte("b")

// model is the reference: the entries a packed bucket must hold.
type model map[string]string

func (m model) sorted() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// check compares every way of reading b with m.
func check(t *testing.T, b *bolt.Bucket, m model, r *rand.Rand) {
	t.Helper()
	keys := m.sorted()
	c := NewCursor(b)
	var got []string
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if string(v) != m[string(k)] {
			t.Fatalf("value of %q = %q, want %q", k, v, m[string(k)])
		}
		got = append(got, string(k))
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
	if !slices.Equal(got, keys) {
		t.Fatalf("forward walk: %d keys, want %d\n got %q\nwant %q", len(got), len(keys), got, keys)
	}
	got = got[:0]
	// Backwards too: in the write transaction, after deletes, this crosses
	// the empty leaves bbolt's own Prev stops at.
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		got = append(got, string(k))
	}
	if c.Err() != nil {
		t.Fatal("backward:", c.Err())
	}
	slices.Reverse(got)
	if !slices.Equal(got, keys) {
		t.Fatalf("backward walk: %d keys, want %d", len(got), len(keys))
	}
	for range 200 {
		probe := randKey(r)
		if r.IntN(2) == 0 && len(keys) > 0 {
			probe = keys[r.IntN(len(keys))]
		}
		i, _ := slices.BinarySearch(keys, probe)
		k, v := c.Seek([]byte(probe))
		if i == len(keys) {
			if k != nil {
				t.Fatalf("Seek(%q) = %q, want the end", probe, k)
			}
		} else if string(k) != keys[i] || string(v) != m[keys[i]] {
			t.Fatalf("Seek(%q) = %q, want %q", probe, k, keys[i])
		}
		want, ok := m[probe]
		if v := Get(b, []byte(probe)); (v != nil) != ok || string(v) != want {
			t.Fatalf("Get(%q) = %q, want %q", probe, v, want)
		}
		// Seek then step both ways.
		if i+1 < len(keys) {
			if k, _ := c.Next(); string(k) != keys[i+1] {
				t.Fatalf("Next after Seek(%q) = %q, want %q", probe, k, keys[i+1])
			}
			c.Seek([]byte(probe))
		}
		if i < len(keys) {
			if k, _ := c.Prev(); i > 0 && string(k) != keys[i-1] || i == 0 && k != nil {
				t.Fatalf("Prev after Seek(%q) = %q", probe, k)
			}
		}
	}
}

// randKey makes keys with shared prefixes, as index keys have.
func randKey(r *rand.Rand) string {
	return fmt.Sprintf("%c%c/%06d", 'a'+r.IntN(3), 'a'+r.IntN(4), r.IntN(50000))
}

func randValue(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return ""
	case 1:
		return "\xb0\x01\x02\x03\x04\x05\x06\x07" // 8 bytes starting with Marker: plain
	default:
		return fmt.Sprint(r.Int64())[:1+r.IntN(15)]
	}
}

func TestPackedBucketMatchesModel(t *testing.T) {
	db := mustOpen(t)
	r := rand.New(rand.NewPCG(1, 2))
	m := model{}
	for round := range 60 {
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			var w Writer
			// A batch of puts, sometimes big (bulk), sometimes one.
			n := 1 + r.IntN(3000)
			if round%3 == 1 {
				n = 1 + r.IntN(3)
			}
			batch := map[string]string{}
			for range n {
				batch[randKey(r)] = randValue(r)
			}
			var ents []Entry
			for _, k := range model(batch).sorted() {
				ents = append(ents, Entry{[]byte(k), []byte(batch[k])})
				m[k] = batch[k]
			}
			if err := w.Put(b, ents); err != nil {
				return err
			}
			// Delete some stored keys and some never stored.
			keys := m.sorted()
			var del [][]byte
			for _, k := range keys {
				if r.IntN(5) == 0 {
					del = append(del, []byte(k))
					delete(m, k)
				}
			}
			for range 5 {
				if k := randKey(r); m[k] == "" {
					if _, ok := m[k]; !ok {
						del = append(del, []byte(k))
					}
				}
			}
			slices.SortFunc(del, bytes.Compare)
			del = slices.CompactFunc(del, bytes.Equal)
			if err := w.Delete(b, del); err != nil {
				return err
			}
			check(t, b, m, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// And again from the committed file.
		db.View(func(tx *bolt.Tx) error {
			check(t, tx.Bucket(name), m, r)
			return nil
		})
	}
	if len(m) < 1000 {
		t.Fatalf("model holds only %d keys: the test does not exercise blocks", len(m))
	}
}

func TestBlocksArePacked(t *testing.T) {
	db := mustOpen(t)
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(name)
		if err != nil {
			return err
		}
		var ents []Entry
		for i := range 10000 {
			ents = append(ents, Entry{fmt.Appendf(nil, "cell7/%08d", i), []byte("12345678")})
		}
		var w Writer
		if err := w.Put(b, ents); err != nil {
			return err
		}
		n, blocks := 0, 0
		b.ForEach(func(k, v []byte) error {
			n++
			if IsBlock(v) {
				blocks++
				if len(v) > maxBlock {
					t.Errorf("block of %d bytes, more than %d", len(v), maxBlock)
				}
			}
			return nil
		})
		// 10000 entries of 25 bytes each packed: ~63 bbolt entries.
		if n > 70 || blocks != n {
			t.Errorf("10000 entries took %d bbolt entries (%d blocks)", n, blocks)
		}
		// Deleting all but one entry of a block leaves it plain.
		c := b.Cursor()
		k, v := c.First()
		var del [][]byte
		all, err := entries(v, nil)
		if err != nil {
			return err
		}
		for i, e := range all {
			if i != 3 {
				del = append(del, e.Key)
			}
		}
		if err := w.Delete(b, del); err != nil {
			return err
		}
		k, v = b.Cursor().First()
		if string(k) != "cell7/00000003" || string(v) != "12345678" {
			t.Errorf("after deletes, first bbolt entry = %q, %q: want the plain survivor", k, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCorruptBlock(t *testing.T) {
	db := mustOpen(t)
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket(name)
		return b.Put([]byte("k"), []byte{Marker, 1, 'x', 200, 'y', 'z', 1, 2, 3, 0, 1, 0, 1})
	})
	db.View(func(tx *bolt.Tx) error {
		c := NewCursor(tx.Bucket(name))
		if k, _ := c.First(); k != nil || c.Err() == nil {
			t.Errorf("First on a corrupt block = %q, %v: want nil and an error", k, c.Err())
		}
		if v := Get(tx.Bucket(name), []byte("k")); v != nil {
			t.Errorf("Get in a corrupt block = %q", v)
		}
		return nil
	})
}
