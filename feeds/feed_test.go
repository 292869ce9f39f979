package feeds

import (
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want, code string }{
		{"https", " https://News.Example/feed.xml#x ", "https://news.example/feed.xml", ""},
		{"http", "http://127.0.0.1:8080/rss", "http://127.0.0.1:8080/rss", ""},
		{"file", "file:///etc/passwd", "", geo.EINVALID},
		{"a path", "/etc/passwd", "", geo.EINVALID},
		{"ftp", "ftp://news.example/feed", "", geo.EINVALID},
		{"no host", "http:///feed", "", geo.EINVALID},
		{"credentials", "https://user:pw@news.example/feed", "", geo.EINVALID},
		{"javascript", "javascript:alert(1)", "", geo.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckURL(tc.in)
			if code := geo.ErrorCode(err); code != tc.code || got != tc.want {
				t.Errorf("CheckURL(%q) = %q, %v; want %q, code %q", tc.in, got, err, tc.want, tc.code)
			}
		})
	}
}

func TestFeedCodec(t *testing.T) {
	f := &Feed{ID: 7, URL: "https://news.example/rss", Title: "News", Interval: 15 * time.Minute,
		Created: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), ETag: `"abc"`, LastModified: "Tue, 01 Dec 2026 08:00:00 GMT",
		NextPoll: time.Date(2026, 12, 1, 8, 15, 0, 0, time.UTC), Failures: 2,
		Status: Status{LastPoll: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), HTTPStatus: 502, Items: 20, NewItems: 3,
			Articles: 40, Events: 55, Skipped: 2, SkipReason: "the article text is empty", LastError: "HTTP 502 Bad Gateway"}}
	b, err := encodeFeed(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeFeed(7, b)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *f {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
	}
}
