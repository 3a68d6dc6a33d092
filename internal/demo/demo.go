// Package demo generates a deterministic, realistic history of cluster munition contamination in Lao PDR:
// hazard areas clustered around strike sites, their land releases and their reclassifications. It feeds the
// demo, the tests and the benchmarks; a Loader writes the demo into the registry through its services.
package demo

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	lr "github.com/landrelease/landrelease/internal/landrelease"
)

// Options control Generate and Stream.
type Options struct {
	Hazards      int       // number of hazard areas
	Seed         uint64    // same seed and units, same output, byte for byte
	MeanReleases float64   // mean number of land releases per hazard area (default 1.5 when 0)
	From, To     int       // years of identification and release, default 2018..2025
	Today        time.Time // no date after it (default: time.Now() truncated to the UTC day)
}

// Reclassification turns an SHA into a CHA on a field date after direct evidence was found.
type Reclassification struct {
	LocalID  string
	On       time.Time
	Evidence lr.Evidence
	Devices  []string
}

// Data is a generated history.
type Data struct {
	Hazards           []*lr.HazardArea  // in identification order
	Releases          []*lr.LandRelease // in completion-date order
	Reclassifications []Reclassification
}

// Tunables of the generated history.
const (
	DefaultMeanReleases = 1.5
	DefaultFrom         = 2018
	DefaultTo           = 2025
	MaxReleases         = 12   // releases of one hazard area at most
	MinVertices         = 20   // vertices of a hazard ring (closing one excluded)
	MaxVertices         = 200  //
	ShareCHA            = 0.35 // hazard areas identified as CHA
	ShareFull           = 0.15 // hazard areas released completely
	ShareReclassified   = 0.08 // SHAs later reclassified as CHA
	HazardsPerCluster   = 20   // hazard areas per strike site, on average

	pcgStream    = 0x6c616e6472656c65 // "landrele": the second PCG word
	clusterSigma = 2000.0             // spread of hazard centres around a strike site, metres
	clusterMax   = 8000.0             // farthest a hazard centre strays from its strike site, metres
	hazardGap    = 10.0               // smallest distance between two hazards' bounding circles, metres
	borderGap    = 5.0                // smallest distance between a hazard and its province's boundary, metres
	maxPlaceTry  = 20000
)

// Generate returns hazard areas inside units (level 1 provinces), their releases and reclassifications.
// Every hazard passes HazardArea.Validate(opt.Today), every release LandRelease.Validate(opt.Today).
func Generate(units []*lr.AdminUnit, opt Options) (*Data, error) {
	d := &Data{Hazards: make([]*lr.HazardArea, 0, max(opt.Hazards, 0))}
	if opt.Hazards > 0 && opt.MeanReleases >= 0 {
		mean := opt.MeanReleases
		if mean == 0 {
			mean = DefaultMeanReleases
		}
		d.Releases = make([]*lr.LandRelease, 0, int(float64(opt.Hazards)*(min(mean, MaxReleases)+ShareFull)))
	}
	err := Stream(units, opt, func(h *lr.HazardArea, rs []*lr.LandRelease, rc *Reclassification) error {
		d.Hazards = append(d.Hazards, h)
		d.Releases = append(d.Releases, rs...)
		if rc != nil {
			d.Reclassifications = append(d.Reclassifications, *rc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(d.Releases, func(a, b *lr.LandRelease) int { return a.CompletedOn.Compare(b.CompletedOn) })
	slices.SortStableFunc(d.Reclassifications, func(a, b Reclassification) int { return a.On.Compare(b.On) })
	return d, nil
}

// Stream calls fn for each hazard, in identification order, with its releases (in completion order) and its
// reclassification (nil for most), without keeping them: the same data as Generate. It stops at fn's first error.
func Stream(units []*lr.AdminUnit, opt Options, fn func(h *lr.HazardArea, rs []*lr.LandRelease, rc *Reclassification) error) error {
	g, err := newGen(units, opt)
	if err != nil || g.opt.Hazards == 0 {
		return err
	}
	days := g.identificationDays()
	if err := g.makeClusters(); err != nil {
		return err
	}
	for i, day := range days {
		h, rs, rc, err := g.hazard(i+1, int(day))
		if err != nil {
			return err
		}
		if err := fn(h, rs, rc); err != nil {
			return err
		}
	}
	return nil
}

type province struct {
	unit   *lr.AdminUnit
	prefix string // of local IDs
	bound  orb.Bound
}

type cluster struct {
	prov int
	c    orb.Point
	dist float64 // metres to the province boundary
}

type gen struct {
	opt      Options
	r        *rand.Rand
	provs    []province
	pcum     []float64
	clusters []cluster
	grid     grid
	base     time.Time // 1 January of From
	endDay   int       // last day (from base) of identification and release

	ux, uy, tri []float64 // scratch: unit shape, fan triangle areas
	cuts        []int
	relDays     []int
}

func newGen(units []*lr.AdminUnit, opt Options) (*gen, error) {
	if opt.Hazards < 0 {
		return nil, errors.New("demo: negative number of hazards")
	}
	if opt.MeanReleases < 0 || math.IsNaN(opt.MeanReleases) || math.IsInf(opt.MeanReleases, 0) {
		return nil, errors.New("demo: MeanReleases must be a finite number >= 0")
	}
	if opt.MeanReleases == 0 {
		opt.MeanReleases = DefaultMeanReleases
	}
	if opt.From == 0 {
		opt.From = DefaultFrom
	}
	if opt.To == 0 {
		opt.To = DefaultTo
	}
	if opt.From < 1960 || opt.To < opt.From || opt.To > 9999 {
		return nil, fmt.Errorf("demo: bad years %d..%d", opt.From, opt.To)
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	opt.Today = lr.Day(opt.Today)
	g := &gen{opt: opt, r: rand.New(rand.NewPCG(opt.Seed, pcgStream))}
	g.base = time.Date(opt.From, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(opt.To, 12, 31, 0, 0, 0, 0, time.UTC)
	if opt.Today.Before(end) {
		end = opt.Today
	}
	g.endDay = daysBetween(g.base, end)
	if g.endDay < 0 {
		return nil, fmt.Errorf("demo: today (%s) is before %d", opt.Today.Format(time.DateOnly), opt.From)
	}
	if opt.Hazards == 0 {
		return g, nil
	}

	level1 := slices.ContainsFunc(units, func(u *lr.AdminUnit) bool { return u != nil && u.Level == 1 })
	total := 0.0
	for i, u := range units {
		if u == nil || len(u.Geometry) == 0 || level1 && u.Level != 1 {
			continue
		}
		b := u.Geometry.Bound()
		if b.Min[0] >= b.Max[0] || b.Min[1] >= b.Max[1] || b.Min[1] < -85 || b.Max[1] > 85 {
			continue
		}
		w := ProvinceWeight(u)
		total += w
		g.provs = append(g.provs, province{unit: u, prefix: idPrefix(u, i), bound: b})
		g.pcum = append(g.pcum, total)
	}
	if len(g.provs) == 0 {
		return nil, errors.New("demo: no admin unit with a usable geometry")
	}
	g.grid.cells = make(map[cellKey][]int32, opt.Hazards)
	g.grid.circles = make([]circle, 0, opt.Hazards)
	return g, nil
}

// idPrefix is the unit's ISO 3166-2 code, else its code, made safe for a local ID.
func idPrefix(u *lr.AdminUnit, i int) string {
	s, _ := u.Properties["iso_3166_2"].(string)
	if strings.TrimSpace(s) == "" {
		s = u.Code
	}
	s = strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, strings.TrimSpace(s))
	if s == "" || len(s) > 32 {
		s = fmt.Sprintf("U%d", i+1)
	}
	return s
}

func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours()/24 + 0.5) }

func (g *gen) date(day int) time.Time { return g.base.Add(time.Duration(day) * 24 * time.Hour) }

// identificationDays returns the sorted days (from base) on which the hazard areas are identified: more in the
// early years, a backlog being surveyed.
func (g *gen) identificationDays() []int32 {
	type year struct {
		start, end int
	}
	var years []year
	var cum []float64
	total := 0.0
	for y := g.opt.From; y <= g.opt.To; y++ {
		s := daysBetween(g.base, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))
		e := min(daysBetween(g.base, time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC))-1, g.endDay)
		if s > e {
			break
		}
		total += float64(g.opt.To-y+2) * float64(e-s+1) / 365
		years = append(years, year{s, e})
		cum = append(cum, total)
	}
	days := make([]int32, g.opt.Hazards)
	for i := range days {
		x := g.r.Float64() * total
		j, _ := slices.BinarySearch(cum, x)
		j = min(j, len(years)-1)
		days[i] = int32(years[j].start + g.r.IntN(years[j].end-years[j].start+1))
	}
	slices.Sort(days)
	return days
}

func (g *gen) pickProvince() int {
	j, _ := slices.BinarySearch(g.pcum, g.r.Float64()*g.pcum[len(g.pcum)-1])
	return min(j, len(g.pcum)-1)
}

// makeClusters picks the strike sites, about one per HazardsPerCluster hazards, inside their provinces.
func (g *gen) makeClusters() error {
	n := max(1, (g.opt.Hazards+HazardsPerCluster-1)/HazardsPerCluster)
	g.clusters = make([]cluster, 0, n)
	for range n {
		pi := g.pickProvince()
		p := &g.provs[pi]
		var c orb.Point
		found := false
		for range 100000 {
			c = orb.Point{
				p.bound.Min[0] + g.r.Float64()*(p.bound.Max[0]-p.bound.Min[0]),
				p.bound.Min[1] + g.r.Float64()*(p.bound.Max[1]-p.bound.Min[1]),
			}
			if contains(p.unit.Geometry, c) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("demo: found no point inside admin unit %s", p.unit.Code)
		}
		g.clusters = append(g.clusters, cluster{prov: pi, c: c, dist: boundaryDist(p.unit.Geometry, c, 0)})
	}
	return nil
}

// shape fills g.ux, g.uy with a star-shaped ring of n vertices around the origin, of mean radius 1 and minimum
// radius at least 0.45, counterclockwise, and returns its largest radius.
func (g *gen) shape(n int) float64 {
	r := g.r
	var amp, phase [6]float64
	h := 2 + r.IntN(4) // harmonics 1..h
	sum := 0.0
	for k := 1; k <= h; k++ {
		amp[k] = r.Float64() / float64(k)
		if k == 2 {
			amp[k] *= 2 // elongated strike footprints
		}
		phase[k] = r.Float64() * 2 * math.Pi
		sum += amp[k]
	}
	scale := (0.15 + 0.4*r.Float64()) / sum // sum of amplitudes in [0.15, 0.55]
	g.ux, g.uy = g.ux[:0], g.uy[:0]
	maxR := 0.0
	step := 2 * math.Pi / float64(n)
	var ca, sa [6]float64 // amp[k]*cos(phase[k]), amp[k]*sin(phase[k])
	for k := 1; k <= h; k++ {
		s, c := math.Sincos(phase[k])
		ca[k], sa[k] = scale*amp[k]*c, scale*amp[k]*s
	}
	for i := range n {
		t := step * (float64(i) + 0.6*r.Float64()) // strictly increasing, below 2pi
		s1, c1 := math.Sincos(t)
		// r = 1 + sum a_k cos(k t + phi_k), with cos(kt), sin(kt) by the angle-addition recurrence.
		rr := 1.0
		ck, sk := 1.0, 0.0
		for k := 1; k <= h; k++ {
			ck, sk = ck*c1-sk*s1, sk*c1+ck*s1
			rr += ca[k]*ck - sa[k]*sk
		}
		maxR = max(maxR, rr)
		g.ux = append(g.ux, rr*c1)
		g.uy = append(g.uy, rr*s1)
	}
	return maxR
}

func unitArea(x, y []float64) float64 {
	a := 0.0
	n := len(x)
	for i := range n {
		j := (i + 1) % n
		a += x[i]*y[j] - x[j]*y[i]
	}
	return a / 2
}

// place finds a centre for a hazard area of bounding radius maxR near a strike site: inside the province with
// its whole bounding circle, and clear of every other hazard area. It returns the province and the centre,
// rounded to 7 decimals.
func (g *gen) place(maxR float64) (int, orb.Point, error) {
	r := g.r
	ci := r.IntN(len(g.clusters))
	need := maxR + borderGap
	for try := range maxPlaceTry {
		if try > 0 && try%16 == 0 {
			ci = r.IntN(len(g.clusters)) // this site is full: another one
		}
		cl := &g.clusters[ci]
		grow := 1 + float64(try%16)/8 // spread outward after failures
		dx, dy := r.NormFloat64()*clusterSigma*grow, r.NormFloat64()*clusterSigma*grow
		d := math.Hypot(dx, dy)
		if d > clusterMax*grow {
			continue
		}
		c := orb.Point{round7(cl.c[0] + dx/lonScale(cl.c[1])), round7(cl.c[1] + dy/mPerDeg)}
		if cl.dist-d <= need+1 { // near the boundary: check exactly
			p := &g.provs[cl.prov]
			if !p.bound.Contains(c) || !contains(p.unit.Geometry, c) ||
				boundaryDist(p.unit.Geometry, c, need) <= need {
				continue
			}
		}
		if !g.grid.free(c, maxR, hazardGap) {
			continue
		}
		g.grid.add(c, maxR)
		return cl.prov, c, nil
	}
	return 0, orb.Point{}, fmt.Errorf("demo: no room for hazard area %d after %d tries: too many hazards for these units",
		len(g.grid.circles)+1, maxPlaceTry)
}

func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return lo * math.Exp(r.Float64()*math.Log(hi/lo))
}

// poisson draws a Poisson variate (a rounded normal one for large means).
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 30 {
		l, p := math.Exp(-mean), r.Float64()
		k := 0
		for p > l {
			p *= r.Float64()
			k++
		}
		return k
	}
	return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
}

func (g *gen) devices(cont lr.Contamination, kind lr.Kind) []string {
	r := g.r
	var nc, no int
	switch cont {
	case lr.ContaminationCMR:
		nc = 1
		if r.Float64() < 0.4 {
			nc++
		}
		if r.Float64() < 0.12 {
			nc++
		}
	case lr.ContaminationMixed:
		nc, no = 1, 1
		if r.Float64() < 0.3 {
			nc++
		}
	default:
		no = 1
		if r.Float64() < 0.3 {
			no++
		}
	}
	if kind == lr.KindSHA && cont != lr.ContaminationMixed && r.Float64() < 0.15 {
		return nil // suspected, type unknown
	}
	out := make([]string, 0, nc+no)
	out = addDistinct(r, out, &cmrDevices, nc)
	return addDistinct(r, out, &otherDevices, no)
}

func addDistinct(r *rand.Rand, out []string, t *table[string], n int) []string {
	for want := len(out) + n; len(out) < want; {
		if d := t.pick(r); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// items returns the devices destroyed on area m2 at density (items per 1000 m2), split among types, the
// first type dominant; zero counts are left out. nil when none.
func items(r *rand.Rand, types []string, area, density float64) map[string]int {
	total := poisson(r, area/1000*density)
	if total == 0 || len(types) == 0 {
		return nil
	}
	m := make(map[string]int, len(types))
	left := total
	if len(types) > 1 {
		rest := float64(total) * (0.1 + 0.35*r.Float64())
		for _, t := range types[1:] {
			n := min(left, int(math.Round(rest*r.Float64()*2/float64(len(types)-1))))
			if n > 0 {
				m[t] = n
				left -= n
			}
		}
	}
	if left > 0 {
		m[types[0]] += left
	}
	return m
}

// hazard makes the seq-th hazard area, identified on day, with its releases and reclassification.
func (g *gen) hazard(seq, day int) (*lr.HazardArea, []*lr.LandRelease, *Reclassification, error) {
	r := g.r
	h := &lr.HazardArea{Kind: lr.KindSHA, Status: lr.StatusOpen, IdentifiedOn: g.date(day)}
	var ha float64
	if r.Float64() < ShareCHA {
		h.Kind = lr.KindCHA
		h.Evidence = lr.Evidence{Type: lr.EvidenceDirect, Category: directCategories.pick(r)}
		ha = logUniform(r, 0.5, 12)
	} else {
		h.Evidence = lr.Evidence{Type: lr.EvidenceIndirect, Category: indirectCategories.pick(r)}
		ha = logUniform(r, 5, 80)
	}
	u := r.Float64()
	n := min(MaxVertices, MinVertices+int(float64(MaxVertices-MinVertices+1)*u*u*u))
	maxR := g.shape(n)
	s := math.Sqrt(ha * 1e4 / unitArea(g.ux, g.uy))
	pi, c, err := g.place(s * maxR)
	if err != nil {
		return nil, nil, nil, err
	}
	p := &g.provs[pi]

	// The ring, rounded, without repeated consecutive vertices; tri[i] is the area in m2 of the fan
	// triangle (c, v[i], v[i+1]).
	kx := lonScale(c[1])
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		v := orb.Point{round7(c[0] + s*g.ux[i]/kx), round7(c[1] + s*g.uy[i]/mPerDeg)}
		if len(ring) == 0 || v != ring[len(ring)-1] {
			ring = append(ring, v)
		}
	}
	for len(ring) > 1 && ring[len(ring)-1] == ring[0] {
		ring = ring[:len(ring)-1]
	}
	n = len(ring)
	if n < MinVertices {
		return nil, nil, nil, fmt.Errorf("demo: hazard ring collapsed to %d vertices", n)
	}
	g.tri = g.tri[:0]
	for i := range n {
		a, b := ring[i], ring[(i+1)%n]
		ax, ay := (a[0]-c[0])*kx, (a[1]-c[1])*mPerDeg
		bx, by := (b[0]-c[0])*kx, (b[1]-c[1])*mPerDeg
		g.tri = append(g.tri, (ax*by-bx*ay)/2)
	}
	ring = append(ring, ring[0])
	h.Geometry = orb.MultiPolygon{orb.Polygon{ring}}

	year := h.IdentifiedOn.Year()
	h.LocalID = localID(p.prefix, year, seq)
	h.Contamination = contaminations.pick(r)
	h.Devices = g.devices(h.Contamination, h.Kind)
	if h.Kind == lr.KindCHA {
		h.Marking = markingCHA.pick(r)
	} else {
		h.Marking = markingSHA.pick(r)
	}
	h.Priority = priorities.pick(r)
	h.LandUse = landUses.pick(r)
	h.Organisation = organisations.pick(r)
	if r.Float64() < 0.25 {
		h.Notes = notes[r.IntN(len(notes))]
	}

	// Releases: k sectors of the ring, dated after identification.
	span := g.endDay - day
	k, full := 0, false
	if span > 0 {
		k = min(MaxReleases, poisson(r, g.opt.MeanReleases))
		full = r.Float64() < ShareFull
		if full && k == 0 {
			k = 1
		}
	}
	var rc *Reclassification
	recDay := math.MaxInt
	if h.Kind == lr.KindSHA && span > 0 && r.Float64() < ShareReclassified {
		recDay = day + 1 + r.IntN(span)
		rc = &Reclassification{LocalID: h.LocalID, On: g.date(recDay),
			Evidence: lr.Evidence{Type: lr.EvidenceDirect, Category: directCategories.pick(r)}}
		// Direct evidence: the devices seen, often one more than suspected.
		t := &cmrDevices
		if h.Contamination == lr.ContaminationOther {
			t = &otherDevices
		}
		rc.Devices = slices.Clone(h.Devices)
		if len(rc.Devices) < 2 {
			rc.Devices = addDistinct(r, rc.Devices, t, 1)
		}
	}
	if k == 0 {
		return h, nil, rc, nil
	}
	g.relDays = g.relDays[:0]
	for range k {
		d := day + 1 + r.IntN(span)
		j, _ := slices.BinarySearch(g.relDays, d)
		g.relDays = slices.Insert(g.relDays, j, d)
	}
	// Sector m covers the edges cuts[m]..cuts[m+1]-1, counted from start.
	start := r.IntN(n)
	l := n
	if !full {
		l = min(n-1, max(k, int(math.Round(float64(n)*(0.1+0.75*r.Float64())))))
	}
	g.cuts = g.cuts[:0]
	for i := 1; i < l; i++ {
		g.cuts = append(g.cuts, i)
	}
	for i := range k - 1 { // partial Fisher-Yates: k-1 distinct cut points in 1..l-1
		j := i + r.IntN(len(g.cuts)-i)
		g.cuts[i], g.cuts[j] = g.cuts[j], g.cuts[i]
	}
	g.cuts = append(g.cuts[:k-1], 0, l)
	slices.Sort(g.cuts)

	density := math.Exp(0.6*r.NormFloat64() - 0.18) // items per 1000 m2, mean 1
	devs := h.Devices
	if rc != nil {
		devs = rc.Devices // what was found
	}
	cmrTypes, otherTypes := splitDevices(devs)
	if len(cmrTypes) == 0 && h.Contamination != lr.ContaminationOther {
		cmrTypes = []string{"BLU-26"}
	}
	if len(otherTypes) == 0 && h.Contamination == lr.ContaminationOther {
		otherTypes = []string{otherDevices.vals[0]}
	}
	// The releases of one hazard share a few backing arrays, each element capped, to save allocations.
	rs := make([]*lr.LandRelease, k)
	rels := make([]lr.LandRelease, k)
	rings := make([]orb.Ring, k)
	polys := make([]orb.Polygon, k)
	ints := make([]int, k)
	var pts []orb.Point
	if full && k == 1 {
		pts = slices.Clone(ring)
	} else {
		pts = make([]orb.Point, 0, g.cuts[k]+3*k)
	}
	for m := range k {
		d := g.relDays[m]
		rel := &rels[m]
		*rel = lr.LandRelease{
			LocalID:      h.LocalID + "-R" + strconv.Itoa(m+1),
			HazardArea:   h.LocalID,
			CompletedOn:  g.date(d),
			Organisation: h.Organisation,
		}
		if r.Float64() < 0.2 {
			rel.Organisation = organisations.pick(r)
		}
		a, b := g.cuts[m], g.cuts[m+1]
		area := 0.0
		for e := a; e < b; e++ {
			area += g.tri[(start+e)%n]
		}
		if full && k == 1 {
			rings[m] = pts
		} else {
			i0 := len(pts)
			pts = append(pts, c)
			for e := a; e <= b; e++ {
				pts = append(pts, ring[(start+e)%n])
			}
			pts = append(pts, c)
			rings[m] = orb.Ring(pts[i0:len(pts):len(pts)])
		}
		polys[m] = rings[m : m+1 : m+1]
		rel.Geometry = orb.MultiPolygon(polys[m : m+1 : m+1])
		confirmed := h.Kind == lr.KindCHA || d > recDay
		switch {
		case confirmed && r.Float64() < 0.8:
			rel.Method = lr.MethodCleared
			ints[m] = depths.pick(r)
			rel.DepthCM = &ints[m]
		case confirmed || r.Float64() < 0.3:
			rel.Method = lr.MethodReduced
			rel.Criteria = reduceCriteria[r.IntN(len(reduceCriteria))]
		default:
			rel.Method = lr.MethodCancelled
			rel.Criteria = cancelCriteria[r.IntN(len(cancelCriteria))]
		}
		switch {
		case rel.Method == lr.MethodCleared:
			if h.Contamination == lr.ContaminationOther {
				rel.ItemsDestroyed = items(r, otherTypes, area, density*0.2)
			} else {
				rel.ItemsDestroyed = items(r, cmrTypes, area, density)
				if h.Contamination == lr.ContaminationMixed && len(otherTypes) > 0 {
					if cnt := poisson(r, area/10000*density); cnt > 0 {
						if rel.ItemsDestroyed == nil {
							rel.ItemsDestroyed = map[string]int{}
						}
						rel.ItemsDestroyed[otherTypes[0]] = cnt
					}
				}
			}
		case rel.Method == lr.MethodReduced && r.Float64() < 0.1:
			types := cmrTypes
			if len(types) == 0 {
				types = otherTypes
			}
			rel.ItemsDestroyed = map[string]int{types[0]: 1 + r.IntN(3)}
		}
		beneficiaries(rel, area, h.LandUse)
		rs[m] = rel
	}
	return h, rs, rc, nil
}

// beneficiaries gives three releases in four completed in 2019 or later (GICHD's minimum data requirements ask
// for them) the people they benefit, about one person per 1,000 m2 released, and the land's use after release
// (mostly its use before). The draws come from a generator of the release's own, seeded by its local ID, so that
// the demo's other figures do not move.
func beneficiaries(rel *lr.LandRelease, areaM2 float64, use lr.LandUse) {
	if rel.CompletedOn.Year() < 2019 {
		return
	}
	f := fnv.New64a()
	f.Write([]byte(rel.LocalID))
	r := rand.New(rand.NewPCG(f.Sum64(), 0x62656e6566))
	if r.Float64() < 0.25 {
		return
	}
	people := min(2+int(areaM2/1000*(0.5+r.Float64())), 5000)
	children := int(float64(people) * (0.35 + 0.15*r.Float64()))
	adults := people - children
	women := int(float64(adults) * (0.45 + 0.1*r.Float64()))
	girls := int(float64(children) * (0.45 + 0.1*r.Float64()))
	b := &lr.Beneficiaries{Women: women, Men: adults - women, Girls: girls, Boys: children - girls}
	b.WithDisabilities = min(int(float64(people)*0.06*r.Float64()+0.5), people)
	rel.Beneficiaries = b
	rel.LandUseAfter = use
	if use == "" || r.Float64() < 0.15 {
		rel.LandUseAfter = lr.LandUseAgriculture
	}
}

// splitDevices separates submunitions from other ordnance.
func splitDevices(devs []string) (cmr, other []string) {
	for _, d := range devs {
		if slices.Contains(otherDevices.vals, d) {
			other = append(other, d)
		} else {
			cmr = append(cmr, d)
		}
	}
	return cmr, other
}

// localID is prefix-YYYY-seq, seq of at least 6 digits.
func localID(prefix string, year, seq int) string {
	b := make([]byte, 0, len(prefix)+16)
	b = append(b, prefix...)
	b = append(b, '-')
	b = appendPadded(b, year, 4)
	b = append(b, '-')
	b = appendPadded(b, seq, 6)
	return string(b)
}

func appendPadded(b []byte, v, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
