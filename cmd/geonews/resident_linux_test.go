package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestUnmapDB reads a 64 MB DB through bbolt's map, unmaps it, and checks
// that resident memory drops by about that much and that every value still
// reads back.
func TestUnmapDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n, size = 16 << 10, 4 << 10 // 64 MB in page-sized values
	value := func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "%08d", i), size/8) }
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put(fmt.Appendf(nil, "%08d", i), value(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readAll := func() {
		t.Helper()
		err := db.View(func(tx *bolt.Tx) error {
			i := 0
			return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error {
				if !bytes.Equal(v, value(i)) {
					return fmt.Errorf("value %d differs", i)
				}
				i++
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	before, err := readResident()
	if err != nil {
		t.Fatal(err)
	}
	advised, err := unmapDB(db)
	if err != nil {
		t.Fatal(err)
	}
	after, err := readResident()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("resident file pages %d MB -> %d MB; advised %d MB", before.file>>20, after.file>>20, advised>>20)
	if advised < n*size {
		t.Errorf("advised %d bytes, less than the %d of data", advised, n*size)
	}
	if drop := before.file - after.file; drop < n*size*3/4 {
		t.Errorf("resident file pages dropped by %d MB, want about %d", drop>>20, (n*size)>>20)
	}
	readAll()
	if again, _ := readResident(); again.file-after.file < n*size*3/4 {
		t.Errorf("reading again mapped only %d MB back", (again.file-after.file)>>20)
	}
}
