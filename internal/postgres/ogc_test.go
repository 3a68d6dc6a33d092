package postgres_test

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

func closeTo(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestReprojector(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	r := postgres.NewReprojector(db)

	if _, ok, err := r.AdminExtent(ctx); err != nil || ok {
		t.Fatalf("empty gazetteer: ok %v, %v", ok, err)
	}
	pgtest.ImportLaoProvinces(t, db)
	b, ok, err := r.AdminExtent(ctx)
	if err != nil || !ok || !closeTo(b.Min[0], 100.097, 0.01) || !closeTo(b.Max[0], 107.664, 0.01) || !closeTo(b.Min[1], 13.915, 0.01) || !closeTo(b.Max[1], 22.496, 0.01) {
		t.Fatalf("Lao PDR's extent %v %v %v", b, ok, err)
	}

	// UTM 48N's central meridian is 105 E: on the equator it is 500 km east, 0 north. Web Mercator's
	// antimeridian is at 20037508.34 m. Order is kept and an empty geometry stays empty.
	sq := square(105, 0, 105.01, 0.01)
	out, err := r.FromWGS84(ctx, 32648, []orb.MultiPolygon{sq, nil, square(104, 10, 104.5, 10.5)})
	if err != nil || len(out) != 3 || out[1] != nil {
		t.Fatalf("transform: %v %v", out, err)
	}
	if p := out[0][0][0][0]; !closeTo(p[0], 500000, 1e-6) || !closeTo(p[1], 0, 1e-6) {
		t.Errorf("(105, 0) in UTM 48N is %v, want (500000, 0)", p)
	}
	if p := out[2][0][0][0]; !(p[0] < 500000 && p[1] > 1_100_000 && p[1] < 1_110_000) {
		t.Errorf("(104, 10) in UTM 48N is %v", p)
	}
	if len(out[0][0][0]) != len(sq[0][0]) {
		t.Errorf("the ring has %d positions, want %d", len(out[0][0][0]), len(sq[0][0]))
	}
	merc, err := r.FromWGS84(ctx, 3857, []orb.MultiPolygon{square(179, 0, 180, 1)})
	if err != nil || !closeTo(merc[0][0][0][1][0], 20037508.342789244, 1e-6) {
		t.Errorf("(180, 0) in EPSG:3857: %v %v", merc, err)
	}

	// A box back to WGS 84 holds the square it came from; its densified edges bulge past the corners' extent.
	bb := out[2].Bound()
	w, err := r.ToWGS84(ctx, 32648, bb)
	if err != nil {
		t.Fatal(err)
	}
	if !(w.Min[0] <= 104+1e-9 && w.Min[1] <= 10+1e-9 && w.Max[0] >= 104.5-1e-9 && w.Max[1] >= 10.5-1e-9) || w.Max[0]-w.Min[0] > 0.6 {
		t.Errorf("the UTM box of (104, 10)-(104.5, 10.5) back in WGS 84: %v", w)
	}
	if _, err := r.FromWGS84(ctx, 999999, []orb.MultiPolygon{sq}); err == nil {
		t.Error("an unknown SRID transformed")
	}
}
