package main

import (
	"bufio"
	"fmt"
	"github.com/geonews/geonews/internal/pgtest"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// geonewsBinary is geonews built once per test binary, for the tests that run
// and kill it as a process.
var geonewsBinary = sync.OnceValues(func() (string, error) {
	dir, err := sharedDir("geonews-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "geonews")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// sharedDirs are the folders of what tests build once for all of them
// (the binary, a gazetteer); TestMain removes them.
var sharedDirs struct {
	sync.Mutex
	dirs []string
}

func sharedDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		sharedDirs.Lock()
		sharedDirs.dirs = append(sharedDirs.dirs, dir)
		sharedDirs.Unlock()
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := pgtest.Main(m) // runs the tests, then removes the shared PostgreSQL cluster
	for _, d := range sharedDirs.dirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func mustBinary(t *testing.T) string {
	t.Helper()
	bin, err := geonewsBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// crashRounds is how many kills of each kind TestCrash makes: 2, or
// GEONEWS_CRASH_ROUNDS (make soak).
func crashRounds(t *testing.T) int {
	if v := os.Getenv("GEONEWS_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("GEONEWS_CRASH_ROUNDS=%q", v)
		}
		return n
	}
	return 2
}

// mustCheck runs `geonews check` on db, which must pass, and checks that no
// temporary file is left beside it.
func mustCheck(t *testing.T, bin, db string) {
	t.Helper()
	if _, err := os.Stat(db); os.IsNotExist(err) {
		return // killed before it made the file: nothing was written
	}
	out, err := exec.Command(bin, "check", "--db", db).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok: ") {
		t.Fatalf("geonews check after the kill: %v\n%s", err, out)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "geonews-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// killAfter starts cmd and SIGKILLs it after d, or lets it finish first;
// it reports whether the kill came first.
func killAfter(t *testing.T, cmd *exec.Cmd, d time.Duration) bool {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v exited before the kill: %v", cmd.Args, err)
		}
		return false
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return true
	}
}

// TestCrash kills geonews with SIGKILL at random moments while it writes:
// an events import, an ingest, and a server taking writes. After each
// kill, `geonews check` passes (bbolt's check and the store's rules), no
// temporary file is left, every acknowledged write is stored, and nothing
// is stored in part. GEONEWS_CRASH_ROUNDS sets the rounds of each kind
// (make soak), GEONEWS_CRASH_SEED the moments.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	bin, rounds := mustBinary(t), crashRounds(t)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("GEONEWS_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("GEONEWS_CRASH_SEED=%d, %d rounds of each kind", seed, rounds)
	rng := rand.New(rand.NewPCG(seed, 15))

	t.Run("events import", func(t *testing.T) {
		const n, batch = 40_000, 4_000
		src := filepath.Join(t.TempDir(), "events.ndjson")
		f, err := os.Create(src)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		for i := range n {
			fmt.Fprintf(w, `{"type":"Feature","id":"e%d","geometry":{"type":"Point","coordinates":[%d.5,%d.25]},"properties":{"title":"Event %d","time":"2019-%02d-%02dT%02d:00:00Z","tags":["t%d"]}}`+"\n",
				i, i%340-170, i%160-80, i, 1+i%12, 1+i%28, i%24, i%5)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		for round := range rounds {
			db := filepath.Join(t.TempDir(), "import.db")
			d := time.Duration(rng.IntN(900)) * time.Millisecond
			killed := killAfter(t, exec.Command(bin, "events", "import", "--db", db, "--batch", strconv.Itoa(batch), src), d)
			mustCheck(t, bin, db)
			got := 0
			if _, err := os.Stat(db); err == nil {
				got = storedCount(t, db, nil)
			}
			if got%batch != 0 && got != n {
				t.Errorf("round %d: %d events stored, not whole batches of %d", round, got, batch)
			}
			// Importing again completes it.
			if out, err := exec.Command(bin, "events", "import", "--db", db, "--batch", strconv.Itoa(batch), src).CombinedOutput(); err != nil {
				t.Fatalf("import after the kill: %v\n%s", err, out)
			}
			mustCheck(t, bin, db)
			if all := storedCount(t, db, []string{"e0", "e" + strconv.Itoa(n-1)}); all != n {
				t.Errorf("round %d: %d events after importing again, want %d", round, all, n)
			}
			t.Logf("round %d: killed %v after %v with %d events stored", round, killed, d, got)
		}
	})

	t.Run("ingest", func(t *testing.T) {
		var text strings.Builder
		for _, day := range []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"} {
			fmt.Fprintf(&text, "Air strikes hit Raqa on %s, officials in Syria said. ", day)
		}
		src := filepath.Join(t.TempDir(), "article.txt")
		if err := os.WriteFile(src, []byte(text.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		gaz := mustGazetteerDB(t)
		ingest := func(db string) *exec.Cmd {
			return exec.Command(bin, "ingest", "--db", db, "--published", "2017-10-11T12:00:00Z", "--url", "https://example.org/a", src)
		}
		ref := filepath.Join(t.TempDir(), "ref.db")
		copyFile(t, gaz, ref)
		if out, err := ingest(ref).CombinedOutput(); err != nil {
			t.Fatalf("ingest: %v\n%s", err, out)
		}
		want := storedCount(t, ref, nil)
		if want == 0 {
			t.Fatal("the article makes no event")
		}
		for round := range rounds {
			db := filepath.Join(t.TempDir(), "ingest.db")
			copyFile(t, gaz, db)
			d := time.Duration(rng.IntN(60)) * time.Millisecond
			killed := killAfter(t, ingest(db), d)
			mustCheck(t, bin, db)
			// One article is one transaction: all its events or none.
			if got := storedCount(t, db, nil); got != 0 && got != want {
				t.Errorf("round %d: %d events stored, want 0 or %d", round, got, want)
			}
			if out, err := ingest(db).CombinedOutput(); err != nil {
				t.Fatalf("ingest after the kill: %v\n%s", err, out)
			}
			mustCheck(t, bin, db)
			if got := storedCount(t, db, nil); got != want {
				t.Errorf("round %d: %d events after ingesting again, want %d", round, got, want)
			}
			t.Logf("round %d: killed %v after %v", round, killed, d)
		}
	})

	t.Run("serve", func(t *testing.T) {
		const size = 20
		for round := range rounds {
			db := filepath.Join(t.TempDir(), "serve.db")
			cmd, base, _ := startBinary(t, bin, db)
			var (
				mu    sync.Mutex
				acked []string // IDs of acknowledged writes
				sent  = map[int]bool{}
				wg    sync.WaitGroup
			)
			for w := range 3 {
				wg.Go(func() {
					for i := w; ; i += 3 {
						body, ids := batchBody(round*100_000+i, size), []string{}
						for j := range size {
							ids = append(ids, fmt.Sprintf("b%d-%d", round*100_000+i, j))
						}
						if i%2 == 0 { // every other write a single feature
							body = `{"type":"Feature","id":"s` + strconv.Itoa(round*100_000+i) + `","geometry":{"type":"Point","coordinates":[39,36]},"properties":{"title":"single","time":"2021-05-01T00:00:00Z"}}`
							ids = []string{"s" + strconv.Itoa(round*100_000+i)}
						}
						mu.Lock()
						sent[i] = true
						mu.Unlock()
						req, _ := http.NewRequest("POST", base+"/collections/events/items", strings.NewReader(body))
						req.Header.Set("Content-Type", "application/geo+json")
						req.Header.Set("Authorization", "Bearer sig")
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							return // killed
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode == 201 {
							mu.Lock()
							acked = append(acked, ids...)
							mu.Unlock()
						}
					}
				})
			}
			d := time.Duration(100+rng.IntN(900)) * time.Millisecond
			time.Sleep(d)
			cmd.Process.Kill()
			cmd.Wait()
			wg.Wait()
			mustCheck(t, bin, db)
			storedCount(t, db, acked) // fails for any acknowledged ID missing
			// No batch is stored in part.
			for i := range sent {
				if i%2 == 0 {
					continue
				}
				var ids []string
				for j := range size {
					ids = append(ids, fmt.Sprintf("b%d-%d", round*100_000+i, j))
				}
				if _, missing := missingIDs(t, db, ids); len(missing) != 0 && len(missing) != size {
					t.Errorf("round %d: batch %d is stored in part (%d of %d)", round, i, size-len(missing), size)
				}
			}
			t.Logf("round %d: killed after %v, %d events acknowledged", round, d, len(acked))
		}
	})
}
