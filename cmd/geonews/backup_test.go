package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

// dbSize returns the file's size and bbolt's high-water mark (the pages in
// use or free: what the file must hold). The file grows in 16 MiB steps
// past the mark, so the mark is the finer measure of growth.
func dbSize(t testing.TB, path string) (file, mark int64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error { mark = tx.Size(); return nil })
	return fi.Size(), mark
}

// compactDB copies the DB at src into a new file dst without free pages,
// so that any page a write cannot reuse grows the file.
func compactDB(t testing.TB, src, dst string) {
	t.Helper()
	from, err := bolt.Open(src, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := bolt.Compact(to, from, 64<<20); err != nil {
		t.Fatal(err)
	}
	if err := to.Close(); err != nil {
		t.Fatal(err)
	}
}

// warmUp stores n events one transaction each, as the server does, so
// that the DB has the free pages single writes recycle: the growth the test
// measures is then what the backup adds, not the first splits of a
// compacted file.
func warmUp(t testing.TB, path string, n int) {
	t.Helper()
	st, db := mustOpenStore(t, path, false)
	for i := range n {
		e := &geo.Event{ID: fmt.Sprintf("warm%03d", i), Point: orb.Point{float64(i%170) + 0.5, float64(i%80) + 0.25},
			Time: time.Date(2024, 2, 1, 0, i%60, 0, 0, time.UTC), Tags: []string{"protest"}, Title: "warm-up", Confidence: 1}
		if _, err := st.CreateEvents(t.Context(), []*geo.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// copyFile copies src to a new file dst.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustOpenStore opens the DB at path (read-only or not) and the event
// store in it; the caller closes the DB.
func mustOpenStore(t testing.TB, path string, readOnly bool) (*store.Store, *bolt.DB) {
	t.Helper()
	db, err := openDB(path, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(db)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return st, db
}

// missingIDs returns how many events the DB at path holds, and which of
// ids are missing.
func missingIDs(t testing.TB, path string, ids []string) (n int, missing []string) {
	t.Helper()
	st, db := mustOpenStore(t, path, true)
	defer db.Close()
	for _, id := range ids {
		if _, err := st.Event(t.Context(), id); err != nil {
			missing = append(missing, id)
		}
	}
	n, err := st.CountEvents(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n, missing
}

// storedCount returns how many events the DB holds, after checking that
// every one of ids is among them.
func storedCount(t testing.TB, path string, ids []string) int {
	t.Helper()
	n, missing := missingIDs(t, path, ids)
	for _, id := range missing {
		t.Errorf("acknowledged event %s is not stored", id)
	}
	return n
}

// percentile returns the p-th percentile (0-100) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// TestBackupSlowClient is issue 15's first fault: a backup read at 100 KB/s
// while 20 writes and 20 reads a second go on. The backup must not hold a
// read transaction at the client's pace: writes and reads keep their
// latency, and the file grows by no more than the data written beyond what
// the same writes grow a twin of the database by, served at the same time
// without a backup. (The twin grows too: single writes split and rewrite
// the packed blocks of a freshly compacted file. Holding a read
// transaction for the whole backup made it grow by 9 MB, against 0.3 MB.)
func TestBackupSlowClient(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 events and runs for 4 s")
	}
	const (
		seeded   = 20_000
		warm     = 100
		duration = 4 * time.Second
		rate     = 100 << 10 // bytes a second the backup client reads
	)
	dir := t.TempDir()
	path, twin := filepath.Join(dir, "g.db"), filepath.Join(dir, "twin.db")
	seedEvents(t, filepath.Join(dir, "seed.db"), seeded)
	compactDB(t, filepath.Join(dir, "seed.db"), path)
	warmUp(t, path, warm)
	copyFile(t, path, twin)
	file0, mark0 := dbSize(t, path)
	s := startServe(t, path, nil, "--token", "bk")
	s.token = "bk"
	tw := startServe(t, twin, nil, "--token", "bk")
	tw.token = "bk"

	ctx, cancel := context.WithTimeout(t.Context(), duration)
	defer cancel()
	var wg sync.WaitGroup
	var backupBytes int64
	// The response's head comes once the snapshot is copied and its read
	// transaction closed: the writes start then, not after a fixed wait
	// that a busy machine can outrun.
	snapped := make(chan struct{})
	wg.Add(1)
	go func() { // the slow client
		defer wg.Done()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/backup", nil)
		req.Header.Set("Authorization", "Bearer bk")
		res, err := http.DefaultClient.Do(req)
		close(snapped)
		if err != nil {
			t.Errorf("backup: %v", err)
			return
		}
		defer res.Body.Close()
		buf := make([]byte, rate/10)
		for tick := time.NewTicker(100 * time.Millisecond); ctx.Err() == nil; <-tick.C {
			n, err := io.ReadFull(res.Body, buf)
			backupBytes += int64(n)
			if err != nil {
				return
			}
		}
	}()
	<-snapped
	var l, lt load
	wg.Add(2)
	go func() { defer wg.Done(); l.run(ctx, t, s) }()
	go func() { defer wg.Done(); lt.run(ctx, t, tw) }()
	wg.Wait()
	s.stop()
	tw.stop()

	file1, mark1 := dbSize(t, path)
	_, markTwin := dbSize(t, twin)
	grew, twinGrew := mark1-mark0, markTwin-mark0
	wp99, rp99 := percentile(l.writes, 99), percentile(l.reads, 99)
	t.Logf("backup client read %d KB; %d writes (%d bytes of bodies), write p50 %v p99 %v; %d reads, p50 %v p99 %v; file %d -> %d bytes, high-water mark +%d bytes; the twin without a backup: +%d bytes, write p99 %v, read p99 %v",
		backupBytes>>10, len(l.writes), l.written, percentile(l.writes, 50), wp99, len(l.reads), percentile(l.reads, 50), rp99, file0, file1, grew, twinGrew,
		percentile(lt.writes, 99), percentile(lt.reads, 99))
	if len(l.writes) < 20*int(duration/time.Second)/2 {
		t.Errorf("only %d writes in %v", len(l.writes), duration)
	}
	if backupBytes < rate {
		t.Errorf("the backup client read only %d bytes", backupBytes)
	}
	// bbolt's own growth under the same writes varies by up to ~180 KB
	// from run to run (a twin grew by 467 KB in three runs and 647 KB in
	// a fourth); a snapshot that held its read transaction through the
	// stream grows the file by ~15 MB here.
	if grew > twinGrew+l.written+512<<10 {
		t.Errorf("the database grew by %d bytes for %d bytes written (its twin without a backup by %d)", grew, l.written, twinGrew)
	}
	checkP99(t, "write", wp99, percentile(lt.writes, 99), 100*time.Millisecond)
	checkP99(t, "read", rp99, percentile(lt.reads, 99), 50*time.Millisecond)
	if got, want := storedCount(t, path, l.ids), seeded+warm+len(l.ids); got != want {
		t.Errorf("%d events stored, want %d", got, want)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "geonews-*")); len(left) > 0 {
		t.Errorf("temporary files left: %s", strings.Join(left, " "))
	}
}

// checkP99 holds a p99 to its limit. When the twin, under the same load
// without a backup, misses the limit too, the machine is busy (make test
// runs the packages side by side, and this machine is shared): with ~80
// samples a p99 is then one stall of the scheduler, and the backup's may
// be no worse than twice the twin's and 50 ms.
func checkP99(t *testing.T, what string, p99, twin, limit time.Duration) {
	t.Helper()
	if p99 <= limit {
		return
	}
	if twin > limit && p99 <= twin*2+50*time.Millisecond {
		t.Logf("%s p99 %v over %v on a busy machine, as the twin's (%v)", what, p99, limit, twin)
		return
	}
	t.Errorf("%s p99 %v, want ≤ %v (the twin without a backup: %v)", what, p99, limit, twin)
}

// load is 20 writes and 20 reads a second on a server, and what they took.
type load struct {
	writes, reads []time.Duration
	written       int64 // bytes of the bodies written
	ids           []string
}

// run sends the load until ctx ends.
func (l *load) run(ctx context.Context, t *testing.T, s *served) {
	const every = time.Second / 20
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			id := fmt.Sprintf("w%04d", i)
			// An excerpt as long as a news paragraph, as geoparsed events carry.
			body := fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%d.5,%d.25]},"properties":{"title":"written during a backup, number %d","time":"2024-03-01T10:%02d:00Z","tags":["protest"],"excerpt":%q}}`,
				id, i%170, i%80, i, i%60, strings.Repeat(fmt.Sprintf("Paragraph %d of a dispatch. ", i), 60))
			start := time.Now()
			r := s.write(t, "POST", "/collections/events/items", body)
			l.writes = append(l.writes, time.Since(start))
			if r.status != 201 {
				t.Errorf("write %d: %d %s", i, r.status, r.body)
				return
			}
			l.written += int64(len(body))
			l.ids = append(l.ids, id)
			time.Sleep(every - min(time.Since(start), every))
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			start := time.Now()
			var r reply
			if i%2 == 0 {
				r = s.do(t, "GET", fmt.Sprintf("/collections/events/items?bbox=%d,%d,%d,%d&limit=100", i%170-10, i%60-20, i%170, i%60-10), "")
			} else {
				r = s.do(t, "GET", fmt.Sprintf("/collections/events/tiles/4/%d/%d.mvt", i%16, (i/16)%16), "")
			}
			l.reads = append(l.reads, time.Since(start))
			if r.status != 200 && r.status != 204 {
				t.Errorf("read %d: %d %s", i, r.status, r.body)
				return
			}
			time.Sleep(every - min(time.Since(start), every))
		}
	}()
	wg.Wait()
}
