package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/internal/newstest"
	"github.com/geonews/geonews/internal/pgtest"
)

// sharedGazetteer returns a gazetteer file holding newstest's places,
// closed, for nodes to open read-only.
func sharedGazetteer(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gazetteer.db")
	g, closeDB, err := openGazetteer(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range newstest.Places {
		p := *p
		p.Source = geo.SourceUser
		if err := g.CreatePlace(t.Context(), &p); err != nil {
			t.Fatal(err)
		}
	}
	if err := closeDB(); err != nil {
		t.Fatal(err)
	}
	return path
}

const pgArticle = `{"url":"https://example.org/raqqa","title":"Fighting near Raqqa","published":"2017-10-10T08:00:00Z",
"text":"Fighting broke out near Raqqa on Tuesday, residents who fled the city with their families during the night said. Rescuers evacuated several wounded people to the hospital."}`

// dryRun posts an article's JSON to s for a dry run, with the token "tok".
func dryRun(t *testing.T, s *served, article string) reply {
	t.Helper()
	return s.do(t, "POST", "/articles?dry_run=1", article, "Authorization", "Bearer tok", "Content-Type", "application/json")
}

// TestServePostgresNodes: two geonews serve on one database, started with
// the same defaults, share their writes at once; the same article posted
// to both stores its events once; /backup is a JSON 501 naming pg_dump.
func TestServePostgresNodes(t *testing.T) {
	url := pgtest.DB(t)
	env := map[string]string{"GEONEWS_GAZETTEER": sharedGazetteer(t)}
	a := startServe(t, url, env, "--token", "tok")
	b := startServe(t, url, env, "--token", "tok")
	a.token, b.token = "tok", "tok"

	if r := a.write(t, "POST", "/collections/events/items", feature(1)); r.status != 201 {
		t.Fatalf("POST to node A: %d %s", r.status, r.body)
	}
	if got := b.items(t, "").ids(); len(got) != 1 {
		t.Fatalf("node B sees %v after a write on A", got)
	}
	if r := b.write(t, "DELETE", "/collections/events/items/e1", ""); r.status != 204 {
		t.Fatalf("DELETE on node B: %d %s", r.status, r.body)
	}
	if r := a.do(t, "GET", "/collections/events/items/e1", ""); r.status != 404 {
		t.Fatalf("node A still has the event B deleted: %d", r.status)
	}

	// A place added through node A is used by node B's geoparser within a
	// second (LISTEN/NOTIFY), and a node started later replays it.
	place := `{"type":"Feature","geometry":{"type":"Point","coordinates":[10.5,20.5]},"properties":{"name":"Zorblatia","kind":"city","country":"TD"}}`
	if r := a.write(t, "POST", "/collections/places/items", place); r.status != 201 {
		t.Fatalf("POST a place to node A: %d %s\n%s", r.status, r.body, a.log.String())
	}
	zorb := `{"url":"https://example.org/z","title":"Zorblatia","text":"Fighting broke out near Zorblatia on Tuesday, residents who fled the city with their families during the night said. Rescuers evacuated several wounded people to the hospital."}`
	located := func(s *served) bool {
		r := dryRun(t, s, zorb)
		return r.status == 200 && strings.Contains(string(r.body), `"coordinates":[10.5,20.5]`)
	}
	deadline := time.Now().Add(time.Second)
	for !located(b) {
		if time.Now().After(deadline) {
			t.Fatalf("node B's geoparser does not know the place added through node A after a second")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c := startServe(t, url, env, "--token", "tok"); !located(c) {
		t.Errorf("a node started after the edit does not know the place")
	}

	post := func(s *served) (created int) {
		req, _ := http.NewRequest("POST", s.url+"/articles", strings.NewReader(pgArticle))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 && res.StatusCode != 201 {
			t.Fatalf("POST /articles: %d %s", res.StatusCode, body)
		}
		var out struct {
			Created int `json:"numberCreated"`
		}
		json.Unmarshal(body, &out)
		return out.Created
	}
	var wg sync.WaitGroup
	var created atomic.Int64
	for _, s := range []*served{a, b, a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); created.Add(int64(post(s))) }()
	}
	wg.Wait()
	pa, pb := a.items(t, ""), b.items(t, "")
	if len(pa.Features) == 0 || len(pa.Features) != len(pb.Features) || int(created.Load()) != len(pa.Features) {
		t.Errorf("the article posted 4 times through 2 nodes: A has %d events, B %d, %d reported created", len(pa.Features), len(pb.Features), created.Load())
	}
	r := a.write(t, "GET", "/backup", "")
	if r.status != 501 || !strings.Contains(string(r.body), "pg_dump") || !strings.Contains(string(r.body), `"code"`) {
		t.Errorf("/backup on PostgreSQL: %d %s", r.status, r.body)
	}
}

// TestServePostgresFeeds: a feed followed with the CLI on PostgreSQL is
// polled by one of two nodes started on the database, once; both nodes
// list its status and serve its event, and `feeds poll --once` runs beside
// them.
func TestServePostgresFeeds(t *testing.T) {
	url := pgtest.DB(t)
	outlet, fetched := newCountingOutlet(t)
	env := map[string]string{"GEONEWS_GAZETTEER": sharedGazetteer(t)}
	if code, out, errs := runEventsCmd(t, "", "feeds", "add", "--db", url, outlet.URL+"/rss"); code != 0 || !strings.Contains(out, "following feed 1") {
		t.Fatalf("feeds add on PostgreSQL: %d %s %s", code, out, errs)
	}
	a := startServe(t, url, env, "--token", "tok")
	b := startServe(t, url, env, "--token", "tok")
	polled := func(s *served) bool {
		r := s.do(t, "GET", "/feeds", "")
		return r.status == 200 && strings.Contains(string(r.body), `"last_poll":"`)
	}
	for deadline := time.Now().Add(10 * time.Second); !polled(a) || !polled(b); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the feed was not polled:\n%s\n%s", a.log.String(), b.log.String())
		}
	}
	if n := fetched.Load(); n != 1 {
		t.Errorf("two nodes fetched the feed %d times, want once", n)
	}
	if ea, eb := a.items(t, "").ids(), b.items(t, "").ids(); len(ea) != 1 || len(eb) != 1 {
		t.Errorf("events on node A %v, on node B %v; want the one of the feed's item on Raqa\n%s\n%s", ea, eb, a.do(t, "GET", "/feeds", "").body, a.log.String())
	}
	code, out, errs := runEventsCmd(t, "", "feeds", "poll", "--once", "--db", url, "--gazetteer", env["GEONEWS_GAZETTEER"])
	if code != 0 || !strings.Contains(out, outlet.URL+"/rss") {
		t.Errorf("feeds poll --once beside the nodes: %d %s %s", code, out, errs)
	}
	if ea := a.items(t, "").ids(); len(ea) != 1 {
		t.Errorf("after polling again: %v", ea)
	}
}

// TestGazetteerCLIPostgres: a place added, moved and deleted with the CLI
// on PostgreSQL changes a running node's geoparser within a second each
// time, with the same one-line errors as on a file.
func TestGazetteerCLIPostgres(t *testing.T) {
	url := pgtest.DB(t)
	gaz := sharedGazetteer(t)
	node := startServe(t, url, map[string]string{"GEONEWS_GAZETTEER": gaz}, "--token", "tok")
	text := `{"text":"Fighting broke out near Quorvash on Tuesday, residents who fled the city with their families during the night said. Rescuers evacuated several wounded people to the hospital."}`
	at := func() string { // the point of the article's event, "" for none
		var out struct {
			Features []struct {
				Geometry struct{ Coordinates []float64 }
			}
		}
		if r := dryRun(t, node, text); r.status != 200 || json.Unmarshal(r.body, &out) != nil {
			t.Fatalf("POST /articles: %d %s", r.status, r.body)
		}
		if len(out.Features) == 0 {
			return ""
		}
		return fmt.Sprint(out.Features[0].Geometry.Coordinates)
	}
	within := func(what, want string) {
		t.Helper()
		for deadline := time.Now().Add(time.Second); at() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the node places the event at %q after a second, want %q", what, at(), want)
			}
		}
	}
	cli := func(args ...string) (int, string, string) {
		return runEventsCmd(t, "", append(append([]string{"gazetteer"}, args...), "--db", url, "--gazetteer", gaz)...)
	}
	within("unknown", "") // the name is looked up, and found nowhere, before it is added
	code, out, errs := cli("add", "--name", "Quorvash", "--lat", "14.5", "--lon", "21.25", "--country", "TD", "--kind", "city")
	var added struct{ ID int64 }
	if code != 0 || json.Unmarshal([]byte(out), &added) != nil || added.ID == 0 {
		t.Fatalf("gazetteer add on PostgreSQL: %d %s %s", code, out, errs)
	}
	within("added", "[21.25 14.5]")
	id := fmt.Sprint(added.ID)
	if code, out, errs := cli("edit", id, "--lat", "15"); code != 0 || !strings.Contains(out, "Quorvash") {
		t.Fatalf("gazetteer edit: %d %s %s", code, out, errs)
	}
	within("moved", "[21.25 15]")
	if code, out, _ := cli("show", id); code != 0 || !strings.Contains(out, `"Quorvash"`) {
		t.Errorf("gazetteer show: %d %s", code, out)
	}
	if code, _, errs := cli("delete", id); code != 0 || !strings.Contains(errs, "deleted place "+id) {
		t.Fatalf("gazetteer delete: %d %s", code, errs)
	}
	within("deleted", "")
	if code, _, errs := cli("show", id); code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "not found") {
		t.Errorf("show a deleted place: %d %q", code, errs)
	}
	if code, _, errs := cli("add", "--name", "Nowhere", "--lat", "95", "--lon", "0"); code == 0 || !strings.Contains(errs, "lat") {
		t.Errorf("a latitude of 95: %d %q", code, errs)
	}
}

// TestPostgresUnreachable: a database that does not answer is a one-line
// error and a non-zero exit, for serve and for events export.
func TestPostgresUnreachable(t *testing.T) {
	if why := pgtest.Available(); why != "" {
		t.Skip(why)
	}
	url := "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0", "--db", url}, {"events", "export", "--db", url}} {
		var stderr strings.Builder
		e := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := Run(context.Background(), e, args)
		msg := strings.TrimSpace(stderr.String())
		if code == 0 || strings.Count(msg, "\n") > 0 || !strings.Contains(msg, "unreachable") {
			t.Errorf("%s: exit %d, stderr %q; want a non-zero exit and one line saying the database is unreachable", args[0], code, msg)
		}
	}
}

// TestPostgresFault: PostgreSQL killed (pg_ctl -m immediate) while a node
// takes writes: requests get JSON 503s, the node reconnects when the
// database is back, and every write acknowledged with a 201 is stored.
func TestPostgresFault(t *testing.T) {
	c := pgtest.NewCluster(t)
	if err := c.Exec("postgres", "CREATE DATABASE fault"); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, c.URL("fault"), map[string]string{"GEONEWS_GAZETTEER": sharedGazetteer(t)}, "--token", "tok")
	s.token = "tok"
	var (
		mu       sync.Mutex
		acked    []string
		statuses = map[int]int{}
		bad503   int
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("f%d-%d", w, i)
				body := fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%d,%d]},"properties":{"title":"t","time":"2020-01-01T00:00:00Z"}}`, id, i%180, w)
				req, _ := http.NewRequest("POST", s.url+"/collections/events/items", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/geo+json")
				req.Header.Set("Authorization", "Bearer tok")
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				switch res.StatusCode {
				case 201:
					acked = append(acked, id)
				case 503:
					if !strings.Contains(string(b), `"code"`) {
						bad503++
					}
				}
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	if err := c.Stop("immediate"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	// Writes succeed again once the pool has dialled anew.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		before := len(acked)
		mu.Unlock()
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		after := len(acked)
		mu.Unlock()
		if after > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write succeeded after PostgreSQL came back; statuses %v\n%s", statuses, s.log.String())
		}
	}
	close(stop)
	wg.Wait()
	if statuses[503] == 0 || bad503 > 0 || statuses[500] > 0 {
		t.Errorf("statuses while the database was down: %v (%d 503s without a JSON error); want JSON 503s and no 500", statuses, bad503)
	}
	missing := 0
	for _, id := range acked {
		if r := s.do(t, "GET", "/collections/events/items/"+id, ""); r.status != 200 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged writes are lost", missing, len(acked))
	}
	t.Logf("%d writes acknowledged; statuses %v", len(acked), statuses)
}

// TestServePostgresTypes: on PostGIS the type filter, clusters' per-type
// counts and the timeline answer as on bbolt (the timeline was a 503).
func TestServePostgresTypes(t *testing.T) {
	a := startServe(t, pgtest.DB(t), map[string]string{"GEONEWS_GAZETTEER": sharedGazetteer(t)}, "--token", "tok")
	a.token = "tok"
	var feats []string
	for i, typ := range []string{"Protests", "Protests", "Battles", ""} {
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","id":"ty%d","geometry":{"type":"Point","coordinates":[%d,10]},`+
			`"properties":{"title":"x","time":"2020-01-0%dT10:00:00Z","type":%q}}`, i, 10+i, 1+i, typ))
	}
	if r := a.write(t, "POST", "/collections/events/items", `{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`); r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	if p := a.items(t, "type=Protests,Battles"); p.NumberMatched == nil || *p.NumberMatched != 3 {
		t.Fatalf("items of two types: %+v", p)
	}
	r := a.do(t, "GET", "/collections/events/timeline?type=Protests&step=month", "")
	var tl struct {
		Total   int
		Buckets []struct{ Start string }
	}
	if err := json.Unmarshal(r.body, &tl); r.status != 200 || err != nil || tl.Total != 2 || len(tl.Buckets) != 1 || tl.Buckets[0].Start != "2020-01-01" {
		t.Fatalf("timeline: %d %s", r.status, r.body)
	}
	r = a.do(t, "GET", "/collections/events/clusters?bbox=0,0,40,20&zoom=1", "")
	var cl struct {
		Features []struct {
			Properties struct {
				Count int
				Types map[string]int
			}
		}
	}
	if err := json.Unmarshal(r.body, &cl); r.status != 200 || err != nil || len(cl.Features) != 1 ||
		fmt.Sprint(cl.Features[0].Properties.Types) != "map[:1 Battles:1 Protests:2]" {
		t.Fatalf("clusters: %d %s", r.status, r.body)
	}
}

// TestPostgresMigrationLogged: the schema's migrations are logged by the
// command's logger, not written past it to the process's standard error.
func TestPostgresMigrationLogged(t *testing.T) {
	url := pgtest.DB(t)
	var logged, stderr strings.Builder
	e := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" },
		Logger: slog.New(slog.NewTextHandler(&logged, nil))}
	if code := Run(context.Background(), e, []string{"events", "export", "--db", url}); code != 0 {
		t.Fatalf("events export on a fresh database: exit %d, %s", code, stderr.String())
	}
	if !strings.Contains(logged.String(), "schema migrated") {
		t.Errorf("the command's logger heard %q; want the migrations", logged.String())
	}
	if strings.Contains(stderr.String(), "migrat") {
		t.Errorf("stderr %q; want the migrations in the logger only", stderr.String())
	}
}
