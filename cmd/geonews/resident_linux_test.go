package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
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

// TestKeepMappedUnder reads a 64 MB DB while the trimmer runs with a budget
// 16 MB above what the process mapped before, and checks that the mapping
// comes back under the budget.
func TestKeepMappedUnder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	value := bytes.Repeat([]byte("x"), 4<<10)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := range 16 << 10 {
			if err := b.Put(fmt.Appendf(nil, "%08d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unmapDB(db); err != nil {
		t.Fatal(err)
	}
	base, err := mappedBytes()
	if err != nil {
		t.Fatal(err)
	}
	budget := base + 16<<20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go keepMappedUnder(ctx, db, budget, 5*time.Millisecond, slog.New(slog.DiscardHandler))
	sum := 0
	db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error {
			sum += int(v[len(v)/2])
			return nil
		})
	})
	if sum != 16<<10*'x' {
		t.Fatalf("read back %d, want %d", sum, 16<<10*'x')
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		m, err := mappedBytes()
		if err != nil {
			t.Fatal(err)
		}
		if m <= budget {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mapped %d MB two seconds after reading, budget %d MB", m>>20, budget>>20)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
