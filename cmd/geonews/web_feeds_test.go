package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebFeeds: the Feeds panel in a real Chromium, against geonews serve
// and a local feed server (newOutlet: /rss answers, anything else 500):
// following a feed from the form, polling it now, its status (HTTP status,
// items, articles, events), a broken feed's error, removing it, and a
// refusal without the token said in the panel.
func TestWebFeeds(t *testing.T) {
	b := newBrowser(t, 1280, 900)
	outlet := newOutlet(t)
	s := startServe(t, mustGazetteerDB(t), nil, "--token", "feeds-token")
	s.token = "feeds-token"

	// Two outlets' reports of the strike the feed reports too.
	for i, text := range []string{"Warplanes bombed the city of Raqqa on Tuesday, residents said, and at least four civilians died.",
		"Jets pounded the city of Raqqa with air strikes on Tuesday, witnesses said."} {
		body := fmt.Sprintf(`{"text":%q,"url":"https://outlet%d.example/strike","published":"2017-06-14T09:00:00Z"}`, text, i)
		if r := s.do(t, "POST", "/articles", body, "Authorization", "Bearer feeds-token", "Content-Type", "application/json"); r.status != 201 {
			t.Fatalf("article %d: %d %s", i, r.status, r.body)
		}
	}
	b.do(t, chromedp.Navigate(s.url+"/#map=5/34.5/40"))
	b.wait(t, `document.readyState === 'complete'`, 10*time.Second)
	b.do(t, chromedp.Click(chromedp.ID("feeds-button")))
	b.wait(t, `!document.getElementById('feeds-panel').hidden && window.geonewsFeedsLoads >= 1`, 10*time.Second)
	if got := eval[string](t, b, `document.getElementById('feeds-list').textContent`); got != "No feed followed yet." {
		t.Errorf("empty list says %q", got)
	}

	add := func(url string) {
		t.Helper()
		b.do(t,
			chromedp.SetValue(chromedp.ID("feeds-url"), url),
			chromedp.SetValue(chromedp.ID("feeds-interval"), "15m"),
			chromedp.Click(chromedp.CSS(`#feeds-form button[type=submit]`)))
	}

	// Without the token the panel says what to do, and nothing is followed.
	add(outlet.URL + "/rss")
	b.wait(t, `document.getElementById('feeds-msg').classList.contains('bad') && /token/.test(document.getElementById('feeds-msg').textContent)`, 10*time.Second)
	if r := s.do(t, "GET", "/feeds", ""); string(r.body) != `{"feeds":[]}`+"\n" {
		t.Fatalf("a feed was followed without the token: %s", r.body)
	}

	eval[bool](t, b, `localStorage.setItem('geonews.token', 'feeds-token'), true`)
	add(outlet.URL + "/rss")
	b.wait(t, `document.querySelectorAll('#feeds-list .feed').length === 1 && /Following/.test(document.getElementById('feeds-msg').textContent)`, 10*time.Second)
	add(outlet.URL + "/down")
	b.wait(t, `document.querySelectorAll('#feeds-list .feed').length === 2`, 10*time.Second)

	poll := func(title string) {
		t.Helper()
		n := eval[int](t, b, `window.geonewsFeedsLoads`)
		eval[bool](t, b, fmt.Sprintf(`[...document.querySelectorAll('#feeds-list .feed')].find(li => li.querySelector('.feed-title').textContent === %q).querySelector('.feed-poll').click(), true`, title))
		b.wait(t, fmt.Sprintf(`window.geonewsFeedsLoads > %d`, n), 20*time.Second)
	}
	poll(outlet.URL + "/rss") // named by its URL until polled
	feedText := func(i int) string {
		return eval[string](t, b, fmt.Sprintf(`document.querySelectorAll('#feeds-list .feed')[%d].textContent`, i))
	}
	if got, want := feedText(0), "HTTP 200 · 2 items · 2 articles · 1 event · 0 skipped"; !strings.Contains(got, want) || !strings.HasPrefix(got, "Test Wire") {
		t.Errorf("the polled feed shows %q, want its title and %q", got, want)
	}
	poll(outlet.URL + "/down")
	if got := feedText(1); !strings.Contains(got, "HTTP 500") || !strings.Contains(got, "Error: ") {
		t.Errorf("the broken feed shows %q, want HTTP 500 and its error", got)
	}
	if *screenshotFile != "" {
		shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(strings.TrimSuffix(*screenshotFile, ".png")+"-feeds.png", shot, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
	b.do(t, chromedp.Click(chromedp.CSS(`#feeds-list .feed:nth-child(2) .feed-remove`)))
	b.wait(t, `document.querySelectorAll('#feeds-list .feed').length === 1 && /No longer following/.test(document.getElementById('feeds-msg').textContent)`, 10*time.Second)
	if r := s.do(t, "GET", "/feeds", ""); strings.Count(string(r.body), `"id"`) != 1 {
		t.Errorf("after removing: %s", r.body)
	}

	// The feed's report merged into the strike the articles reported: the
	// event's popup says by how many outlets and articles.
	b.do(t, chromedp.Navigate("about:blank"), chromedp.Navigate(s.url+"/#map=6/35.9/39")) // a new hash alone would not reload
	b.wait(t, `document.querySelectorAll('#list li').length === 1`, 15*time.Second)
	eval[bool](t, b, `document.querySelector('#list li button').click(), true`)
	b.wait(t, `document.querySelector('.leaflet-popup-content .merged')`, 10*time.Second)
	if got := eval[string](t, b, `document.querySelector('.leaflet-popup-content .merged').textContent`); !strings.HasPrefix(got, "Reported by 3 outlets in 3 articles (same type") {
		t.Errorf("the merged event's popup says %q", got)
	}
	b.checkClean(t)
}
