package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestArticleClientGone: when a client that posted a long article hangs
// up, the server stops geoparsing it: the process is idle 100 ms later.
// (Issue 15: after a client left at 3 s, the server burned 32 more
// CPU-seconds.)
func TestArticleClientGone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gazetteer")
	}
	s := startServe(t, copyGazetteer(t), nil, "--token", "art")
	words := []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Paris", "Raqa", "New", "York", "San", "Lima", "Sierra"}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < 250<<10 {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(' ')
	}
	post := func(ctx context.Context) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/articles?dry_run=1", strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("Authorization", "Bearer art")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	// The whole parse, for scale.
	start := time.Now()
	if status, err := post(t.Context()); err != nil || status != 200 {
		t.Fatalf("a 250 KiB article: %d, %v", status, err)
	}
	whole := time.Since(start)

	ctx, cancel := context.WithTimeout(t.Context(), whole/4)
	defer cancel()
	if _, err := post(ctx); err == nil {
		t.Skipf("the parse (%v) ended before the client left", whole)
	}
	time.Sleep(100 * time.Millisecond)
	cpu0, t0 := cpuTime(t), time.Now()
	// at least 200 ms: over a few milliseconds the runtime's own work (GC,
	// the feed poller's timers) is a fifth of the CPU by itself
	time.Sleep(max(whole/2, 200*time.Millisecond))
	cpu, wall := cpuTime(t)-cpu0, time.Since(t0)
	t.Logf("a 250 KiB article takes %v; after the client left at %v, the process used %v of CPU in %v", whole, whole/4, cpu, wall)
	if cpu > wall/5 {
		t.Errorf("the server kept working after the client left: %v of CPU in %v", cpu, wall)
	}
}
