package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// star returns a closed counterclockwise ring of n positions around c, with
// radii between r/2 and r degrees. Angles strictly increase, so the ring
// does not cross itself.
func star(rng *rand.Rand, c orb.Point, r float64, n int) orb.Ring {
	ring := make(orb.Ring, n)
	step := 2 * math.Pi / float64(n-1)
	for i := range n - 1 {
		a := (float64(i) + 0.8*rng.Float64()) * step
		d := r * (0.5 + 0.5*rng.Float64())
		ring[i] = orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)}
	}
	ring[n-1] = ring[0]
	return ring
}

// marshal returns g as a GeoJSON geometry object.
func marshal(tb testing.TB, g orb.Geometry) []byte {
	tb.Helper()
	b, err := geojson.NewGeometry(g).MarshalJSON()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkDecode(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	polygon := orb.Polygon{star(rng, orb.Point{103.2, 19.4}, 0.2, 200)}
	var mp orb.MultiPolygon
	for i := range 50 { // 50 polygons of 200 positions
		c := orb.Point{101 + 0.5*float64(i%10), 15 + float64(i/10)}
		mp = append(mp, orb.Polygon{star(rng, c, 0.2, 200)})
	}
	cases := []struct {
		name string
		data []byte
		n    int
	}{
		{"polygon-200", marshal(b, polygon), 200},
		{"multipolygon-10000", marshal(b, mp), 10000},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			got, _, err := Decode(tc.data, Limits{})
			if err != nil || Vertices(got) != tc.n {
				b.Fatalf("got %d positions, %v", Vertices(got), err)
			}
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Decode(tc.data, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"-slow", func(b *testing.B) { // the token-by-token path, that explains defects
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := decodeSlow(tc.data, Limits{}.withDefaults()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
