package geo

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// earthRadius is the mean Earth radius in meters (IUGG).
const earthRadius = 6371008.8

// Segment is a pair of consecutive positions of a ring. Pointer locates From
// as "/coordinates/P/R/I" in the MultiPolygon form.
type Segment struct {
	Pointer  string
	From, To orb.Point
	Meters   float64
}

// LongSegments lists, in ring order, the segments of mp longer than
// maxMeters, measured along a great circle on a sphere of radius
// 6371008.8 m (haversine). It is meant as a data-quality warning, for
// example with maxMeters 5000.
func LongSegments(mp orb.MultiPolygon, maxMeters float64) []Segment {
	var segs []Segment
	for i, p := range mp {
		for j, r := range p {
			for k := 0; k+1 < len(r); k++ {
				m := haversine(r[k], r[k+1])
				if m > maxMeters {
					segs = append(segs, Segment{
						Pointer: "/coordinates/" + strconv.Itoa(i) + "/" + strconv.Itoa(j) + "/" + strconv.Itoa(k),
						From:    r[k],
						To:      r[k+1],
						Meters:  m,
					})
				}
			}
		}
	}
	return segs
}

// haversine returns the great-circle distance between a and b in meters.
func haversine(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := a[1]*rad, b[1]*rad
	sφ := math.Sin((φ2 - φ1) / 2)
	sλ := math.Sin((b[0] - a[0]) * rad / 2)
	h := sφ*sφ + math.Cos(φ1)*math.Cos(φ2)*sλ*sλ
	return 2 * earthRadius * math.Asin(math.Sqrt(math.Min(1, h)))
}
