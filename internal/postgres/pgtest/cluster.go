package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres"
)

// Cluster is a throw-away PostgreSQL 15 cluster of one test, with PostGIS, for tests that stop, crash and restart
// the server itself (never the shared cluster of DATABASE_URL): initdb in a temporary directory, listening on
// 127.0.0.1 on a free port below Linux's ephemeral range, so that no client's source port can take it while the
// server is down.
type Cluster struct {
	// URL is the owner's URL of the cluster's database landrelease, migrated.
	URL  string
	t    testing.TB
	dir  string
	data string
	// asUser runs the server's programs as the user that owns the data directory (postgres, when the test runs
	// as root, for the server refuses to).
	asUser []string
}

// NewCluster makes, starts and migrates a cluster for t; when t ends the cluster is stopped (immediate) and its
// directory removed, whether t failed or not. Outside CI, t is skipped when PostgreSQL's server programs are
// missing; under CI (CI set) it fails.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") != "" {
		fail = t.Fatalf
	}
	for _, p := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(PGBin, p)); err != nil {
			fail("pgtest: no cluster: %s is missing (install postgresql-15 and postgresql-15-postgis-3): %v", p, err)
		}
	}
	c := &Cluster{t: t}
	owner := -1
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			fail("pgtest: no cluster: running as root and there is no user postgres: %v", err)
		}
		owner, _ = strconv.Atoi(pg.Uid)
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	dir, err := os.MkdirTemp("", "landrelease-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	if owner >= 0 {
		if err := os.Chown(dir, owner, -1); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(c.data, "postmaster.pid")); err == nil {
			if err := c.pgCtl("-m", "immediate", "-w", "-t", "30", "stop"); err != nil {
				t.Errorf("pgtest: stop the cluster: %v", err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("pgtest: remove the cluster: %v", err)
		}
	})
	if err := c.run("initdb", "-D", c.data, "--username=landrelease", "--auth=trust", "--encoding=UTF8",
		"--locale=C.UTF-8"); err != nil {
		t.Fatalf("pgtest: initdb: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// Trust on loopback only: the cluster lives as long as one test. Speed over durability: fsync off.
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 64MB\nmax_connections = 100\n"+
		"timezone = 'UTC'\nlog_timezone = 'UTC'\n", port, dir)
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatalf("pgtest: configure the cluster: %v", err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "postgres", User: url.User("landrelease"), Host: "127.0.0.1:" + strconv.Itoa(port),
		Path: "/postgres", RawQuery: "sslmode=disable"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("pgtest: connect to the cluster: %v", err)
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE landrelease`); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	conn.Close(ctx)
	c.URL = withDatabase(u.String(), "landrelease")
	db, err := postgres.Open(ctx, c.URL)
	if err != nil {
		t.Fatalf("pgtest: open the cluster's database: %v", err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("pgtest: migrate the cluster's database: %v", err)
	}
	return c
}

// Stop stops the server: mode is pg_ctl's shutdown mode, "fast" (clients disconnected, a clean shutdown) or
// "immediate" (no shutdown: crash recovery at the next start).
func (c *Cluster) Stop(mode string) error {
	if err := c.pgCtl("-m", mode, "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("pgtest: stop -m %s: %w", mode, err)
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	if err := c.pgCtl("-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pgtest: start the cluster: %w\n%s", err, log)
	}
	return nil
}

// Restart is pg_ctl restart -m mode: a stop and a start in one command, as an operator restarts the server.
func (c *Cluster) Restart(mode string) error {
	if err := c.pgCtl("-m", mode, "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "restart"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("pgtest: restart -m %s: %w\n%s", mode, err, log)
	}
	return nil
}

func (c *Cluster) pgCtl(args ...string) error {
	return c.run("pg_ctl", append([]string{"-D", c.data}, args...)...)
}

// run runs one of the server's programs as the data directory's owner; its output goes into the error.
func (c *Cluster) run(name string, args ...string) error {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(PGBin, name)), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The postmaster must not inherit the test's pipes: go test would wait for them to close.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out.String())
	}
	return nil
}
