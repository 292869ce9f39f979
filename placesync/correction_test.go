package placesync_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/geonews/geonews/corrections"
	"github.com/geonews/geonews/gazetteer"
	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
	"github.com/geonews/geonews/ingest"
	"github.com/geonews/geonews/internal/pgtest"
	"github.com/geonews/geonews/placesync"
	"github.com/geonews/geonews/postgis"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	bolt "go.etcd.io/bbolt"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The case the tests teach, as in the bbolt gazetteer's: a bare
// "Springfield" in an article about the United States reads as the most
// populous one, in Missouri; the users mean the capital of Illinois.
const (
	springfieldMO = 4409896
	springfieldIL = 4250542
	article       = "Police said a protest was held in Springfield in the United States on Monday."
)

// mustBase returns a gazetteer holding the GeoNames sample and the United
// States, as the shared file under the overlays.
func mustBase(t testing.TB) *gazetteer.Gazetteer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g, err := gazetteer.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../gazetteer/testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := g.ImportGeoNames(t.Context(), f, gazetteer.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	us := &geo.Place{Name: "United States", Point: orb.Point{-98.5, 39.8}, FeatureClass: "A", FeatureCode: "PCLI",
		Country: "US", Population: 330000000, Source: geo.SourceUser}
	if err := g.CreatePlace(t.Context(), us); err != nil {
		t.Fatal(err)
	}
	return g
}

// node is one geonews node's gazetteer side: its own pool, its overlay
// (listening until the test ends) and its geoparser.
type node struct {
	ov     *placesync.Overlay
	rules  *placesync.Rules
	parser *geoparse.Parser
}

func mustNode(t testing.TB, url string, base *gazetteer.Gazetteer) *node {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ov, err := placesync.Open(t.Context(), pool, base, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &node{ov: ov, rules: ov.Rules(), parser: geoparse.New(ov, nil)}
}

// springfield returns the place the node's geoparser gives "Springfield"
// in the article: 0 when it is no place there.
func (n *node) springfield(t *testing.T) int64 {
	t.Helper()
	ms, err := n.parser.Parse(context.Background(), article)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Text == "Springfield" && m.Place != nil {
			return m.Place.ID
		}
	}
	return 0
}

// within waits up to a second for the node's reading of Springfield.
func (n *node) within(t *testing.T, want int64, what string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		got := n.springfield(t)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: Springfield is %d after a second; want %d", what, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCorrectionsShared: a rule added through one node is used by the
// other's geoparser within a second, the newest rule wins, undoing brings
// the older back, a starting node replays them, and bad rules are refused.
func TestCorrectionsShared(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	base := mustBase(t)
	a, b := mustNode(t, url, base), mustNode(t, url, base)
	if got := b.springfield(t); got != springfieldMO {
		t.Fatalf("before any correction Springfield is %d; want %d (what this test corrects)", got, springfieldMO)
	}

	move := &gazetteer.Correction{Action: gazetteer.CorrectMove, Name: "Springfield", Country: "us", PlaceID: springfieldIL,
		EventID: "e1", URL: "https://example.org/1", FromPlaceID: springfieldMO, Before: []byte(`{"x":1}`)}
	if err := a.rules.AddCorrection(ctx, move); err != nil {
		t.Fatal(err)
	}
	if move.ID == 0 || move.Country != "US" || move.Created.IsZero() {
		t.Errorf("the stored rule: %+v", move)
	}
	if got := a.springfield(t); got != springfieldIL {
		t.Errorf("node A right after its own correction: %d; want %d", got, springfieldIL)
	}
	b.within(t, springfieldIL, "node B after a move on node A")
	if !b.ov.HasCorrections("SPRINGFIELD") || b.ov.HasCorrections("Paris") {
		t.Error("HasCorrections is wrong on node B")
	}
	if _, ok, _ := b.ov.Correction(ctx, "Springfield", "FR"); ok {
		t.Error("a rule about the US applies to an article about France")
	}
	after := time.Date(2026, 12, 6, 8, 0, 0, 123456789, time.UTC) // nanoseconds survive
	if err := b.rules.SetCorrectionAfter(ctx, move.ID, after); err != nil {
		t.Fatal(err)
	}
	got, err := a.rules.Correction(ctx, move.ID)
	if err != nil || got.URL != move.URL || got.EventID != "e1" || got.FromPlaceID != springfieldMO || string(got.Before) != `{"x":1}` ||
		!got.After.Equal(after) || !got.Created.Equal(move.Created) || got.Key() != "springfield" {
		t.Errorf("Correction(%d) on node A: %+v, %v", move.ID, got, err)
	}

	// The newest rule wins; undoing it brings the older back, on every node.
	notPlace := &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: "Springfield", Country: "US", PlaceID: 5}
	if err := b.rules.AddCorrection(ctx, notPlace); err != nil {
		t.Fatal(err)
	}
	if notPlace.PlaceID != 0 || notPlace.ID <= move.ID {
		t.Errorf("not a place: %+v", notPlace)
	}
	a.within(t, 0, "node A after 'not a place' on node B")

	// Bad input is refused and stores nothing.
	for _, bad := range []gazetteer.Correction{
		{Action: "rename", Name: "X", Country: "US"},
		{Action: gazetteer.CorrectMove, Name: "X", Country: "US"},
		{Action: gazetteer.CorrectMove, Name: "X", Country: "US", PlaceID: 999},
		{Action: gazetteer.CorrectNotPlace, Name: "", Country: "US"},
		{Action: gazetteer.CorrectNotPlace, Name: "!!!", Country: "US"},
		{Action: gazetteer.CorrectNotPlace, Name: "X", Country: "USA"},
		{Action: gazetteer.CorrectNotPlace, Name: "X\u202e", Country: "US"},
	} {
		if err := a.rules.AddCorrection(ctx, &bad); geo.ErrorCode(err) != geo.EINVALID {
			t.Errorf("AddCorrection(%+v) = %v; want EINVALID", bad, err)
		}
	}
	for name, err := range map[string]error{
		"Correction(999)":         func() error { _, err := a.rules.Correction(ctx, 999); return err }(),
		"Correction(0)":           func() error { _, err := a.rules.Correction(ctx, 0); return err }(),
		"DeleteCorrection(999)":   func() error { _, err := a.rules.DeleteCorrection(ctx, 999); return err }(),
		"SetCorrectionAfter(999)": a.rules.SetCorrectionAfter(ctx, 999, after),
	} {
		if geo.ErrorCode(err) != geo.ENOTFOUND {
			t.Errorf("%s: %v; want ENOTFOUND", name, err)
		}
	}
	all, err := b.rules.Corrections(ctx)
	if err != nil || len(all) != 2 || all[0].ID != move.ID || all[1].ID != notPlace.ID {
		t.Fatalf("Corrections = %v, %v; want the two, oldest first", all, err)
	}

	// A node that starts now replays the rules.
	c := mustNode(t, url, base)
	if got := c.springfield(t); got != 0 {
		t.Errorf("a node started after the rules: Springfield is %d; want no place", got)
	}

	if _, err := a.rules.DeleteCorrection(ctx, notPlace.ID); err != nil {
		t.Fatal(err)
	}
	b.within(t, springfieldIL, "node B after undoing the newest rule on node A")
	c.within(t, springfieldIL, "node C after undoing the newest rule on node A")

	// A rule whose place is deleted since is ignored, as on bbolt.
	if err := c.ov.DeletePlace(ctx, springfieldIL); err != nil {
		t.Fatal(err)
	}
	a.within(t, springfieldMO, "node A after the rule's place was deleted on node C")

	if _, err := b.rules.DeleteCorrection(ctx, move.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.rules.DeleteCorrection(ctx, move.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("undoing twice: %v; want ENOTFOUND", err)
	}
	for deadline := time.Now().Add(time.Second); a.ov.HasCorrections("Springfield"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("node A keeps a rule undone on node B after a second")
		}
	}
	if d := mustNode(t, url, base); d.ov.HasCorrections("Springfield") {
		t.Error("a node started after every rule was undone has one")
	}
}

// TestCorrectionsMissedWhileDisconnected: a node whose listening
// connection drops replays the rules when it is back, dropping those undone
// meanwhile and taking those added.
func TestCorrectionsMissedWhileDisconnected(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	base := mustBase(t)
	a, b := mustNode(t, url, base), mustNode(t, url, base)
	move := &gazetteer.Correction{Action: gazetteer.CorrectMove, Name: "Springfield", Country: "US", PlaceID: springfieldIL}
	if err := a.rules.AddCorrection(ctx, move); err != nil {
		t.Fatal(err)
	}
	b.within(t, springfieldIL, "node B after a move on node A")

	// Cut every listening connection (both nodes'), then undo the move and
	// say Springfield is no place while nobody listens.
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var cut int
	if err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`, placesync.ListenerName).Scan(&cut); err != nil || cut == 0 {
		t.Fatalf("cutting the listeners: %d, %v", cut, err)
	}
	if _, err := a.rules.DeleteCorrection(ctx, move.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.rules.AddCorrection(ctx, &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: "Springfield", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	// The listener reconnects after a second.
	deadline := time.Now().Add(5 * time.Second)
	for b.springfield(t) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("node B after reconnecting: Springfield is %d; want no place", b.springfield(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if all, _ := b.rules.Corrections(ctx); len(all) != 1 {
		t.Errorf("the table holds %d rules; want 1", len(all))
	}
}

// TestCorrectionsUndoOnAnotherNode: a correction made through node A's
// service moves the stored event; undone through node B's, the event comes
// back and both geoparsers read the name as before.
func TestCorrectionsUndoOnAnotherNode(t *testing.T) {
	ctx := t.Context()
	url := pgtest.DB(t)
	base := mustBase(t)
	a, b := mustNode(t, url, base), mustNode(t, url, base)
	pg, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	res, err := ingest.New(a.parser, pg).Ingest(ctx, ingest.Article{Text: article, URL: "https://example.org/1",
		Published: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, false)
	if err != nil {
		t.Fatal(err)
	}
	var ev *geo.Event
	for _, e := range res.Events {
		if e.Why != nil && e.Why.Mention.Text == "Springfield" {
			ev = e
		}
	}
	if ev == nil || ev.Place.ID != springfieldMO {
		t.Fatalf("the article's events: %+v; want one at Springfield, MO", res.Events)
	}
	sa := &corrections.Service{Events: pg, Rules: a.rules}
	sb := &corrections.Service{Events: pg, Rules: b.rules}
	c, moved, err := sa.Correct(ctx, corrections.Request{EventID: ev.ID, Action: gazetteer.CorrectMove, PlaceID: springfieldIL})
	if err != nil {
		t.Fatal(err)
	}
	if moved.Place.ID != springfieldIL || c.Country != "US" {
		t.Fatalf("corrected: %+v, rule %+v", moved.Place, c)
	}
	b.within(t, springfieldIL, "node B after a correction through node A's service")
	if list, err := sb.List(ctx); err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("node B's list: %v, %v", list, err)
	}

	u, err := sb.Undo(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Restored {
		t.Fatalf("undo through node B did not restore the event: %q", u.Note)
	}
	if e, err := pg.Event(ctx, ev.ID); err != nil || e.Place.ID != springfieldMO || e.Point != ev.Point {
		t.Errorf("after undo the event is %+v, %v; want back at Springfield, MO", e, err)
	}
	a.within(t, springfieldMO, "node A after an undo through node B")
	if _, err := sa.Undo(ctx, c.ID); geo.ErrorCode(err) != geo.ENOTFOUND {
		t.Errorf("undoing twice: %v; want ENOTFOUND", err)
	}
}

// BenchmarkCorrectionReach is the time from a rule's AddCorrection on one
// node until another node's geoparser sees it (HasCorrections): the
// insert's commit, the NOTIFY, and the other node's read of the row.
func BenchmarkCorrectionReach(b *testing.B) {
	url := pgtest.DB(b)
	base := mustBase(b)
	a, n := mustNode(b, url, base), mustNode(b, url, base)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("Town %d", i)
		if err := a.rules.AddCorrection(ctx, &gazetteer.Correction{Action: gazetteer.CorrectNotPlace, Name: name, Country: "US"}); err != nil {
			b.Fatal(err)
		}
		for !n.ov.HasCorrections(name) {
			time.Sleep(20 * time.Microsecond)
		}
	}
}
