package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGBin is where Debian's postgresql-15 installs the server's programs (.ci/db runs the private cluster from it).
const PGBin = "/usr/lib/postgresql/15/bin"

// replicaSlotPrefix names the replication slots NewReplica makes; the unix time of their creation follows.
const replicaSlotPrefix = "landrelease_test_"

const (
	// dropStaleSlotsSQL drops the slots of NewReplica's replicas that a killed test left behind: inactive, and
	// made before $1 (a unix time), so that a replica being set up by a test running now is left alone.
	dropStaleSlotsSQL = `
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
WHERE NOT active AND slot_name LIKE 'landrelease\_test\_%'
  AND split_part(slot_name, '_', 3) ~ '^[0-9]+$' AND split_part(slot_name, '_', 3)::bigint < $1`
	// dropSlotSQL drops the slot $1 once inactive: its walsender may take a moment to exit after the replica
	// stopped.
	dropSlotSQL = `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`
	// createSlotSQL creates the physical replication slot $1 and reserves WAL from now on (immediately_reserve).
	createSlotSQL = `SELECT pg_create_physical_replication_slot($1, true)`
	// slotExistsSQL tells whether the slot $1 still exists.
	slotExistsSQL = `SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`
)

// NewReplica makes a streaming replica (hot standby) of the cluster of the database at primaryURL with
// pg_basebackup -R, on a replication slot of its own so that the primary keeps the WAL it needs, starts it on a
// free port below Linux's ephemeral range, waits until it serves the database, and returns the URL of the same
// database on it. When t ends the replica is stopped, its data directory removed and its slot dropped, whether t
// failed or not. The primary must run on this machine and its user may replicate (the private cluster of .ci/db:
// PostgreSQL's defaults, wal_level replica and replication connections from 127.0.0.1). Outside CI, t is skipped
// when PostgreSQL's server programs are missing or the primary is not local; under CI (CI set) it fails.
func NewReplica(t testing.TB, primaryURL string) string {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") != "" {
		fail = t.Fatalf
	}
	for _, p := range []string{"pg_basebackup", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(PGBin, p)); err != nil {
			fail("pgtest: no streaming replica: %s is missing (install postgresql-15): %v", p, err)
		}
	}
	u, err := url.Parse(primaryURL)
	if err != nil {
		t.Fatalf("pgtest: primary url: %v", err)
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		fail("pgtest: no streaming replica: the primary at %q is not on this machine", h)
	}
	password, _ := u.User.Password()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, primaryURL)
	if err != nil {
		t.Fatalf("pgtest: connect to the primary: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, dropStaleSlotsSQL, time.Now().Add(-time.Hour).Unix()); err != nil {
		t.Fatalf("pgtest: drop stale replication slots: %v", err)
	}

	// The server refuses to run as root: as root, the replica runs as postgres, as the private cluster does.
	var asUser []string
	owner := -1
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			fail("pgtest: no streaming replica: running as root and there is no user postgres: %v", err)
		}
		owner, _ = strconv.Atoi(pg.Uid)
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	dir, err := os.MkdirTemp("", "landrelease-replica-")
	if err != nil {
		t.Fatal(err)
	}
	if owner >= 0 {
		if err := os.Chown(dir, owner, -1); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	slot := fmt.Sprintf("%s%d_%s", replicaSlotPrefix, time.Now().Unix(), hex.EncodeToString(suffix[:]))
	run := func(ctx context.Context, name string, args ...string) error {
		argv := append(append(append([]string{}, asUser...), filepath.Join(PGBin, name)), args...)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w\n%s", name, err, out.String())
		}
		return nil
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
			if err := run(ctx, "pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "30", "stop"); err != nil {
				t.Errorf("pgtest: stop the replica: %v", err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("pgtest: remove the replica: %v", err)
		}
		conn, err := pgx.Connect(ctx, primaryURL)
		if err != nil {
			t.Errorf("pgtest: drop slot %s: %v", slot, err)
			return
		}
		defer conn.Close(context.Background())
		for {
			var n int
			if _, err := conn.Exec(ctx, dropSlotSQL, slot); err != nil {
				t.Errorf("pgtest: drop slot %s: %v", slot, err)
				return
			}
			if err := conn.QueryRow(ctx, slotExistsSQL, slot).Scan(&n); err != nil || n == 0 {
				return
			}
			select {
			case <-ctx.Done():
				t.Errorf("pgtest: slot %s still active", slot)
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})

	port, err := freePort()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	host, pport := u.Hostname(), u.Port()
	if pport == "" {
		pport = "5432"
	}
	// The slot is made, reserving WAL, before the backup starts: pg_basebackup -C makes it only when its WAL
	// stream starts, after the backup's checkpoint, and a checkpoint of a busy primary in between could remove a
	// segment the replica needs ("requested WAL segment ... has already been removed").
	if _, err := conn.Exec(ctx, createSlotSQL, slot); err != nil {
		t.Fatalf("pgtest: create slot %s: %v", slot, err)
	}
	start := time.Now()
	if err := run(ctx, "pg_basebackup", "-h", host, "-p", pport, "-U", u.User.Username(), "-D", data,
		"-R", "-X", "stream", "-c", "fast", "-S", slot, "-w"); err != nil {
		t.Fatalf("pgtest: base backup: %v", err)
	}
	t.Logf("pgtest: base backup of the primary in %s", time.Since(start).Round(time.Millisecond))
	// Command-line settings override the primary's copied configuration (its port and socket directory).
	opts := fmt.Sprintf("-c port=%d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c hot_standby=on "+
		"-c max_standby_streaming_delay=30s -c synchronous_commit=off", port, dir)
	if err := run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pgtest: start the replica: %v\n%s", err, log)
	}
	ru := *u
	ru.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	replicaURL := ru.String()
	// The replica serves the database once it has replayed its creation.
	for {
		c, err := pgx.Connect(ctx, replicaURL)
		if err == nil {
			c.Close(context.Background())
			break
		}
		if ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("pgtest: the replica does not serve the database: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return replicaURL
}

// freePort returns a TCP port of 127.0.0.1 nothing listens on, below Linux's ephemeral range (32768-60999): a
// client retrying a port in that range can be handed it as its own source port and keep a server from binding it.
func freePort() (int, error) {
	var b [2]byte
	for range 100 {
		_, _ = rand.Read(b[:])
		port := 20000 + int(binary.BigEndian.Uint16(b[:]))%12000
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		ln.Close()
		return port, nil
	}
	return 0, errors.New("no free port below 32768")
}
