package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
	"github.com/mmcdole/gofeed"
)

// Ingester is what the poller needs of the ingest use case.
type Ingester interface {
	IngestBatch(ctx context.Context, as []ingest.Article) (*ingest.Batch, error)
}

// batchSize is how many new items of a feed are stored in one transaction:
// a commit (an fsync) per item capped polling at ~90 articles a second.
const batchSize = 50

// Backoff bounds: a failing feed is retried after its interval doubled per
// consecutive failure, at most maxBackoff later.
const maxBackoff = 24 * time.Hour

// PollerOptions configure a Poller. Zero fields take the defaults.
type PollerOptions struct {
	Workers int           // feeds polled at once (default 4)
	Tick    time.Duration // how often Run looks for due feeds (default 5 s)
	Fetch   FetchOptions
	Logger  *slog.Logger
	// FetchPages completes an item that carries only a summary with the
	// main text of its page (readability), its rel=canonical URL and its
	// publication time when the item has none.
	FetchPages bool
	Now        func() time.Time
}

// Poller polls feeds and ingests their new items. Its Feeds, CreateFeed and
// DeleteFeed are the storage's; PollFeed polls one feed now. Pollers of
// several processes on one PGStore poll each feed once: a poll holds the
// feed's lock, and a feed found due is polled only if it still is once
// the lock is held.
type Poller struct {
	Storage
	ingest  Ingester
	fetch   *Fetcher
	parser  *gofeed.Parser
	opt     PollerOptions
	mu      sync.Mutex
	polling map[int64]bool
	sem     chan struct{} // bounds fetches and ingests in flight
	stop    context.CancelFunc
	done    chan struct{}
}

// NewPoller returns a poller over the feeds of s that ingests with in.
func NewPoller(s Storage, in Ingester, opt PollerOptions) *Poller {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Tick <= 0 {
		opt.Tick = 5 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Poller{Storage: s, ingest: in, fetch: NewFetcher(opt.Fetch), parser: gofeed.NewParser(), opt: opt,
		polling: map[int64]bool{}, sem: make(chan struct{}, opt.Workers)}
}

// Start polls due feeds in the background until Close.
func (p *Poller) Start(ctx context.Context) {
	ctx, p.stop = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		p.Run(ctx)
	}()
}

// Close stops the background polling and waits for the polls in flight to
// end (their fetches are cancelled; what they stored stays), so that the DB
// can be closed after it.
func (p *Poller) Close() {
	if p.stop != nil {
		p.stop()
		<-p.done
	}
	p.fetch.Close()
}

// Run polls the feeds that are due every tick until ctx ends, then waits
// for the polls it started.
func (p *Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.opt.Tick)
	defer t.Stop()
	for {
		p.PollDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PollDue polls every feed whose time has come, Workers at a time, and
// returns when all are done. A failing feed records its error and the
// others go on.
func (p *Poller) PollDue(ctx context.Context) {
	now := p.opt.Now()
	p.pollEach(ctx, func(f *Feed) bool { return !f.NextPoll.After(now) })
}

// PollAll polls every feed now, as PollDue does the due ones.
func (p *Poller) PollAll(ctx context.Context) {
	p.pollEach(ctx, func(*Feed) bool { return true })
}

// pollEach polls the feeds that want selects with Workers goroutines.
func (p *Poller) pollEach(ctx context.Context, want func(*Feed) bool) {
	fs, err := p.Feeds(ctx)
	if err != nil {
		p.opt.Logger.Error("feeds: list", "err", err)
		return
	}
	ids := make(chan int64)
	var wg sync.WaitGroup
	for range p.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if _, err := p.pollFeed(ctx, id, want); err != nil && ctx.Err() == nil && geo.ErrorCode(err) != geo.ECONFLICT {
					p.opt.Logger.Error("feeds: poll", "feed", id, "err", err)
				}
			}
		}()
	}
	for _, f := range fs {
		if want(f) && ctx.Err() == nil {
			ids <- f.ID
		}
	}
	close(ids)
	wg.Wait()
}

// PollFeed polls one feed now and returns it with its new status. What
// went wrong with the feed is in its status; the error is for the poll
// itself: the feed is unknown (geo.ENOTFOUND), is being polled already
// (geo.ECONFLICT), or the DB failed.
func (p *Poller) PollFeed(ctx context.Context, id int64) (*Feed, error) {
	return p.pollFeed(ctx, id, nil)
}

// errNotDue is pollFeed's answer for a feed that another node polled
// between the listing and the lock.
var errNotDue = geo.Errorf(geo.ECONFLICT, "the feed is no longer due")

// pollFeed is PollFeed; with want, a feed that no longer passes it once
// locked (another process polled it meanwhile) is left alone.
func (p *Poller) pollFeed(ctx context.Context, id int64, want func(*Feed) bool) (*Feed, error) {
	p.mu.Lock()
	if p.polling[id] {
		p.mu.Unlock()
		return nil, geo.Errorf(geo.ECONFLICT, "feed %d is being polled", id)
	}
	p.polling[id] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.polling, id)
		p.mu.Unlock()
	}()
	select {
	case p.sem <- struct{}{}:
		defer func() { <-p.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	unlock, ok, err := p.lockPoll(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, geo.Errorf(geo.ECONFLICT, "feed %d is being polled by another node", id)
	}
	defer unlock()
	f, err := p.Feed(ctx, id)
	if err != nil {
		return nil, err
	}
	if want != nil && !want(f) {
		return nil, errNotDue
	}
	perr := p.poll(ctx, f)
	if ctx.Err() != nil {
		return nil, ctx.Err() // stopping: the feed is polled again next time
	}
	var fe *FetchError
	switch {
	case perr == nil:
		f.Status.LastError, f.Failures = "", 0
	case errors.As(perr, &fe), errors.Is(perr, errFeed):
		f.Status.LastError = perr.Error()
		f.Failures++
	default:
		return nil, perr // the DB or the ingest failed: not the feed's fault
	}
	f.NextPoll = p.next(f)
	p.opt.Logger.Info("feed polled", "feed", f.ID, "url", f.URL, "http_status", f.Status.HTTPStatus, "new_items", f.Status.NewItems,
		"articles", f.Status.Articles, "events", f.Status.Events, "error", f.Status.LastError, "next_poll", f.NextPoll.UTC().Format(time.RFC3339))
	return f, p.savePoll(ctx, f)
}

// next is when a feed is due again: after its interval, doubled for each
// consecutive failure up to maxBackoff, give or take a tenth so that feeds
// added together drift apart.
func (p *Poller) next(f *Feed) time.Time {
	d := f.Interval
	for i := 0; i < f.Failures && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	jitter := time.Duration(rand.Int64N(int64(d/5)+1)) - d/10
	return p.opt.Now().Add(d + jitter)
}

// errFeed marks errors that are the feed's content's fault.
var errFeed = errors.New("feed")

type feedError struct{ msg string }

func (e feedError) Error() string   { return e.msg }
func (e feedError) Is(t error) bool { return t == errFeed }

// poll fetches a feed and ingests its unread items, updating f.
func (p *Poller) poll(ctx context.Context, f *Feed) error {
	now := p.opt.Now().UTC()
	f.Status.LastPoll, f.Status.HTTPStatus, f.Status.NewItems = now, 0, 0
	resp, err := p.fetch.Fetch(ctx, f.URL, f.ETag, f.LastModified)
	if err != nil {
		var fe *FetchError
		if errors.As(err, &fe) {
			f.Status.HTTPStatus = fe.Status
		}
		return err
	}
	f.Status.HTTPStatus = resp.Status
	if resp.NotModified {
		return nil
	}
	feed, err := p.parser.Parse(bytes.NewReader(resp.Body))
	if err != nil {
		return feedError{"not a feed (RSS, Atom or JSON Feed): " + parseMessage(err)}
	}
	// Validators count only once the body was read as a feed: a broken
	// answer must not make the next poll a 304.
	f.ETag, f.LastModified = resp.ETag, resp.LastModified
	f.Status.Items = len(feed.Items)
	if f.Title == "" { // the outlet's name, kept from the first poll on
		f.Title = strings.TrimSpace(TextFromHTML(feed.Title))
	}
	outlet := f.Title
	keys := make([][]byte, len(feed.Items))
	for i, it := range feed.Items {
		keys[i] = itemKey(itemID(it))
	}
	unread, err := p.unreadItems(ctx, keys)
	if err != nil {
		return err
	}
	f.Status.NewItems = len(unread)
	for len(unread) > 0 {
		n := min(len(unread), batchSize)
		if err := p.ingestItems(ctx, f, feed.Items, keys, unread[:n], outlet, now); err != nil {
			return err
		}
		unread = unread[n:]
	}
	return nil
}

// ingestItems stores the events of the items at idx in one transaction,
// then marks them read in another: an item whose events are stored is read
// again after a crash between the two, which stores nothing new.
func (p *Poller) ingestItems(ctx context.Context, f *Feed, items []*gofeed.Item, keys [][]byte, idx []int, outlet string, now time.Time) error {
	as := make([]ingest.Article, len(idx))
	sel := make([][]byte, len(idx))
	texts, urls := make([]string, len(idx)), make([]string, len(idx))
	for j, i := range idx {
		as[j], sel[j] = p.article(ctx, items[i], outlet, now), keys[i]
		texts[j], urls[j] = as[j].Text, as[j].URL
	}
	copyOf, err := p.claimOriginals(ctx, sel, texts, urls)
	if err != nil {
		return err
	}
	var originals []ingest.Article
	for j, a := range as {
		if copyOf[j] == "" {
			originals = append(originals, a)
		}
	}
	b, err := p.ingest.IngestBatch(ctx, originals)
	if err != nil {
		return err
	}
	recs := make([]Item, len(idx))
	k := 0 // index in originals
	for j, a := range as {
		recs[j] = Item{URL: a.URL, Title: a.Title, Outlet: a.Outlet, Feed: f.ID, Published: a.Published.UTC(), Read: now, CopyOf: copyOf[j]}
		switch {
		case copyOf[j] != "":
			recs[j].Skipped = "a copy of " + copyOf[j]
		case b.Errors[k] != nil:
			recs[j].Skipped = geo.ErrorMessage(b.Errors[k])
		case b.Results[k].Skipped != "":
			recs[j].Skipped = b.Results[k].Skipped // a language the parser does not read
		default:
			recs[j].Events = len(b.Results[k].Events)
			f.Status.Articles++
		}
		if copyOf[j] == "" {
			k++
		}
		if recs[j].Skipped != "" {
			f.Status.Skipped++
			f.Status.SkipReason = recs[j].Skipped
		}
	}
	f.Status.Events += b.Created + b.Merged // a report of a stored happening counts
	return p.markItems(ctx, sel, recs)
}

// parseMessage shortens gofeed's errors to what a user can act on.
func parseMessage(err error) string {
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return "the document is not RSS, Atom or JSON Feed (an HTML page?)"
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// itemID is what identifies an item across polls: its canonical link, else
// its GUID, else a hash of its title and text.
func itemID(it *gofeed.Item) string {
	if it.Link != "" {
		return CanonicalURL(it.Link)
	}
	if it.GUID != "" {
		return "guid:" + it.GUID
	}
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Content + "\x00" + it.Description))
	return "text:" + hex.EncodeToString(h[:])
}

// article turns a feed item into an article: the text of its content (else
// its description) without HTML, its publication time (else its update
// time, else now), its title and canonical link, and the outlet's name.
// With FetchPages, an item that carries only a summary is completed from
// its page (see page.go).
func (p *Poller) article(ctx context.Context, it *gofeed.Item, outlet string, now time.Time) ingest.Article {
	body := it.Content
	if strings.TrimSpace(TextFromHTML(body)) == "" {
		body = it.Description
	}
	a := ingest.Article{Text: TextFromHTML(body), Title: strings.TrimSpace(TextFromHTML(it.Title)), Outlet: outlet}
	if it.Link != "" {
		a.URL = CanonicalURL(it.Link)
	}
	switch {
	case it.PublishedParsed != nil: // in the feed's zone: the publisher's date anchors relative dates
		a.Published = *it.PublishedParsed
	case it.UpdatedParsed != nil:
		a.Published = *it.UpdatedParsed
	case it.Published != "":
		if t, _, err := geoparse.ParsePublished(it.Published); err == nil {
			a.Published = t
		}
	}
	if p.opt.FetchPages && a.URL != "" && strings.TrimSpace(TextFromHTML(it.Content)) == "" && len(a.Text) < summaryLen {
		pg, err := p.readPage(ctx, it.Link)
		if err != nil {
			p.opt.Logger.Debug("feeds: page", "url", it.Link, "err", err)
		} else {
			if len(pg.text) > len(a.Text) {
				a.Text = pg.text
			}
			if pg.canonical != "" {
				a.URL = pg.canonical
			}
			if a.Published.IsZero() {
				a.Published = pg.published
			}
		}
	}
	if a.Published.IsZero() {
		a.Published = now
	}
	return a
}
