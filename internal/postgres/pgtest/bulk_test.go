package pgtest_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/landrelease/landrelease/internal/demo"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

func provinces(t testing.TB) []*landrelease.AdminUnit {
	t.Helper()
	units := pgtest.LaoProvinces(t)
	if len(units) != 17 {
		t.Fatalf("%d provinces, want 17", len(units))
	}
	return units
}

// TestBulkLoad loads 200 generated hazard areas with BulkLoad and checks that every remaining area is the hazard
// less its releases, and that a sample of 50 reads the same as when loaded through the services.
func TestBulkLoad(t *testing.T) {
	units := provinces(t)
	data, err := demo.Generate(units, demo.Options{Hazards: 200, Seed: 7, Today: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Hazards) != 200 || len(data.Releases) == 0 {
		t.Fatalf("generated %d hazard areas and %d releases, want 200 and some", len(data.Hazards), len(data.Releases))
	}
	ctx := context.Background()
	bulk := pgtest.Open(t)
	pgtest.ImportLaoProvinces(t, bulk)
	start := time.Now()
	if err := pgtest.BulkLoad(ctx, bulk, data.Hazards, data.Releases); err != nil {
		t.Fatal(err)
	}
	t.Logf("BulkLoad: %d hazards, %d releases in %v", len(data.Hazards), len(data.Releases), time.Since(start))

	byHazard := map[string][]*landrelease.LandRelease{}
	for _, r := range data.Releases {
		byHazard[r.HazardArea] = append(byHazard[r.HazardArea], r)
	}
	var n int
	if err := bulk.Pool.QueryRow(ctx, `SELECT count(*) FROM land_release_version`).Scan(&n); err != nil || n != len(data.Releases) {
		t.Fatalf("%d release versions (%v), want %d", n, err, len(data.Releases))
	}

	// Every release reads back as the services read it, with its beneficiaries (some recorded, some not).
	releases := postgres.NewLandReleaseService(bulk)
	recorded := 0
	for _, r := range data.Releases {
		cur, err := releases.FindLandRelease(ctx, r.LocalID, landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		if (cur.Beneficiaries == nil) != (r.Beneficiaries == nil) || cur.Beneficiaries != nil && *cur.Beneficiaries != *r.Beneficiaries ||
			cur.LandUseAfter != r.LandUseAfter {
			t.Errorf("%s: beneficiaries %+v %q, generated %+v %q", r.LocalID, cur.Beneficiaries, cur.LandUseAfter, r.Beneficiaries, r.LandUseAfter)
		}
		if cur.Beneficiaries != nil {
			recorded++
		}
	}
	if recorded == 0 || recorded == len(data.Releases) {
		t.Errorf("%d of %d releases record beneficiaries: the generator should give some and not all", recorded, len(data.Releases))
	}

	hazards := postgres.NewHazardAreaService(bulk)
	got := map[string]*landrelease.HazardArea{}
	closed := 0
	for _, h := range data.Hazards {
		cur, err := hazards.FindHazardArea(ctx, h.LocalID, landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		got[h.LocalID] = cur
		if cur.Status == landrelease.StatusClosed {
			closed++
		}
		// The remaining area computed from the generated polygons, independently of the load.
		rels := [][]byte{}
		for _, r := range byHazard[h.LocalID] {
			b, _ := wkb.Marshal(r.Geometry)
			rels = append(rels, b)
		}
		hb, _ := wkb.Marshal(h.Geometry)
		var want float64
		err = bulk.Pool.QueryRow(ctx, `
SELECT ST_Area(CASE WHEN cardinality($2::bytea[]) = 0 THEN g
                    ELSE ST_Difference(g, (SELECT ST_Union(ST_GeomFromWKB(b, 4326)) FROM unnest($2::bytea[]) b)) END::geography)
FROM (SELECT ST_GeomFromWKB($1, 4326) AS g) s`, hb, rels).Scan(&want)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(cur.RemainingAreaM2-want) > 0.01 {
			t.Errorf("%s: remaining %.3f m2, difference of the polygons %.3f m2", h.LocalID, cur.RemainingAreaM2, want)
		}
		if want < landrelease.CloseBelowM2 && len(rels) > 0 && cur.Status != landrelease.StatusClosed {
			t.Errorf("%s: %.1f m2 remain but the area is %s", h.LocalID, want, cur.Status)
		}
		if cur.Admin1 == nil {
			t.Errorf("%s: no province", h.LocalID)
		}
	}
	t.Logf("%d of %d areas closed by release", closed, len(data.Hazards))
	if closed == 0 {
		t.Error("no area closed: the sample does not exercise closing")
	}

	// The same data through the services, for a sample of 50 hazards (every fourth).
	svc := pgtest.Open(t)
	pgtest.ImportLaoProvinces(t, svc)
	dm := landrelease.NewContextWithUser(ctx, &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager})
	sh, sr := postgres.NewHazardAreaService(svc), postgres.NewLandReleaseService(svc)
	var sample []string
	for i := 0; i < len(data.Hazards) && len(sample) < 50; i += 4 {
		h := *data.Hazards[i]
		if err := sh.CreateHazardArea(dm, &h); err != nil {
			t.Fatalf("create %s: %v", h.LocalID, err)
		}
		sample = append(sample, h.LocalID)
	}
	if len(sample) != 50 {
		t.Fatalf("a sample of %d hazard areas, want 50", len(sample))
	}
	sampleReleases := 0
	for _, r := range data.Releases {
		if got[r.HazardArea] == nil || !containsID(sample, r.HazardArea) {
			continue
		}
		c := *r
		if err := sr.CreateLandRelease(dm, &c); err != nil {
			t.Fatalf("create %s: %v", r.LocalID, err)
		}
		sampleReleases++
	}
	if sampleReleases == 0 {
		t.Fatal("the sample has no release: the release areas are not compared")
	}
	for _, id := range sample {
		s, err := sh.FindHazardArea(ctx, id, landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		b := got[id]
		if math.Abs(s.AreaM2-b.AreaM2) > 0.01 || math.Abs(s.RemainingAreaM2-b.RemainingAreaM2) > 0.01 || s.Status != b.Status ||
			s.StatusReason != b.StatusReason || s.Version != b.Version || !s.ValidFrom.Equal(b.ValidFrom) ||
			adminCode(s.Admin1) != adminCode(b.Admin1) {
			t.Errorf("%s: services area %.3f remaining %.3f %s/%s v%d from %s %s, bulk area %.3f remaining %.3f %s/%s v%d from %s %s", id,
				s.AreaM2, s.RemainingAreaM2, s.Status, s.StatusReason, s.Version, s.ValidFrom.Format(time.DateOnly), adminCode(s.Admin1),
				b.AreaM2, b.RemainingAreaM2, b.Status, b.StatusReason, b.Version, b.ValidFrom.Format(time.DateOnly), adminCode(b.Admin1))
		}
	}
	// Release areas (the part within the hazard) agree too.
	for _, db := range []*postgres.DB{svc} {
		rows, err := db.Pool.Query(ctx, `SELECT l.local_id, r.area_m2 FROM land_release_version r JOIN land_release l ON l.id = r.release_id`)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]float64{}
		for rows.Next() {
			var id string
			var a float64
			if err := rows.Scan(&id, &a); err != nil {
				t.Fatal(err)
			}
			m[id] = a
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(m) != sampleReleases {
			t.Fatalf("%d release versions through the services, want the sample's %d releases", len(m), sampleReleases)
		}
		for id, a := range m {
			var b float64
			if err := bulk.Pool.QueryRow(ctx, `SELECT r.area_m2 FROM land_release_version r JOIN land_release l ON l.id = r.release_id WHERE l.local_id = $1`, id).Scan(&b); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			if math.Abs(a-b) > 0.01 {
				t.Errorf("release %s: services %.3f m2, bulk %.3f m2", id, a, b)
			}
		}
	}
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func adminCode(a *landrelease.AdminRef) string {
	if a == nil {
		return ""
	}
	return a.Code
}
