package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// What TestLoad checks in the database after the load.
const (
	// loadCounterSQL reads a counter record's current notes and its versions, in order ($1 its local id).
	loadCounterSQL = `
SELECT (SELECT v.notes FROM hazard_area_version v WHERE v.hazard_id = h.id AND v.is_current),
       ARRAY(SELECT v.version FROM hazard_area_version v WHERE v.hazard_id = h.id ORDER BY v.version)
FROM hazard_area h WHERE h.local_id = $1`
	// loadDuplicatesSQL counts local ids held by more than one head, and areas with more than one current version.
	loadDuplicatesSQL = `
SELECT (SELECT count(*) FROM (SELECT local_id FROM hazard_area GROUP BY local_id HAVING count(*) > 1) d),
       (SELECT count(*) FROM (SELECT hazard_id FROM hazard_area_version WHERE is_current GROUP BY hazard_id HAVING count(*) > 1) c)`
	// loadApprovedSQL counts, of the local ids $1, how many heads and versions the registry holds of each: it
	// returns the ids not held by exactly one head with exactly one version.
	loadApprovedSQL = `
SELECT x.lid, x.heads, x.versions FROM (
	SELECT u.lid,
	       (SELECT count(*) FROM hazard_area h WHERE h.local_id = u.lid) AS heads,
	       (SELECT count(*) FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id WHERE h.local_id = u.lid) AS versions
	FROM unnest($1::text[]) AS u(lid)) x
WHERE x.heads <> 1 OR x.versions <> 1`
	// loadAuditSQL lists the hazard area versions recorded since $1 without exactly one audit row of theirs, and
	// counts the versions recorded since.
	loadAuditSQL = `
WITH since AS (
	SELECT h.local_id, v.version,
	       (SELECT count(*) FROM audit_log a WHERE a.entity = 'hazard_area' AND a.local_id = h.local_id AND a.version = v.version) AS rows
	FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id
	WHERE v.recorded_at >= $1)
SELECT (SELECT count(*) FROM since), ARRAY(SELECT local_id || ' v' || version || ': ' || rows FROM since WHERE rows <> 1 LIMIT 10)`
)

// verify checks the database after the load: no lost update, no duplicate, every approved area once, one audit row
// per version written since began.
func (l *loadRun) verify(t *testing.T, ctx context.Context, db *pgx.Conn, all *loadStats, began time.Time) {
	t.Helper()
	var edited int
	for c := range l.counters {
		id := fmt.Sprintf("LC-%d", c)
		var notes string
		var versions []int
		if err := db.QueryRow(ctx, loadCounterSQL, id).Scan(&notes, &versions); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		edits := slices.Sorted(slices.Values(all.edits[id]))
		edited += len(edits)
		// Version 1 is the creation; each successful edit made the next one, and no two made the same.
		want := append([]int{1}, edits...)
		if !slices.Equal(versions, want) {
			t.Errorf("%s: versions %v, but the successful edits made 1 then %v: an update lost or made twice", id, versions, edits)
		}
		if notes != strconv.Itoa(len(edits)) {
			t.Errorf("%s: the counter is %q after %d successful increments: an update lost", id, notes, len(edits))
		}
	}
	if edited == 0 {
		t.Error("no edit succeeded: nothing was checked for lost updates")
	}
	var heads, currents int
	if err := db.QueryRow(ctx, loadDuplicatesSQL).Scan(&heads, &currents); err != nil {
		t.Fatal(err)
	}
	if heads != 0 || currents != 0 {
		t.Errorf("%d local ids held by several heads, %d areas with several current versions", heads, currents)
	}
	rows, err := db.Query(ctx, loadApprovedSQL, all.approved)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var id string
		var h, v int
		err := r.Scan(&id, &h, &v)
		return fmt.Sprintf("%s: %d heads, %d versions", id, h, v), err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 || len(all.approved) == 0 {
		t.Errorf("%d of %d approved areas not present exactly once: %s", len(bad), len(all.approved), strings.Join(bad[:min(10, len(bad))], "; "))
	}
	var written int
	var unaudited []string
	if err := db.QueryRow(ctx, loadAuditSQL, began).Scan(&written, &unaudited); err != nil {
		t.Fatal(err)
	}
	if len(unaudited) > 0 {
		t.Errorf("versions without exactly one audit row: %s", strings.Join(unaudited, "; "))
	}
	if want := edited + len(all.approved); written != want {
		t.Errorf("%d versions recorded during the load, want %d (%d edits, %d approved areas)", written, want, edited, len(all.approved))
	}
	t.Logf("checked: %d successful edits of %d records (%d lost races: 412), %d approved areas, %d versions each with one audit row",
		edited, l.counters, all.status["edit"][412], len(all.approved), written)
}

// loadAverage returns the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// memTotal returns the machine's memory from /proc/meminfo, in GiB, or "?".
func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				return fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return "?"
}
