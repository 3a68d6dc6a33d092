package postgres_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// box returns a rectangle of about w x h metres whose south-west corner is (lon, lat).
func box(lon, lat, w, h float64) orb.MultiPolygon {
	dx := w / (111320 * math.Cos(lat*math.Pi/180))
	dy := h / 110574
	return orb.MultiPolygon{{{{lon, lat}, {lon + dx, lat}, {lon + dx, lat + dy}, {lon, lat + dy}, {lon, lat}}}}
}

// split returns the west fraction f of box b and the rest.
func split(b orb.MultiPolygon, f float64) (west, east orb.MultiPolygon) {
	r := b[0][0]
	x := r[0][0] + f*(r[1][0]-r[0][0])
	west = orb.MultiPolygon{{{r[0], {x, r[0][1]}, {x, r[2][1]}, r[3], r[0]}}}
	east = orb.MultiPolygon{{{{x, r[0][1]}, r[1], r[2], {x, r[2][1]}, {x, r[0][1]}}}}
	return west, east
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

type registry struct {
	db       *postgres.DB
	hazards  *postgres.HazardAreaService
	releases *postgres.LandReleaseService
	admin    *postgres.AdminUnitService
	ctx      context.Context // acts as a data manager
}

func newRegistry(t *testing.T) *registry {
	t.Helper()
	db := pgtest.Open(t)
	return &registry{
		db:       db,
		hazards:  postgres.NewHazardAreaService(db),
		releases: postgres.NewLandReleaseService(db),
		admin:    postgres.NewAdminUnitService(db),
		ctx:      landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager}),
	}
}

func hazard(id string, g orb.MultiPolygon, identified string) *landrelease.HazardArea {
	return &landrelease.HazardArea{
		LocalID: id, Kind: landrelease.KindSHA, Contamination: landrelease.ContaminationCMR,
		Evidence: landrelease.Evidence{Type: landrelease.EvidenceIndirect, Category: "former_combat_zone"},
		Devices:  []string{"BLU-26"}, Marking: landrelease.MarkingNone, Priority: landrelease.PriorityHigh,
		LandUse: landrelease.LandUseAgriculture, IdentifiedOn: date(identified), Organisation: "UXO Lao",
		Status: landrelease.StatusOpen, Geometry: g,
	}
}

func release(id, hazard string, m landrelease.Method, g orb.MultiPolygon, completed string) *landrelease.LandRelease {
	r := &landrelease.LandRelease{LocalID: id, HazardArea: hazard, Method: m, CompletedOn: date(completed),
		Organisation: "NPA", Geometry: g}
	if m == landrelease.MethodCleared {
		d := 30
		r.DepthCM = &d
		r.ItemsDestroyed = map[string]int{"BLU-26": 3}
	} else {
		r.Criteria = "no evidence found after community interviews"
	}
	return r
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := landrelease.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want)+1e-6 {
		t.Errorf("%s = %.3f, want %.3f (within %.4f%%)", what, got, want, rel*100)
	}
}

// geodesicArea asks PostGIS for the spheroidal area of g, independently of the registry's stored figure.
func (r *registry) geodesicArea(t *testing.T, g orb.MultiPolygon) float64 {
	t.Helper()
	var a float64
	if err := r.db.Pool.QueryRow(context.Background(),
		`SELECT ST_Area(ST_GeomFromText($1, 4326)::geography)`, wkt.MarshalString(g)).Scan(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestHazardAreaLifecycle(t *testing.T) {
	r := newRegistry(t)
	b := box(103.2, 19.4, 200, 100) // 2 ha near Phonsavan
	h := hazard("LA-XK-2020-0001", b, "2020-03-01")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	if h.Version != 1 || h.Status != landrelease.StatusOpen || h.RecordedBy != "dm" {
		t.Fatalf("created = version %d status %s by %q", h.Version, h.Status, h.RecordedBy)
	}
	want := r.geodesicArea(t, b)
	near(t, "area_m2", h.AreaM2, want, 0.0001)
	near(t, "area_m2 vs 2 ha", h.AreaM2, 20000, 0.01)
	near(t, "remaining_area_m2", h.RemainingAreaM2, want, 0.0001)

	// Partial clearance of the west 40 %, then cancellation of the east 60 %: the area closes.
	west, east := split(b, 0.4)
	afterCreate := r.dbNow(t)
	c := release("LA-XK-2020-0001-R1", h.LocalID, landrelease.MethodCleared, west, "2021-06-30")
	if err := r.releases.CreateLandRelease(r.ctx, c); err != nil {
		t.Fatal(err)
	}
	near(t, "release area", c.AreaM2, r.geodesicArea(t, west), 0.0001)
	got, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "remaining after clearance", got.RemainingAreaM2, want-c.AreaM2, 0.0001)
	if got.Status != landrelease.StatusOpen {
		t.Fatalf("status after partial clearance = %s", got.Status)
	}

	// The ground on a date before the clearance, and the register as known before it was recorded.
	before := date("2021-06-29")
	past, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{At: &before})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "remaining at 2021-06-29", past.RemainingAreaM2, want, 0.0001)
	known, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{AsOf: &afterCreate})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "remaining as of before recording", known.RemainingAreaM2, want, 0.0001)

	afterClearance := r.dbNow(t)
	x := release("LA-XK-2020-0001-R2", h.LocalID, landrelease.MethodCancelled, east, "2022-02-01")
	if err := r.releases.CreateLandRelease(r.ctx, x); err != nil {
		t.Fatal(err)
	}
	got, err = r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != landrelease.StatusClosed || got.StatusReason != "released" || got.RemainingAreaM2 >= landrelease.CloseBelowM2 {
		t.Fatalf("after full release: status %s (%s), remaining %.2f", got.Status, got.StatusReason, got.RemainingAreaM2)
	}
	if !got.ValidFrom.Equal(date("2022-02-01")) {
		t.Errorf("closed from %s, want 2022-02-01", got.ValidFrom)
	}
	// Still open on the ground at the end of 2021, and in the register as known before the cancellation.
	end2021 := date("2021-12-31")
	for _, tt := range []landrelease.Temporal{{At: &end2021}, {AsOf: &afterClearance}} {
		s, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, tt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != landrelease.StatusOpen {
			t.Errorf("%+v: status %s, want open", tt, s.Status)
		}
		near(t, "remaining", s.RemainingAreaM2, want-c.AreaM2, 0.0001)
	}
	// Before identification it did not exist.
	early := date("2019-12-31")
	_, err = r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{At: &early})
	wantCode(t, err, landrelease.ENOTFOUND)

	// A new release into a closed area is refused; withdrawing the cancellation reopens the area.
	_, err = r.releases.WithdrawLandRelease(r.ctx, x.LocalID, 2, "")
	wantCode(t, err, landrelease.EPRECONDITION)
	if _, err := r.releases.WithdrawLandRelease(r.ctx, x.LocalID, 1, "entered against the wrong area"); err != nil {
		t.Fatal(err)
	}
	got, err = r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != landrelease.StatusOpen {
		t.Fatalf("after withdrawal: status %s", got.Status)
	}
	near(t, "remaining after withdrawal", got.RemainingAreaM2, want-c.AreaM2, 0.0001)

	hist, err := r.hazards.HazardAreaHistory(r.ctx, h.LocalID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Status != "open" || hist[1].Status != "closed" || hist[2].Status != "open" {
		t.Fatalf("history: %d versions", len(hist))
	}
	// Each version's remaining area is the one of its last day in the field, as the record stood then: the
	// first open version carried the clearance, the closure (since corrected away) both releases.
	near(t, "history v1 remaining", hist[0].RemainingAreaM2, want-c.AreaM2, 0.0001)
	if hist[1].RemainingAreaM2 >= landrelease.CloseBelowM2 {
		t.Errorf("history v2 (closed) remaining %.2f m2, want below %.0f", hist[1].RemainingAreaM2, landrelease.CloseBelowM2)
	}
	near(t, "history v3 remaining", hist[2].RemainingAreaM2, got.RemainingAreaM2, 0.0001)
	var audits int
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 4 {
		t.Errorf("audit rows = %d, want 4", audits)
	}
	if _, err := r.db.Pool.Exec(context.Background(), `UPDATE audit_log SET actor = 'x'`); err == nil {
		t.Error("audit_log accepted an UPDATE")
	}
	if _, err := r.db.Pool.Exec(context.Background(), `DELETE FROM audit_log`); err == nil {
		t.Error("audit_log accepted a DELETE")
	}
}

func TestReclassificationIsANewVersion(t *testing.T) {
	r := newRegistry(t)
	h := hazard("LA-HO-2019-0007", box(104.0, 20.4, 300, 300), "2019-05-10")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	cha := *h
	cha.Kind = landrelease.KindCHA
	cha.Evidence = landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "items_seen"}
	on := date("2021-04-01")
	_, err := r.hazards.UpdateHazardArea(r.ctx, h.LocalID, landrelease.HazardAreaChange{HazardArea: &cha, ChangedOn: &on, Reason: "BLU-26 found", IfVersion: 2})
	wantCode(t, err, landrelease.EPRECONDITION)
	_, err = r.hazards.UpdateHazardArea(r.ctx, h.LocalID, landrelease.HazardAreaChange{HazardArea: &cha, ChangedOn: &on})
	wantCode(t, err, landrelease.EPRECONDITIONREQUIRED)
	got, err := r.hazards.UpdateHazardArea(r.ctx, h.LocalID, landrelease.HazardAreaChange{HazardArea: &cha, ChangedOn: &on, Reason: "BLU-26 found", IfVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != landrelease.KindCHA || got.Version != 2 || !got.ValidFrom.Equal(on) {
		t.Fatalf("after reclassification: %s v%d from %s", got.Kind, got.Version, got.ValidFrom)
	}
	for _, tc := range []struct {
		at   string
		want landrelease.Kind
	}{{"2020-12-31", landrelease.KindSHA}, {"2021-03-31", landrelease.KindSHA}, {"2021-04-01", landrelease.KindCHA}, {"2024-12-31", landrelease.KindCHA}} {
		at := date(tc.at)
		s, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{At: &at})
		if err != nil {
			t.Fatal(err)
		}
		if s.Kind != tc.want {
			t.Errorf("at %s: kind %s, want %s", tc.at, s.Kind, tc.want)
		}
	}
	// A correction of the latest version (no changed_on) keeps the field timeline.
	fixed := *got
	fixed.Notes = "typo fixed"
	got, err = r.hazards.UpdateHazardArea(r.ctx, h.LocalID, landrelease.HazardAreaChange{HazardArea: &fixed, IfVersion: 2})
	if err != nil {
		t.Fatal(err)
	}
	at := date("2020-01-01")
	s, err := r.hazards.FindHazardArea(r.ctx, h.LocalID, landrelease.Temporal{At: &at})
	if err != nil || s.Kind != landrelease.KindSHA || got.Notes != "typo fixed" || got.Version != 3 {
		t.Fatalf("after correction: %v %v %q v%d", err, s, got.Notes, got.Version)
	}
	// Filters see the current kind.
	list, err := r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{Kind: landrelease.KindSHA})
	if err != nil || len(list) != 0 {
		t.Fatalf("SHA list: %v, %d items", err, len(list))
	}
	list, err = r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{Kind: landrelease.KindSHA, Temporal: landrelease.Temporal{At: &at}})
	if err != nil || len(list) != 1 {
		t.Fatalf("SHA list at 2020: %v, %d items", err, len(list))
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	r := newRegistry(t)
	b := box(105.8, 15.1, 100, 100)
	h := hazard("LA-CH-2022-0001", b, "2022-01-10")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	west, _ := split(b, 0.5)
	if err := r.releases.CreateLandRelease(r.ctx, release("R-OK", h.LocalID, landrelease.MethodReduced, west, "2023-01-01")); err != nil {
		t.Fatal(err)
	}
	bowtie := orb.MultiPolygon{{{{105.0, 15.0}, {105.01, 15.01}, {105.01, 15.0}, {105.0, 15.01}, {105.0, 15.0}}}}
	outside := box(105.9, 15.1, 50, 50)
	overlapping, _ := split(b, 0.7)
	future := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	tests := []struct {
		name  string
		do    func() error
		code  string
		field string
	}{
		{"bow-tie hazard", func() error { return r.hazards.CreateHazardArea(r.ctx, hazard("H-BAD", bowtie, "2022-01-01")) }, landrelease.EINVALID, "geometry"},
		{"duplicate local id", func() error { return r.hazards.CreateHazardArea(r.ctx, hazard(h.LocalID, b, "2022-01-01")) }, landrelease.ECONFLICT, "local_id"},
		{"unknown kind", func() error {
			x := hazard("H-KIND", b, "2022-01-01")
			x.Kind = "XHA"
			return r.hazards.CreateHazardArea(r.ctx, x)
		}, landrelease.EINVALID, "kind"},
		{"identified in the future", func() error { return r.hazards.CreateHazardArea(r.ctx, hazard("H-FUT", b, future)) }, landrelease.EINVALID, "identified_on"},
		{"release outside", func() error {
			return r.releases.CreateLandRelease(r.ctx, release("R-OUT", h.LocalID, landrelease.MethodCleared, outside, "2023-02-01"))
		}, landrelease.EINVALID, "geometry"},
		{"release overlapping", func() error {
			return r.releases.CreateLandRelease(r.ctx, release("R-OVL", h.LocalID, landrelease.MethodCleared, overlapping, "2023-02-01"))
		}, landrelease.EINVALID, "geometry"},
		{"release before identification", func() error {
			return r.releases.CreateLandRelease(r.ctx, release("R-EARLY", h.LocalID, landrelease.MethodCancelled, west, "2021-12-31"))
		}, landrelease.EINVALID, "completed_on"},
		{"release of unknown area", func() error {
			return r.releases.CreateLandRelease(r.ctx, release("R-ORPHAN", "NOPE", landrelease.MethodCancelled, west, "2023-01-01"))
		}, landrelease.EINVALID, "hazard_area"},
		{"negative count", func() error {
			x := release("R-NEG", h.LocalID, landrelease.MethodCleared, west, "2023-01-01")
			x.ItemsDestroyed = map[string]int{"M77": -1}
			return r.releases.CreateLandRelease(r.ctx, x)
		}, landrelease.EINVALID, "items_destroyed"},
		{"duplicate release id", func() error {
			_, east := split(b, 0.5)
			return r.releases.CreateLandRelease(r.ctx, release("R-OK", h.LocalID, landrelease.MethodCleared, east, "2023-02-01"))
		}, landrelease.ECONFLICT, "local_id"},
		{"no user", func() error {
			return r.hazards.CreateHazardArea(context.Background(), hazard("H-ANON", b, "2022-01-01"))
		}, landrelease.EUNAUTHORIZED, ""},
		{"reporting officer writes", func() error {
			ctx := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "ro", Role: landrelease.RoleReportingOfficer})
			return r.hazards.CreateHazardArea(ctx, hazard("H-RO", b, "2022-01-01"))
		}, landrelease.EFORBIDDEN, ""},
	}
	counts := r.counts(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			wantCode(t, err, tt.code)
			if tt.field != "" {
				ds := landrelease.ErrorDetails(err)
				if len(ds) == 0 || ds[0].Field != tt.field {
					t.Fatalf("details %+v, want field %s", ds, tt.field)
				}
			}
			if got := r.counts(t); got != counts {
				t.Fatalf("rows changed: %v -> %v", counts, got)
			}
		})
	}
	// The geometry defect carries PostGIS's reason and location.
	err := r.hazards.CreateHazardArea(r.ctx, hazard("H-BAD", bowtie, "2022-01-01"))
	ds := landrelease.ErrorDetails(err)
	if len(ds) != 1 || ds[0].Field != "geometry" {
		t.Fatalf("bow-tie: %v, details %+v", err, ds)
	}
	pgtest.WantDefect(t, ds[0].Reason, ds[0].Location, "Self-intersection", 105.005, 15.005)
}

// counts returns the number of rows of each registry table.
func (r *registry) counts(t *testing.T) [5]int {
	t.Helper()
	var c [5]int
	err := r.db.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM hazard_area), (SELECT count(*) FROM hazard_area_version),
		(SELECT count(*) FROM land_release), (SELECT count(*) FROM land_release_version),
		(SELECT count(*) FROM audit_log)`).Scan(&c[0], &c[1], &c[2], &c[3], &c[4])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func postgresUsers(r *registry) *postgres.UserService { return postgres.NewUserService(r.db) }

// TestReleaseBeneficiaries: a release keeps the people it benefits and the land's use after it, version by
// version; a release that records none reads back as not recorded (nil), not as zero people.
func TestReleaseBeneficiaries(t *testing.T) {
	r := newRegistry(t)
	h := hazard("LA-BN-2021-0001", box(103.4, 19.6, 400, 400), "2021-02-01")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	west, east := split(h.Geometry, 0.5)
	a := release("LA-BN-2021-0001-C1", h.LocalID, landrelease.MethodCleared, west, "2022-03-01")
	a.Beneficiaries = &landrelease.Beneficiaries{Women: 14, Girls: 9, Boys: 11, Men: 12, WithDisabilities: 3}
	a.LandUseAfter = landrelease.LandUseAgriculture
	b := release("LA-BN-2021-0001-C2", h.LocalID, landrelease.MethodCancelled, east, "2022-04-01")
	for _, x := range []*landrelease.LandRelease{a, b} {
		if err := r.releases.CreateLandRelease(r.ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.releases.FindLandRelease(r.ctx, a.LocalID, landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Beneficiaries == nil || *got.Beneficiaries != *a.Beneficiaries || got.LandUseAfter != landrelease.LandUseAgriculture {
		t.Fatalf("read back %+v, land use after %q", got.Beneficiaries, got.LandUseAfter)
	}
	if got, err := r.releases.FindLandRelease(r.ctx, b.LocalID, landrelease.Temporal{}); err != nil || got.Beneficiaries != nil || got.LandUseAfter != "" {
		t.Fatalf("a release without beneficiaries reads back %+v %q, %v", got.Beneficiaries, got.LandUseAfter, err)
	}
	beforeCorrection := r.dbNow(t)
	fixed := *a
	fixed.Beneficiaries = &landrelease.Beneficiaries{Women: 15, Girls: 9, Boys: 11, Men: 12, WithDisabilities: 3}
	if _, err := r.releases.UpdateLandRelease(r.ctx, a.LocalID, landrelease.LandReleaseChange{LandRelease: &fixed, Reason: "one more woman counted", IfVersion: 1}); err != nil {
		t.Fatal(err)
	}
	hist, err := r.releases.LandReleaseHistory(r.ctx, a.LocalID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Beneficiaries.Women != 14 || hist[1].Beneficiaries.Women != 15 {
		t.Fatalf("history %+v", hist)
	}
	// Form F sums them, as known now and as recorded before the correction.
	for _, tc := range []struct {
		asOf      *time.Time
		women     int
		recording int
	}{{nil, 15, 1}, {&beforeCorrection, 14, 1}} {
		rep, err := postgres.NewReportService(r.db).Article7(r.ctx, landrelease.Article7Request{From: date("2022-01-01"), To: date("2022-12-31"), Level: 1, AsOf: tc.asOf})
		if err != nil {
			t.Fatal(err)
		}
		if b := rep.Total.Beneficiaries; b.Women != tc.women || b.Girls != 9 || b.WithDisabilities != 3 || rep.Total.ReleasesWithBeneficiaries != tc.recording {
			t.Errorf("Form F 2022 as of %v: beneficiaries %+v over %d releases", tc.asOf, b, rep.Total.ReleasesWithBeneficiaries)
		}
	}
	// The database refuses what the rules refuse, whoever writes.
	for _, q := range []string{
		`UPDATE land_release_version SET beneficiaries_women = -1 WHERE beneficiaries_women IS NOT NULL`,
		`UPDATE land_release_version SET beneficiaries_with_disabilities = 1000 WHERE beneficiaries_women IS NOT NULL`,
		`UPDATE land_release_version SET beneficiaries_men = NULL WHERE beneficiaries_women IS NOT NULL`,
	} {
		if _, err := r.db.Pool.Exec(r.ctx, q); err == nil {
			t.Errorf("the database accepted %s", q)
		}
	}
}
