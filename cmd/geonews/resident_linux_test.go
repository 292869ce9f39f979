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

// The resident-memory tests read a 64 MB DB: bigN page-sized values.
const bigN, bigSize = 16 << 10, 4 << 10

func bigValue(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "%08d", i), bigSize/8) }

func mustBigDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "big.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := range bigN {
			if err := b.Put(fmt.Appendf(nil, "%08d", i), bigValue(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// readBigDB reads every value of a mustBigDB through bbolt's map and checks
// it.
func readBigDB(t *testing.T, db *bolt.DB) {
	t.Helper()
	err := db.View(func(tx *bolt.Tx) error {
		i := 0
		return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error {
			if !bytes.Equal(v, bigValue(i)) {
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

// TestUnmapDB reads a 64 MB DB through bbolt's map, unmaps it, and checks
// that resident memory drops by about that much and that every value still
// reads back.
func TestUnmapDB(t *testing.T) {
	db := mustBigDB(t)
	readBigDB(t, db)
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
	if advised < bigN*bigSize {
		t.Errorf("advised %d bytes, less than the %d of data", advised, bigN*bigSize)
	}
	if drop := before.file - after.file; drop < bigN*bigSize*3/4 {
		t.Errorf("resident file pages dropped by %d MB, want about %d", drop>>20, (bigN*bigSize)>>20)
	}
	readBigDB(t, db)
	if again, _ := readResident(); again.file-after.file < bigN*bigSize*3/4 {
		t.Errorf("reading again mapped only %d MB back", (again.file-after.file)>>20)
	}
}

// TestKeepMappedUnder reads a 64 MB DB while the trimmer runs with a budget
// 16 MB above what the process mapped before, and checks that the mapping
// comes back under the budget.
func TestKeepMappedUnder(t *testing.T) {
	db := mustBigDB(t)
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
	readBigDB(t, db)
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
