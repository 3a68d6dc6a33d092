package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestKilledDuringApproval kills `landrelease serve` (a process of its own, SIGKILL) while it approves an upload
// of 2,000 new hazard areas (10^4 with LANDRELEASE_FAULT_TESTS set: make test-faults), caught mid-transaction: its heads and versions written, its audit rows waiting on a
// lock the test holds on audit_log. After a restart the registry holds none of the upload (its transaction never
// committed), the upload is still submitted, and approving it again writes every area exactly once.
func TestKilledDuringApproval(t *testing.T) {
	hazards := 2000
	if os.Getenv("LANDRELEASE_FAULT_TESTS") != "" {
		hazards = 10000
	}
	if testing.Short() {
		t.Skip("builds the binary and runs it")
	}
	dbURL := pgtest.NewDatabase(t)
	bin := filepath.Join(t.TempDir(), "landrelease")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	a := &app{t: t, dbURL: dbURL, getenv: func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "warn"}[k]
	}}
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson")
	file := filepath.Join(t.TempDir(), "upload.geojson")
	a.cli("demo", "generate", "--hazards", strconv.Itoa(hazards), "--seed", "7", "--releases", "0",
		"--admin", "../../testdata/admin1-LA.geojson", "--out", file)
	m := regexp.MustCompile(`upload (\d+) submitted`).FindStringSubmatch(a.cli("import", file))
	if m == nil {
		t.Fatal("import did not submit the upload")
	}
	approve := "/api/v1/uploads/" + m[1] + "/approve"
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))

	first := serveProcess(t, bin, dbURL)
	a.base = first.base
	ctx := context.Background()
	lock, err := mustConnect(t, dbURL).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback(ctx) }() // ended below; a no-op then
	if _, err := lock.Exec(ctx, `LOCK TABLE audit_log IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	go func() { // its answer never comes: the process is killed
		req, _ := http.NewRequest("POST", first.base+approve, strings.NewReader(`{"comment":"first try"}`))
		req.Header.Set("Authorization", "Bearer "+dm)
		req.Header.Set("Content-Type", "application/json")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	watch := mustConnect(t, pgtest.URL(t))
	name := dbName(t, dbURL)
	// approvalSQL counts the backends of database $1 writing the audit rows of an upload's staged areas, the
	// approval's last set-based statement (after its heads and versions).
	const approvalSQL = `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%INSERT INTO audit_log%upload_hg%'`
	eventually(t, "the approval waiting to write its audit rows, its areas written", 30*time.Second, func() bool {
		var n int
		err := watch.QueryRow(ctx, approvalSQL+` AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL`, name).Scan(&n)
		return err == nil && n == 1
	})
	first.kill()
	if err := lock.Rollback(ctx); err != nil { // the orphaned backend goes on, finds its client gone, rolls back
		t.Fatal(err)
	}
	eventually(t, "the killed approval's backend gone", 10*time.Second, func() bool {
		var n int
		err := watch.QueryRow(ctx, approvalSQL, name).Scan(&n)
		return err == nil && n == 0
	})

	second := serveProcess(t, bin, dbURL)
	a.base = second.base
	check := func(when string, wantAreas int64, wantStatus string) {
		t.Helper()
		got := fmt.Sprint(a.scalar(`SELECT count(*) FROM hazard_area`), a.scalar(`SELECT count(*) FROM hazard_area_version`),
			a.scalar(`SELECT count(DISTINCT local_id) FROM hazard_area`), a.scalar(`SELECT count(*) FROM audit_log WHERE action = 'create'`),
			a.scalar(`SELECT status FROM upload`))
		if want := fmt.Sprint(wantAreas, wantAreas, wantAreas, wantAreas, wantStatus); got != want {
			t.Errorf("%s: areas, versions, distinct local ids, create audit rows, upload status: %s, want %s", when, got, want)
		}
	}
	check("after the kill and a restart", 0, "submitted")
	res := a.do("POST", approve, dm, nil, map[string]any{"comment": "again"})
	if res.status != http.StatusOK {
		t.Fatalf("approve again: %d %v", res.status, res.body)
	}
	check("approved again", int64(hazards), "approved")
	if n := a.scalar(`SELECT count(*) FROM upload_staged_hazard`); n != int64(0) {
		t.Errorf("%v staged rows left after the approval", n)
	}
}

// serveProc is `landrelease serve` running as a process of its own.
type serveProc struct {
	base string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
}

// serveProcess starts bin serve on dbURL and waits for /healthz; the test's cleanup kills it if it still runs.
func serveProcess(t *testing.T, bin, dbURL string) *serveProc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--drain-delay", "0")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn", "DATABASE_READ_URL=")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{base: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	eventually(t, "serve healthy", 30*time.Second, func() bool {
		select {
		case <-p.done:
			t.Fatalf("serve exited: %s", stderr.String())
		default:
		}
		res, err := http.Get(p.base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return p
}

// kill ends the process with SIGKILL, as the kernel's OOM killer or a supervisor out of patience does, and reaps it.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL) // an error once it has exited
	<-p.done
}

// dbName returns the name of the database of url.
func dbName(t *testing.T, url string) string {
	t.Helper()
	var name string
	if err := mustConnect(t, url).QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}
