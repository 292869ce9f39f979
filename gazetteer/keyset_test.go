package gazetteer

import (
	"strconv"
	"testing"
)

// TestKeySet: every key added is found, through growth from a tiny table,
// and keys never added are not (barring a 64-bit hash collision).
func TestKeySet(t *testing.T) {
	s := newKeySet(1)
	const n = 50_000
	for i := 0; i < n; i++ {
		s.add("key " + strconv.Itoa(i))
	}
	s.add("key 7") // again: no second slot
	if s.n != n {
		t.Errorf("n = %d, want %d", s.n, n)
	}
	if 2*s.n > len(s.slots) {
		t.Errorf("%d keys in %d slots: more than half full", s.n, len(s.slots))
	}
	for i := 0; i < n; i++ {
		if !s.has("key " + strconv.Itoa(i)) {
			t.Fatalf("key %d lost", i)
		}
	}
	for i := n; i < 2*n; i++ {
		if s.has("key " + strconv.Itoa(i)) {
			t.Fatalf("key %d found but never added", i)
		}
	}
	if s.has("") {
		t.Error("the empty key found but never added")
	}
}
