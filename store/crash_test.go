package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/store"
	bolt "go.etcd.io/bbolt"
)

const (
	crashEnv        = "GEONEWS_STORE_CRASH_DB"
	eventsByArticle = 25
)

// TestCrashSafety SIGKILLs a process that is storing articles (one
// transaction each) at random moments, three times over the same file, and
// checks that the DB then opens, passes bbolt's check, and holds whole
// articles only, with counters and indexes that agree.
func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the child has committed something, then let it run a
		// little longer so that the kill lands mid-transaction most times.
		sc := bufio.NewScanner(out)
		for sc.Scan() && sc.Text() != "writing" {
		}
		time.Sleep(time.Duration(150+round*70) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		checkWholeArticles(t, path)
	}
}

func checkWholeArticles(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer db.Close()
	MustCheck(t, db)
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	byArticle := map[string]int{}
	total := 0
	f := geo.EventFilter{Limit: geo.MaxLimit}
	for {
		page, err := s.FindEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			byArticle[e.Source.URL]++
			total++
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if total == 0 {
		t.Fatal("no article was stored before the kill")
	}
	for url, n := range byArticle {
		if n != eventsByArticle {
			t.Fatalf("article %s has %d events, want %d", url, n, eventsByArticle)
		}
	}
	if n, _ := s.CountEvents(ctx); n != total {
		t.Fatalf("CountEvents = %d, but %d events are stored", n, total)
	}
	page, err := s.FindEvents(ctx, geo.EventFilter{Tags: []string{"crash"}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.NumberMatched != total {
		t.Fatalf("tag count = %d, want %d", page.NumberMatched, total)
	}
	t.Logf("%d whole articles after the kill", len(byArticle))
}

// crashChild stores articles until it is killed.
func crashChild(path string) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	s, err := store.Open(db)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	pid := os.Getpid()
	for a := 0; ; a++ {
		events := randomEvents(uint64(pid)*1000+uint64(a), eventsByArticle)
		for _, e := range events {
			e.Source.URL = fmt.Sprintf("https://example.com/%d/%d", pid, a)
			e.Tags = append(e.Tags, "crash")
		}
		if _, err := s.CreateEvents(context.Background(), events); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		if a == 0 {
			fmt.Println("writing")
		}
	}
}
