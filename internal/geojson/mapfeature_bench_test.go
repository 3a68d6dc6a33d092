package geojson_test

import (
	"strconv"
	"testing"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
)

// BenchmarkAppendMapHazard encodes the map features of 1000 hazard areas (geojsontest.HazardAreas, one in ten
// residual) at a simplifying zoom and at a full one, as the map's first read of a view does (MapCache cold).
func BenchmarkAppendMapHazard(b *testing.B) {
	hs := geojsontest.HazardAreas(1000, 1)
	for i, h := range hs {
		h.Residual = i%10 == 3
	}
	for _, zoom := range []int{10, 16} {
		sc := geojson.ScaleAt(zoom, 18)
		b.Run("zoom="+strconv.Itoa(zoom), func(b *testing.B) {
			var buf []byte
			n := 0
			for b.Loop() {
				n = 0
				for _, h := range hs {
					buf = geojson.AppendMapHazard(buf[:0], h, sc)
					n += len(buf)
				}
			}
			b.ReportMetric(float64(n)/float64(len(hs)), "bytes/feature")
		})
	}
}
