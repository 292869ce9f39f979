package feeds_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/geonews/geonews/feeds"
	"github.com/geonews/geonews/internal/newstest"
)

// benchSentences are invented sentences an item's text is built from.
var benchSentences = []string{
	"Air strikes hit Raqa on Tuesday, killing %d people, local officials said.",
	"Heavy clashes erupted in Kobane on Wednesday as fighters advanced from the east.",
	"Aid agencies said %d families had fled the villages around Raqa since the weekend.",
	"A spokesman for the coalition said the operation would continue for several weeks.",
	"Residents of Kobane described queues for bread and fuel that stretched for hours.",
	"Officials in Syria did not respond to requests for comment on the report number %d.",
}

// benchFeed is an RSS feed of n items whose links and texts are unique to
// round and feed, about 1 KB of text each.
func benchFeed(round, feed, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Bench %d</title>`, feed)
	for i := range n {
		fmt.Fprintf(&b, "<item><title>Report %d-%d-%d</title><link>https://bench.example/%d/%d/%d?utm_source=rss</link>"+
			"<pubDate>Wed, 14 Jun 2017 09:00:00 GMT</pubDate><description>", round, feed, i, round, feed, i)
		for j := range 8 {
			s := benchSentences[(i+j)%len(benchSentences)]
			if strings.Contains(s, "%d") {
				s = fmt.Sprintf(s, round*1000000+feed*1000+i*10+j)
			}
			b.WriteString(s + " ")
		}
		b.WriteString("</description></item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// BenchmarkPollNewArticles polls 20 feeds of 20 new items each from a local
// server, end to end (fetch, parse, extract, geoparse, store), and reports
// new articles per second.
func BenchmarkPollNewArticles(b *testing.B) {
	const nFeeds, nItems = 20, 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var round, feed int
		fmt.Sscanf(r.URL.Path, "/%d/%d", &round, &feed)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(benchFeed(round, feed, nItems)))
	}))
	defer srv.Close()
	env := newstest.MustOpen(b)
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
			if f.Status.NewItems > 0 {
				articles += f.Status.NewItems
			}
			if err := s.DeleteFeed(b.Context(), f.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(articles)/elapsed.Seconds(), "articles/s")
}
