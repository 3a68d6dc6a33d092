package postgres_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

func square(w, s, e, n float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}}
}

func (r *registry) importLaos(t *testing.T) {
	t.Helper()
	units := pgtest.LaoProvinces(t)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})
	if err := r.admin.ImportAdminUnits(r.ctx, 1, units); landrelease.ErrorCode(err) != landrelease.EFORBIDDEN {
		t.Fatalf("a data manager imported the gazetteer: %v", err)
	}
	if err := r.admin.ImportAdminUnits(admin, 1, units); err != nil {
		t.Fatal(err)
	}
}

func admin1(h *landrelease.HazardArea) string {
	if h.Admin1 == nil {
		return ""
	}
	return h.Admin1.Code
}

func TestAdminAssignment(t *testing.T) {
	r := newRegistry(t)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})

	// A hazard area recorded before the gazetteer has no admin unit; importing assigns it.
	early := hazard("LA-XI-2019-0001", box(103.2, 19.45, 150, 150), "2019-02-01")
	if err := r.hazards.CreateHazardArea(r.ctx, early); err != nil {
		t.Fatal(err)
	}
	if early.Admin1 != nil {
		t.Fatalf("assigned without a gazetteer: %+v", early.Admin1)
	}
	r.importLaos(t)
	got, err := r.hazards.FindHazardArea(r.ctx, early.LocalID, landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	if admin1(got) != "LAO-3286" || got.Admin1.Name != "Xiangkhoang" {
		t.Fatalf("after import: %+v", got.Admin1)
	}

	// The two Vientiane units share the ISO code LA-VI and are told apart by adm1_code.
	units, err := r.admin.FindAdminUnits(r.ctx, 1, false)
	if err != nil || len(units) != 17 {
		t.Fatalf("units: %v, %d", err, len(units))
	}

	// Synthetic districts with the quirks of real gazetteers: an overlap between A and B, a gap between B and C.
	districts := []*landrelease.AdminUnit{
		{Code: "D-A", Name: "A", ParentCode: "LAO-3286", Geometry: square(103.00, 19.40, 103.101, 19.50)},
		{Code: "D-B", Name: "B", ParentCode: "LAO-3286", Geometry: square(103.099, 19.40, 103.20, 19.50)},
		{Code: "D-C", Name: "C", ParentCode: "LAO-3286", Geometry: square(103.21, 19.40, 103.30, 19.50)},
	}
	dup := append([]*landrelease.AdminUnit{}, districts...)
	dup = append(dup, &landrelease.AdminUnit{Code: "D-A", Name: "A again", Geometry: square(104, 19, 104.1, 19.1)})
	err = r.admin.ImportAdminUnits(admin, 2, dup)
	if landrelease.ErrorCode(err) != landrelease.EINVALID {
		t.Fatalf("duplicate code: %v", err)
	}
	if err := r.admin.ImportAdminUnits(admin, 2, districts); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		geom orb.MultiPolygon
		want string
	}{
		{"inside A", square(103.01, 19.41, 103.02, 19.42), "D-A"},
		{"across the A-B overlap, mostly in B", square(103.098, 19.41, 103.12, 19.42), "D-B"},
		{"across the A-B overlap, mostly in A", square(103.08, 19.41, 103.1005, 19.42), "D-A"},
		{"in the B-C gap, nearer C", square(103.207, 19.41, 103.2095, 19.42), "D-C"},
		{"in the B-C gap, nearer B", square(103.2005, 19.41, 103.203, 19.42), "D-B"},
		{"across the gap into C", square(103.205, 19.41, 103.25, 19.42), "D-C"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hazard("H-"+string(rune('A'+i)), tt.geom, "2020-01-01")
			if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
				t.Fatal(err)
			}
			if h.Admin2 == nil || h.Admin2.Code != tt.want {
				t.Fatalf("admin2 = %+v, want %s", h.Admin2, tt.want)
			}
			if admin1(h) != "LAO-3286" {
				t.Errorf("admin1 = %s", admin1(h))
			}
		})
	}

	// A redrawn boundary that moves the area re-assigns it from that date; the past keeps the old unit.
	moved := *got
	moved.Geometry = box(102.62, 17.98, 150, 150) // Vientiane prefecture
	on := date("2022-06-01")
	if _, err := r.hazards.UpdateHazardArea(r.ctx, early.LocalID, landrelease.HazardAreaChange{HazardArea: &moved, ChangedOn: &on, IfVersion: got.Version}); err != nil {
		t.Fatal(err)
	}
	now, _ := r.hazards.FindHazardArea(r.ctx, early.LocalID, landrelease.Temporal{})
	at := date("2021-01-01")
	then, _ := r.hazards.FindHazardArea(r.ctx, early.LocalID, landrelease.Temporal{At: &at})
	if admin1(now) != "LAO-3283" || admin1(then) != "LAO-3286" {
		t.Errorf("after redraw: now %s, in 2021 %s", admin1(now), admin1(then))
	}
	list, err := r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{Admin: "LAO-3283"})
	if err != nil || len(list) != 1 {
		t.Errorf("filter by admin: %v, %d", err, len(list))
	}

	// Every version written (created before the gazetteer and re-assigned by the imports, created after them,
	// redrawn) holds what the plain per-geometry reference gives.
	r.installReference(t)
	var versions, bad int
	err = r.db.Pool.QueryRow(r.ctx, `
SELECT count(*), count(*) FILTER (WHERE admin1_id IS DISTINCT FROM ref_admin_unit_for(geom, 1)
                                     OR admin2_id IS DISTINCT FROM ref_admin_unit_for(geom, 2))
FROM hazard_area_version`).Scan(&versions, &bad)
	if err != nil || versions < len(tests)+2 || bad != 0 {
		t.Errorf("%d of %d versions differ from the reference (%v)", bad, versions, err)
	}
}

func TestResidualContaminationReopens(t *testing.T) {
	r := newRegistry(t)
	b := box(106.0, 16.5, 100, 100)
	h := hazard("LA-SV-2019-0003", b, "2019-01-15")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("R1", h.LocalID, landrelease.MethodCleared, b, "2020-03-01")); err != nil {
		t.Fatal(err)
	}
	closed, _ := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{})
	if closed.Status != landrelease.StatusClosed {
		t.Fatalf("not closed after full clearance: %s", closed.Status)
	}
	_, west := split(b, 0.5)
	err := r.releases.CreateLandRelease(r.ctx, release("R2", h.LocalID, landrelease.MethodCleared, west, "2021-01-01"))
	if landrelease.ErrorCode(err) != landrelease.EINVALID {
		t.Fatalf("release into a closed area: %v", err)
	}

	// Items found in 2023: the area reopens from that date; the 2020 clearance no longer counts against it.
	reopened := *closed
	reopened.Status = landrelease.StatusOpen
	reopened.Kind = landrelease.KindCHA
	reopened.Evidence = landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "items_seen"}
	on := date("2023-02-10")
	got, err := r.hazards.UpdateHazardArea(r.ctx, h.LocalID, landrelease.HazardAreaChange{HazardArea: &reopened, ChangedOn: &on, Reason: "BLU-26 found by a farmer", IfVersion: closed.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != landrelease.StatusOpen || got.ReleasesSince == nil || !got.ReleasesSince.Equal(on) {
		t.Fatalf("reopened: %s since %v", got.Status, got.ReleasesSince)
	}
	near(t, "remaining after reopening", got.RemainingAreaM2, got.AreaM2, 0.0001)
	// In 2021 the ground was clear and the area closed.
	at := date("2021-06-30")
	past, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{At: &at})
	if err != nil || past.Status != landrelease.StatusClosed || past.RemainingAreaM2 >= landrelease.CloseBelowM2 {
		t.Fatalf("2021: %v %+v", err, past)
	}
	// New releases must follow the reopening.
	err = r.releases.CreateLandRelease(r.ctx, release("R3", h.LocalID, landrelease.MethodCleared, west, "2022-12-31"))
	if landrelease.ErrorCode(err) != landrelease.EINVALID || landrelease.ErrorDetails(err)[0].Field != "completed_on" {
		t.Fatalf("release before reopening: %v", err)
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("R3", h.LocalID, landrelease.MethodCleared, west, "2023-05-01")); err != nil {
		t.Fatal(err)
	}
}

func TestWithdrawal(t *testing.T) {
	r := newRegistry(t)
	b := box(105.5, 15.5, 80, 80)
	h := hazard("LA-CH-2021-0009", b, "2021-07-01")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	west, _ := split(b, 0.5)
	rel := release("LA-CH-2021-0009-R1", h.LocalID, landrelease.MethodReduced, west, "2022-01-10")
	if err := r.releases.CreateLandRelease(r.ctx, rel); err != nil {
		t.Fatal(err)
	}
	_, err := r.hazards.WithdrawHazardArea(r.ctx, h.LocalID, 1, "duplicate of LA-CH-2021-0002")
	wantCode(t, err, landrelease.ECONFLICT)
	if _, err := r.releases.WithdrawLandRelease(r.ctx, rel.LocalID, 1, "duplicate"); err != nil {
		t.Fatal(err)
	}
	before := r.dbNow(t)
	w, err := r.hazards.WithdrawHazardArea(r.ctx, h.LocalID, 1, "duplicate of LA-CH-2021-0002")
	if err != nil {
		t.Fatal(err)
	}
	if !w.Withdrawn || w.Version != 2 {
		t.Fatalf("withdrawn: %+v", w)
	}
	_, err = r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{})
	wantCode(t, err, landrelease.ENOTFOUND)
	at := date("2022-06-01")
	_, err = r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{At: &at})
	wantCode(t, err, landrelease.ENOTFOUND)
	// Still there in the register as known before the withdrawal, and in the history.
	old, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{AsOf: &before})
	if err != nil || old.Withdrawn {
		t.Fatalf("as of before the withdrawal: %v %+v", err, old)
	}
	hist, _ := r.hazards.HazardAreaHistory(r.ctx, h.LocalID)
	if len(hist) != 2 || !hist[1].Withdrawn || hist[1].Reason != "duplicate of LA-CH-2021-0002" {
		t.Fatalf("history: %d", len(hist))
	}
	_, err = r.releases.FindLandRelease(r.ctx, rel.LocalID, landrelease.Temporal{})
	wantCode(t, err, landrelease.ENOTFOUND)
	// The local ID stays taken: nothing is hard-deleted.
	wantCode(t, r.hazards.CreateHazardArea(r.ctx, hazard(h.LocalID, b, "2021-07-01")), landrelease.ECONFLICT)
}

func TestTokens(t *testing.T) {
	r := newRegistry(t)
	users := postgresUsers(r)
	adminCtx := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "root", Role: landrelease.RoleAdministrator})
	if _, err := users.CreateToken(r.ctx, "amy", landrelease.RoleFieldTeam, 0); landrelease.ErrorCode(err) != landrelease.EFORBIDDEN {
		t.Fatalf("a data manager created a token: %v", err)
	}
	tok, err := users.CreateToken(adminCtx, "amy", landrelease.RoleFieldTeam, 0)
	if err != nil {
		t.Fatal(err)
	}
	u, err := users.Authenticate(context.Background(), tok)
	if err != nil || u.Name != "amy" || u.Role != landrelease.RoleFieldTeam {
		t.Fatalf("authenticate: %v %+v", err, u)
	}
	_, err = users.Authenticate(context.Background(), tok+"x")
	wantCode(t, err, landrelease.EUNAUTHORIZED)
	_, err = users.CreateToken(adminCtx, "amy", landrelease.RoleAdministrator, 0)
	wantCode(t, err, landrelease.ECONFLICT)
	_, err = users.CreateToken(adminCtx, "bob", "superuser", 0)
	wantCode(t, err, landrelease.EINVALID)
	// Only a hash is stored.
	var n int
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM api_token WHERE position($1::bytea in hash) > 0`, []byte(tok)).Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in clear: %v %d", err, n)
	}
}
