package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
	"github.com/landrelease/landrelease/internal/spool"
)

// body encodes features as an upload.
func body(t *testing.T, features ...any) *spool.File {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Copy(bytes.NewReader(b), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// TestUploadSetBased checks that new hazard areas written set-based by an upload hold what the per-record path
// writes (admin units by largest overlap and nearest unit in gaps, as the reference ref_admin_unit_for gives them; area on the
// spheroid; the remaining polygon; version 1; the audit trail; the change log), that its geometry errors carry
// PostGIS's reason and location, and that uploads mixing new areas, releases of them and updates of known
// areas apply in order.
func TestUploadSetBased(t *testing.T) {
	r := newRegistry(t)
	r.installReference(t)
	r.importLaos(t)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})
	districts := []*landrelease.AdminUnit{
		{Code: "D-A", Name: "A", ParentCode: "LAO-3286", Geometry: square(103.00, 19.40, 103.101, 19.50)},
		{Code: "D-B", Name: "B", ParentCode: "LAO-3286", Geometry: square(103.099, 19.40, 103.20, 19.50)},
		{Code: "D-C", Name: "C", ParentCode: "LAO-3286", Geometry: square(103.21, 19.40, 103.30, 19.50)},
	}
	if err := r.admin.ImportAdminUnits(admin, 2, districts); err != nil {
		t.Fatal(err)
	}
	uploads := postgres.NewUploadService(r.db, geojson.Reader{})

	// The quirks of TestAdminAssignment, plus an area across the Mekong, in no province, and one with a hole.
	cases := []struct {
		id    string
		geom  orb.MultiPolygon
		want2 string
	}{
		{"U-1", square(103.01, 19.41, 103.02, 19.42), "D-A"},
		{"U-2", square(103.098, 19.41, 103.12, 19.42), "D-B"},
		{"U-3", square(103.08, 19.41, 103.1005, 19.42), "D-A"},
		{"U-4", square(103.207, 19.41, 103.2095, 19.42), "D-C"},
		{"U-5", square(103.2005, 19.41, 103.203, 19.42), "D-B"},
		{"U-6", square(103.205, 19.41, 103.25, 19.42), "D-C"},
		{"U-7", square(102.60, 17.80, 102.61, 17.81), "D-A"}, // in no district: the nearest
		{"U-8", orb.MultiPolygon{{{{103.03, 19.43}, {103.05, 19.43}, {103.05, 19.45}, {103.03, 19.45}, {103.03, 19.43}},
			{{103.035, 19.435}, {103.035, 19.44}, {103.04, 19.44}, {103.04, 19.435}, {103.035, 19.435}}}}, "D-A"},
	}
	var fs []any
	for _, c := range cases {
		fs = append(fs, geojson.HazardInputFeature(hazard(c.id, c.geom, "2020-01-01")))
	}
	fs = append(fs, geojson.ReleaseInputFeature(release("U-1-R1", "U-1", landrelease.MethodCancelled, square(103.01, 19.41, 103.015, 19.42), "2021-03-01")))
	up, _, err := uploads.Submit(r.ctx, body(t, fs...), landrelease.UploadSource{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Report.New != len(cases)+1 || up.Report.Rejected != 0 {
		t.Fatalf("submitted: %+v", up.Report)
	}
	if n := r.counts(t); n[0] != 0 {
		t.Fatalf("submission wrote hazard areas: %v", n)
	}
	if _, err := uploads.Approve(r.ctx, up.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		h, err := r.hazards.FindHazardArea(r.ctx, c.id, landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		if h.Version != 1 && c.id != "U-1" || admin1(h) == "" {
			t.Errorf("%s: version %d, admin1 %q", c.id, h.Version, admin1(h))
		}
		if got := ""; h.Admin2 != nil {
			got = h.Admin2.Code
			if got != c.want2 {
				t.Errorf("%s: admin2 %s, want %s", c.id, got, c.want2)
			}
		} else if c.want2 != "" {
			t.Errorf("%s: no admin2, want %s", c.id, c.want2)
		}
	}
	// What the per-record path computes, for every version written.
	var bad int
	err = r.db.Pool.QueryRow(r.ctx, `
SELECT count(*) FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id
WHERE v.admin1_id IS DISTINCT FROM ref_admin_unit_for(v.geom, 1)
   OR v.admin2_id IS DISTINCT FROM ref_admin_unit_for(v.geom, 2)
   OR v.area_m2 <> ST_Area(v.geom::geography)
   OR v.recorded_by <> 'dm' OR v.valid_from <> v.identified_on
   OR (h.local_id <> 'U-1' AND (NOT ST_Equals(h.remaining_geom, v.geom) OR h.remaining_area_m2 <> v.area_m2))`).Scan(&bad)
	if err != nil || bad != 0 {
		t.Fatalf("%d versions differ from what the registry computes (%v)", bad, err)
	}
	var audits, logged int
	err = r.db.Pool.QueryRow(r.ctx, `SELECT (SELECT count(*) FROM audit_log WHERE action = 'create' AND entity = 'hazard_area' AND local_id LIKE 'U-%'),
		(SELECT count(DISTINCT entity_id) FROM change_log WHERE entity = 'hazard_area')`).Scan(&audits, &logged)
	if err != nil || audits != len(cases) || logged < len(cases) {
		t.Fatalf("audit rows %d, changed areas logged %d, want %d (%v)", audits, logged, len(cases), err)
	}
	u1, _ := r.hazards.FindHazardArea(r.ctx, "U-1", landrelease.Temporal{})
	if u1.RemainingAreaM2 >= u1.AreaM2*0.6 {
		t.Errorf("U-1's release did not count: %.0f of %.0f m2 remain", u1.RemainingAreaM2, u1.AreaM2)
	}

	// The same upload again: every feature is known and unchanged.
	rep, err := uploads.Check(r.ctx, body(t, fs...), landrelease.UploadSource{})
	if err != nil || rep.Same != len(fs) || rep.New != 0 {
		t.Fatalf("the same upload again: %+v, %v", rep, err)
	}

	// A bow-tie among new areas is rejected with PostGIS's reason and location; nothing is written.
	before := r.counts(t)
	bow := orb.MultiPolygon{{{{103.06, 19.46}, {103.07, 19.47}, {103.07, 19.46}, {103.06, 19.47}, {103.06, 19.46}}}}
	changed := hazard("U-2", square(103.098, 19.41, 103.121, 19.42), "2020-01-01")
	_, _, err = uploads.Submit(r.ctx, body(t,
		geojson.HazardInputFeature(hazard("U-9", square(103.02, 19.46, 103.03, 19.47), "2021-01-01")),
		geojson.HazardInputFeature(hazard("U-10", bow, "2021-01-01")),
		geojson.HazardInputFeature(changed)), landrelease.UploadSource{}, "")
	var re *landrelease.ReportError
	if !asReportError(err, &re) || re.Report.Rejected != 1 {
		t.Fatalf("bow-tie: %v", err)
	}
	f := re.Report.Features[1]
	if f.Status != landrelease.FeatureRejected || len(f.Errors) != 1 || f.Errors[0].Pointer != "/features/1/geometry" {
		t.Fatalf("bow-tie report: %+v", f)
	}
	pgtest.WantDefect(t, f.Errors[0].Reason, f.Errors[0].Location, "Self-intersection", 103.065, 19.465)
	if re.Report.Features[0].Action != landrelease.ActionNew || re.Report.Features[2].Action != landrelease.ActionChanged {
		t.Errorf("the other features: %+v", re.Report.Features)
	}
	if after := r.counts(t); after != before {
		t.Errorf("a rejected upload changed the registry: %v, then %v", before, after)
	}
}

// TestUploadStaged checks an upload of new hazard areas only, which is checked without registry writes and
// approved from the staging table: warnings against the registry and within the upload, approval after the
// registry took one of its local ids (fails, changes nothing), and staged rows dropped once decided.
func TestUploadStaged(t *testing.T) {
	r := newRegistry(t)
	r.installReference(t)
	r.importLaos(t)
	uploads := postgres.NewUploadService(r.db, geojson.Reader{})
	known := hazard("S-0", square(103.40, 19.40, 103.41, 19.41), "2020-01-01")
	if err := r.hazards.CreateHazardArea(r.ctx, known); err != nil {
		t.Fatal(err)
	}
	fs := []any{
		geojson.HazardInputFeature(hazard("S-1", square(103.40, 19.40, 103.4101, 19.41), "2021-01-01")), // near-duplicate of S-0
		geojson.HazardInputFeature(hazard("S-2", square(103.50, 19.40, 103.52, 19.42), "2021-01-01")),
		geojson.HazardInputFeature(hazard("S-3", square(103.51, 19.41, 103.53, 19.43), "2021-01-01")), // overlaps S-2
		geojson.HazardInputFeature(hazard("S-4", square(103.60, 19.40, 103.61, 19.41), "2021-01-01")),
	}
	before := r.counts(t)
	up, _, err := uploads.Submit(r.ctx, body(t, fs...), landrelease.UploadSource{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if after := r.counts(t); after[0] != before[0] || after[1] != before[1] {
		t.Fatalf("submission wrote hazard areas: %v, then %v", before, after)
	}
	warned := func(f landrelease.FeatureReport, what string) bool {
		for _, w := range f.Warnings {
			if strings.Contains(w.Reason, what) {
				return true
			}
		}
		return false
	}
	ws := up.Report.Features
	if up.Report.New != 4 || !warned(ws[0], "near-duplicate of hazard area S-0") ||
		!warned(ws[1], "overlaps open hazard area S-3") || !warned(ws[2], "overlaps open hazard area S-2") || len(ws[3].Warnings) != 0 {
		t.Fatalf("submission report: %+v", up.Report)
	}
	// The body is kept as sent (stored gzipped).
	sent, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	var kept bytes.Buffer
	if err := uploads.WriteUploadBody(r.ctx, up.ID, func(*landrelease.Upload) io.Writer { return &kept }); err != nil || !bytes.Equal(kept.Bytes(), sent) {
		t.Fatalf("body read back (%v): %d bytes, sent %d", err, kept.Len(), len(sent))
	}
	var stored int
	var magic []byte
	if err := r.db.Pool.QueryRow(r.ctx, `SELECT length(lo_get(body_oid)), substr(lo_get(body_oid), 1, 2) FROM upload WHERE id = $1`, up.ID).Scan(&stored, &magic); err != nil ||
		stored >= len(sent) || !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		t.Errorf("stored body: %d bytes starting %x (%v), sent %d", stored, magic, err, len(sent))
	}
	var staged int
	stagedRows := func() int {
		t.Helper()
		if err := r.db.Pool.QueryRow(r.ctx, `SELECT count(*) FROM upload_staged_hazard`).Scan(&staged); err != nil {
			t.Fatal(err)
		}
		return staged
	}
	if stagedRows() != 4 {
		t.Fatalf("%d staged rows, want 4", staged)
	}

	// The registry takes S-4 meanwhile: the approval fails with the reason and changes nothing.
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("S-4", square(103.60, 19.40, 103.61, 19.41), "2021-01-01")); err != nil {
		t.Fatal(err)
	}
	// The reviewer sees it without a new check of the geometries.
	seen, err := uploads.FindUpload(r.ctx, up.ID)
	if err != nil || seen.Report.Rejected != 1 || seen.Report.New != 3 || seen.Report.Features[3].Status != landrelease.FeatureRejected ||
		!strings.Contains(seen.Report.Features[3].Errors[0].Reason, "changed since the upload was submitted") ||
		!warned(seen.Report.Features[0], "near-duplicate of hazard area S-0") {
		t.Fatalf("review after a conflicting change: %+v (%v)", seen.Report, err)
	}
	before = r.counts(t)
	_, err = uploads.Approve(r.ctx, up.ID, "ok")
	var re *landrelease.ReportError
	if !asReportError(err, &re) || re.Report.Rejected != 1 || re.Report.Features[3].Status != landrelease.FeatureRejected ||
		!strings.Contains(re.Report.Features[3].Errors[0].Reason, "changed since the upload was submitted") {
		t.Fatalf("approval after a conflicting change: %v", err)
	}
	if after := r.counts(t); after != before {
		t.Fatalf("a failed approval changed the registry: %v, then %v", before, after)
	}
	if _, err := uploads.Reject(r.ctx, up.ID, "S-4 exists"); err != nil {
		t.Fatal(err)
	}
	if stagedRows() != 0 {
		t.Fatalf("%d staged rows after the rejection", staged)
	}

	// Without S-4 it goes through: written from the staging table, as the registry writes them.
	up, _, err = uploads.Submit(r.ctx, body(t, fs[:3]...), landrelease.UploadSource{}, "")
	if err != nil {
		t.Fatal(err)
	}
	done, err := uploads.Approve(r.ctx, up.ID, "ok")
	if err != nil || done.Status != landrelease.UploadApproved {
		t.Fatalf("approve: %v", err)
	}
	var bad int
	err = r.db.Pool.QueryRow(r.ctx, `
SELECT count(*) FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id
WHERE h.local_id IN ('S-1', 'S-2', 'S-3') AND (v.admin1_id IS DISTINCT FROM ref_admin_unit_for(v.geom, 1)
   OR v.area_m2 <> ST_Area(v.geom::geography) OR h.remaining_area_m2 <> v.area_m2 OR v.version <> 1 OR NOT v.is_current)`).Scan(&bad)
	if err != nil || bad != 0 || stagedRows() != 0 {
		t.Fatalf("%d versions differ from what the registry computes, %d staged rows left (%v)", bad, staged, err)
	}
	for _, id := range []string{"S-1", "S-2", "S-3"} {
		if _, err := r.hazards.FindHazardArea(r.ctx, id, landrelease.Temporal{}); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

func asReportError(err error, re **landrelease.ReportError) bool {
	e, ok := err.(*landrelease.ReportError)
	*re = e
	return ok
}
