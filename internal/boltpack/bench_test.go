package boltpack

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkMerge puts a batch of random keys into a bucket that holds many
// packed random keys already, as an import's ID index does batch after
// batch: nearly every block takes a few new entries. ns/op is per batch,
// entries/s per new entry.
func BenchmarkMerge(b *testing.B) {
	const stored, batch = 1 << 20, 1 << 17
	r := rand.New(rand.NewPCG(1, 1))
	key := func() []byte {
		k := binary.BigEndian.AppendUint64(nil, r.Uint64())
		return append(k, "-event-id"...)
	}
	entriesOf := func(n int) []Entry {
		ents := make([]Entry, n)
		for i := range ents {
			ents[i] = Entry{key(), []byte("12345678")}
		}
		slices.SortFunc(ents, func(a, b Entry) int { return bytes.Compare(a.Key, b.Key) })
		return slices.CompactFunc(ents, func(a, b Entry) bool { return bytes.Equal(a.Key, b.Key) })
	}
	db := mustOpen(b)
	if err := db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket(name)
		if err != nil {
			return err
		}
		var w Writer
		return w.Put(bk, entriesOf(stored))
	}); err != nil {
		b.Fatal(err)
	}
	batches := make([][]Entry, b.N)
	for i := range batches {
		batches[i] = entriesOf(batch)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Rolled back: every batch meets the same stored blocks.
		tx, err := db.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		var w Writer
		if err := w.Put(tx.Bucket(name), batches[i]); err != nil {
			b.Fatal(err)
		}
		tx.Rollback()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
}
