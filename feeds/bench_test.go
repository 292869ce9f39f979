package feeds_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/internal/newstest"
)

// benchFeed is an RSS feed of n items whose links and texts are unique to
// round and feed: a report of a strike in Raqa or Kobane among invented
// sentences of random filler words, about 1 KB each, so that no two items
// are near-duplicates.
func benchFeed(round, feed, n int) string {
	r := rand.New(rand.NewPCG(uint64(round), uint64(feed)))
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Bench %d</title>`, feed)
	for i := range n {
		fmt.Fprintf(&b, "<item><title>Report %d-%d-%d</title><link>https://bench.example/%d/%d/%d?utm_source=rss</link>"+
			"<pubDate>Wed, 14 Jun 2017 09:00:00 GMT</pubDate><description>", round, feed, i, round, feed, i)
		place := []string{"Raqa", "Kobane"}[i%2]
		fmt.Fprintf(&b, "Air strikes hit %s on Tuesday, killing %d people, local officials said. ", place, 2+r.IntN(50))
		for range 8 {
			for range 14 {
				b.WriteString(benchWords[r.IntN(len(benchWords))] + " ")
			}
			b.WriteString("said the report. ")
		}
		b.WriteString("</description></item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// benchWords are the filler of benchFeed's items.
var benchWords = strings.Fields(`the a of and to in on for with by from at as after before during over under near
people families officials residents fighters forces groups agencies hospital market village town road river bridge
water bread fuel aid food power school house convoy report statement week month day night morning evening
said told reported confirmed added warned called asked denied expected continued moved left arrived returned
several many few some two three four five dozens hundreds thousands local regional national northern eastern`)

// BenchmarkPollNewArticles polls 20 feeds of 20 new items each from a local
// server, end to end (fetch, parse, extract, geoparse, store), and reports
// new articles per second. With BENCH_GAZETTEER_DB=data/geonews.db it
// reads with the default gazetteer, on a copy.
func BenchmarkPollNewArticles(b *testing.B) {
	const nFeeds, nItems = 20, 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var round, feed int
		fmt.Sscanf(r.URL.Path, "/%d/%d", &round, &feed)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(benchFeed(round, feed, nItems)))
	}))
	defer srv.Close()
	var env *newstest.Env
	if path := os.Getenv("BENCH_GAZETTEER_DB"); path != "" {
		env = newstest.MustOpenCopy(b, path) // the real gazetteer, e.g. data/geonews.db
	} else {
		env = newstest.MustOpen(b)
	}
	env.DB.NoSync = os.Getenv("BENCH_NOSYNC") != ""
	s, err := feeds.Open(env.DB)
	if err != nil {
		b.Fatal(err)
	}
	p := feeds.NewPoller(s, env.Ingest, feeds.PollerOptions{Workers: 4})
	defer p.Close()
	articles := 0
	var elapsed time.Duration
	for round := 0; b.Loop(); round++ {
		b.StopTimer()
		for i := range nFeeds {
			if err := s.CreateFeed(b.Context(), &feeds.Feed{URL: fmt.Sprintf("%s/%d/%d", srv.URL, round, i)}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		p.PollDue(b.Context())
		elapsed += time.Since(start)
		b.StopTimer()
		all, err := s.Feeds(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range all {
			if f.Status.LastError != "" {
				b.Fatal(f.Status.LastError)
			}
			if f.Status.Articles != nItems {
				b.Fatalf("%d articles of %d items: %+v", f.Status.Articles, nItems, f.Status)
			}
			articles += f.Status.Articles
			if err := s.DeleteFeed(b.Context(), f.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(articles)/elapsed.Seconds(), "articles/s")
}
