package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memoryFeed is feed number feed of a local outlet: n items of about 1 KB,
// each a strike in one of a few towns among filler words, unique to the
// feed so that none is a copy of another.
func memoryFeed(feed, n int) string {
	r := rand.New(rand.NewPCG(uint64(feed), 7))
	towns := []string{"Raqqa", "Braga", "Syria"}
	words := strings.Fields("the a of to in on near after people officials residents market road convoy water aid said reported week night town")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet %d</title>`, feed)
	for i := range n {
		fmt.Fprintf(&b, "<item><title>Report %d-%d</title><link>https://outlet%d.example/%d</link><pubDate>Wed, 14 Jun 2017 09:00:00 GMT</pubDate><description>", feed, i, feed, i)
		fmt.Fprintf(&b, "Air strikes hit %s on Tuesday, killing %d people, local officials said. ", towns[i%len(towns)], 2+r.IntN(50))
		for range 120 {
			b.WriteString(words[r.IntN(len(words))] + " ")
		}
		b.WriteString("</description></item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// procStatus reads the memory figures of /proc/PID/status (VmRSS, VmHWM,
// RssAnon, RssFile…) of process pid, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, " kB")), 10, 64); err == nil {
			m[k] = kb << 10
		}
	}
	return m, sc.Err()
}

// BenchmarkServeFeedsMemory runs the real geonews binary (serve, defaults
// but the address and token) with GEONEWS_BENCH_FEEDS feeds (default 200;
// issue 12 asks 1,000) of 20 new items each from a local server, until
// every article is stored, and reports the process's peak resident memory
// (peak-MB, the target is < 300) and articles stored per second.
// It reads a copy of GEONEWS_BENCH_DB when set (make bench: the default
// database, as served), else the test gazetteer.
func BenchmarkServeFeedsMemory(b *testing.B) {
	nFeeds := 200
	if v, err := strconv.Atoi(os.Getenv("GEONEWS_BENCH_FEEDS")); err == nil && v > 0 {
		nFeeds = v
	}
	const nItems = 20
	bin, err := geonewsBinary()
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feed, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, memoryFeed(feed, nItems))
	}))
	defer srv.Close()
	for range b.N {
		b.StopTimer()
		db := filepath.Join(b.TempDir(), "geonews.db")
		if src := os.Getenv("GEONEWS_BENCH_DB"); src != "" {
			copyFile(b, src, db)
		} else {
			src, err := gazetteerDB()
			if err != nil {
				b.Fatal(err)
			}
			copyFile(b, src, db)
		}
		var opml strings.Builder
		opml.WriteString(`<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head><body>`)
		for i := range nFeeds {
			fmt.Fprintf(&opml, `<outline type="rss" text="Outlet %d" xmlUrl="%s/%d"/>`, i, srv.URL, i)
		}
		opml.WriteString(`</body></opml>`)
		opmlPath := filepath.Join(b.TempDir(), "feeds.opml")
		if err := os.WriteFile(opmlPath, []byte(opml.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		if out, err := exec.Command(bin, "feeds", "import", "--db", db, opmlPath).CombinedOutput(); err != nil {
			b.Fatalf("feeds import: %v\n%s", err, out)
		}
		b.StartTimer()
		start := time.Now()
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--token", "mem", "--tiles", "off")
		cmd.Env = append(os.Environ(), "GEONEWS_MAX_MAPPED=") // the default budget
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var base string
		for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if m := servingURL.FindStringSubmatch(logs.String()); m != nil {
				base = m[1]
			}
		}
		if base == "" {
			cmd.Process.Kill()
			cmd.Wait()
			b.Fatalf("serve did not start:\n%s", logs.String())
		}
		articles, polled := 0, 0
		var anon, file int64 // at the peak of resident memory
		for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			res, err := http.Get(base + "/feeds")
			if err != nil {
				b.Fatal(err)
			}
			var got struct {
				Feeds []struct {
					Status struct {
						LastPoll  *time.Time `json:"last_poll"`
						Articles  int        `json:"articles"`
						LastError string     `json:"last_error"`
					} `json:"status"`
				} `json:"feeds"`
			}
			err = json.NewDecoder(res.Body).Decode(&got)
			res.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			if st, err := procStatus(cmd.Process.Pid); err == nil && st["VmRSS"] >= st["VmHWM"]-(1<<20) {
				anon, file = st["RssAnon"], st["RssFile"]
			}
			articles, polled = 0, 0
			for _, f := range got.Feeds {
				articles += f.Status.Articles
				if f.Status.LastPoll != nil {
					polled++
				}
			}
			if polled == nFeeds {
				break
			}
		}
		elapsed := time.Since(start)
		st, err := procStatus(cmd.Process.Pid)
		b.StopTimer()
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if polled != nFeeds || articles != nFeeds*nItems {
			b.Fatalf("%d of %d feeds polled, %d of %d articles stored:\n%s", polled, nFeeds, articles, nFeeds*nItems, logs.String()[max(0, len(logs.String())-3000):])
		}
		b.ReportMetric(float64(st["VmHWM"])/(1<<20), "peak-MB")
		b.ReportMetric(float64(anon)/(1<<20), "anon-MB")
		b.ReportMetric(float64(file)/(1<<20), "file-MB")
		b.ReportMetric(float64(articles)/elapsed.Seconds(), "articles/s")
	}
}
