package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
		req, _ := http.NewRequest("POST", s.url+"/articles?dry_run=1", strings.NewReader(zorb))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode == 200 && strings.Contains(string(body), `"coordinates":[10.5,20.5]`)
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
