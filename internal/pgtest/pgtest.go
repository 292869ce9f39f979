// Package pgtest starts private PostgreSQL clusters for tests: initdb in a
// temporary folder, the server on a free loopback port (and its socket in
// that folder), removed when the tests end. Nothing is mocked. Tests skip
// with a clear message only when the PostgreSQL binaries are absent; make
// setup installs them (postgresql-15, postgresql-15-postgis-3).
//
// PostgreSQL refuses to run as root, so under root (CI, containers) the
// cluster runs as the postgres system user that the Debian package
// creates, through runuser.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is one running PostgreSQL server of a test.
type Cluster struct {
	dir, bin string
	port     int
	asUser   string // run the binaries as this user ("" for oneself)
}

// binDir finds the PostgreSQL server binaries: pg_config's, else Debian's.
func binDir() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); fileExists(filepath.Join(d, "initdb")) {
			return d
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1])
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Available says why clusters cannot be started here, or "" if they can.
func Available() string {
	bin := binDir()
	if bin == "" {
		return "PostgreSQL binaries (initdb, pg_ctl) not found: make setup installs postgresql-15 and postgresql-15-postgis-3"
	}
	if !fileExists(filepath.Join(filepath.Dir(bin), "lib", "postgis-3.so")) {
		if m, _ := filepath.Glob(filepath.Join(filepath.Dir(bin), "lib", "postgis*.so")); len(m) == 0 {
			return "PostGIS not found next to " + bin + ": make setup installs postgresql-15-postgis-3"
		}
	}
	return ""
}

// Start initialises and starts a new cluster, or skips tb when PostgreSQL
// is not installed. The caller stops it with Remove (NewCluster's does).
func Start() (*Cluster, error) {
	if why := Available(); why != "" {
		return nil, fmt.Errorf("%s", why)
	}
	c := &Cluster{bin: binDir()}
	dir, err := os.MkdirTemp("", "geonews-pg-")
	if err != nil {
		return nil, err
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres system user (make setup's postgresql-15 creates it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.asUser = "postgres"
	}
	if err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.Restart(); err != nil {
		c.Remove()
		return nil, err
	}
	return c, nil
}

// NewCluster starts a cluster for one test and removes it after.
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	if why := Available(); why != "" {
		tb.Skip(why)
	}
	c, err := Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Remove)
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// run runs a PostgreSQL binary, as the postgres user under root.
func (c *Cluster) run(name string, args ...string) error {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}

// Restart starts the server (again), on a new free port if it has none.
func (c *Cluster) Restart() error {
	if c.port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		c.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB", c.port, c.dir)
	return c.run("pg_ctl", "-D", c.data(), "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "start")
}

// Stop stops the server: mode "fast" or "immediate" (a crash: no
// checkpoint, the WAL is replayed at the next start).
func (c *Cluster) Stop(mode string) error {
	return c.run("pg_ctl", "-D", c.data(), "-m", mode, "-w", "stop")
}

// Remove stops the server and deletes its folder.
func (c *Cluster) Remove() {
	c.Stop("immediate")
	os.RemoveAll(c.dir)
}

// URL returns the connection URL of database name.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Exec runs SQL statements in database name.
func (c *Cluster) Exec(name string, sql ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL(name))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, q := range sql {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

var (
	sharedOnce sync.Once
	shared     *Cluster
	sharedErr  error
	dbSeq      atomic.Int64
)

// DB returns the URL of a new empty database with PostGIS, in a cluster
// shared by the package's tests (Main removes it), or skips tb when
// PostgreSQL is not installed.
func DB(tb testing.TB) string {
	tb.Helper()
	if why := Available(); why != "" {
		tb.Skip(why)
	}
	sharedOnce.Do(func() {
		shared, sharedErr = Start()
		if sharedErr == nil {
			sharedErr = shared.Exec("postgres", "CREATE DATABASE geonews_template", "ALTER DATABASE geonews_template WITH is_template true")
		}
		if sharedErr == nil {
			sharedErr = shared.Exec("geonews_template", "CREATE EXTENSION postgis")
		}
	})
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	name := fmt.Sprintf("t%d", dbSeq.Add(1))
	if err := shared.Exec("postgres", "CREATE DATABASE "+name+" TEMPLATE geonews_template"); err != nil {
		tb.Fatal(err)
	}
	return shared.URL(name)
}

// Main runs a package's tests and then removes the shared cluster: call it
// from TestMain in every package that uses DB.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Remove()
	}
	return code
}
