package geojson

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// Fast GeoJSON pages of hazard areas. Encoding full geometries with encoding/json (through orb's geojson
// marshaling) costs most of a spatial query's time, while the index hands out the same immutable
// *landrelease.HazardArea values request after request: each feature's JSON is therefore encoded once, kept in a
// FeatureCache, and a page is written by joining the cached features inside a hand-written FeatureCollection
// wrapper. The bytes are those encoding/json writes for HazardCollection: cache_test.go compares them.

const cacheShards = 64

// FeatureCache maps a hazard area to its encoded feature, for each choice of drawn geometry (full or
// remaining). Its values are safe for concurrent use; the server that answers from the index owns one.
//
// An entry is valid for the content of one *landrelease.HazardArea value, not for an (ID, version) pair: a land
// release changes an area's remaining polygon, remaining area and releases_since without a new version, and the
// index then holds a new value. An entry keeps the value it was encoded from; a lookup with that same value hits
// at once, a lookup with another value hits only when encodesSame finds every input of the encoding identical
// (the change feed hands the index fresh values of unchanged areas, and then the entry moves to the new value,
// letting the old one go), and otherwise encodes again. Memory is bounded by a byte budget that counts the
// encoded features and the geometries of the values entries keep: a shard over its share evicts arbitrary entries.
type FeatureCache struct {
	budget int // bytes per shard
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu    sync.RWMutex
	m     map[cacheKey]*cacheEntry
	bytes int
	_     [40]byte // keep shards on separate cache lines
}

type cacheKey struct {
	id  int64
	rem bool
}

type cacheEntry struct {
	h    atomic.Pointer[landrelease.HazardArea] // the value b was encoded from, or one encodesSame finds identical
	b    []byte                                 // the open feature (appendOpenFeature); never modified
	cost int
}

// NewFeatureCache returns an empty cache that holds about maxBytes.
func NewFeatureCache(maxBytes int) *FeatureCache {
	c := &FeatureCache{budget: maxBytes / cacheShards}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]*cacheEntry)
	}
	return c
}

// get returns Hazard(h, rem) encoded open by appendOpenFeature. The caller must not modify the result.
func (c *FeatureCache) get(h *landrelease.HazardArea, rem bool) ([]byte, error) {
	k := cacheKey{h.ID, rem}
	sh := &c.shards[uint64(h.ID)%cacheShards]
	sh.mu.RLock()
	e := sh.m[k]
	sh.mu.RUnlock()
	if e != nil {
		old := e.h.Load()
		if old == h {
			return e.b, nil
		}
		if encodesSame(old, h, rem) {
			e.h.CompareAndSwap(old, h) // keep the index's current value rather than a superseded one
			return e.b, nil
		}
	}
	b, err := appendOpenFeature(nil, Hazard(h, rem))
	if err != nil {
		return nil, err
	}
	cost := len(b) + 16*geo.Vertices(h.Geometry) + 512
	if !sharesPolygon(h) {
		cost += 16 * geo.Vertices(h.Remaining)
	}
	if cost > c.budget/4 {
		return b, nil // too large to keep
	}
	ne := &cacheEntry{b: b, cost: cost}
	ne.h.Store(h)
	sh.mu.Lock()
	if old, ok := sh.m[k]; ok {
		sh.bytes -= old.cost
		delete(sh.m, k)
	}
	for k2, e2 := range sh.m {
		if sh.bytes+cost <= c.budget {
			break
		}
		sh.bytes -= e2.cost
		delete(sh.m, k2)
	}
	sh.m[k] = ne
	sh.bytes += cost
	sh.mu.Unlock()
	return b, nil
}

// encodesSame reports whether Hazard(a, rem) and Hazard(b, rem) are sure to encode to the same bytes because
// every field it reads is identical: strings and numbers equal (floats bit for bit, so that -0 and 0 differ),
// times of the same representation (location included), the drawn geometry vertex for vertex. It is the cache's
// validity test, not a rule of the registry (landrelease.UploadRepeatsHazard says when an upload repeats a
// record). TestEncodesSameCoversEveryField keeps it in step with landrelease.HazardArea.
func encodesSame(a, b *landrelease.HazardArea, rem bool) bool {
	if a == nil || b == nil {
		return false
	}
	ga, gb := a.Geometry, b.Geometry
	if rem {
		ga, gb = a.Remaining, b.Remaining
	}
	return a.ID == b.ID && a.LocalID == b.LocalID && a.Kind == b.Kind && a.Contamination == b.Contamination &&
		a.Evidence == b.Evidence && sameStrings(a.Devices, b.Devices) && a.Marking == b.Marking &&
		a.Priority == b.Priority && a.LandUse == b.LandUse && a.IdentifiedOn == b.IdentifiedOn &&
		a.Organisation == b.Organisation && a.Status == b.Status && a.Notes == b.Notes && a.Version == b.Version &&
		a.ValidFrom == b.ValidFrom && a.RecordedAt == b.RecordedAt && a.RecordedBy == b.RecordedBy &&
		a.Reason == b.Reason && a.StatusReason == b.StatusReason && sameTime(a.ReleasesSince, b.ReleasesSince) &&
		a.Withdrawn == b.Withdrawn && a.Residual == b.Residual && sameFloat(a.AreaM2, b.AreaM2) && sameFloat(a.RemainingAreaM2, b.RemainingAreaM2) &&
		sameAdmin(a.Admin1, b.Admin1) && sameAdmin(a.Admin2, b.Admin2) && sameGeometry(ga, gb)
}

func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func sameStrings(a, b []string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameTime(a, b *time.Time) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

func sameAdmin(a, b *landrelease.AdminRef) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

func sameGeometry(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) || (a[i] == nil) != (b[i] == nil) { // a nil ring or polygon encodes as null
			return false
		}
		for j := range a[i] {
			ra, rb := a[i][j], b[i][j]
			if len(ra) != len(rb) || (ra == nil) != (rb == nil) {
				return false
			}
			for k := range ra {
				if !sameFloat(ra[k][0], rb[k][0]) || !sameFloat(ra[k][1], rb[k][1]) {
					return false
				}
			}
		}
	}
	return true
}

// sharesPolygon reports whether h's remaining polygon is its whole polygon, held once (an area with no release
// counting against it): the cache then keeps one polygon, not two.
func sharesPolygon(h *landrelease.HazardArea) bool {
	return len(h.Geometry) > 0 && len(h.Remaining) == len(h.Geometry) && &h.Remaining[0] == &h.Geometry[0]
}

// AppendCollection appends to buf the JSON of HazardCollection(hs, rem, dist, links, timeStamp) as encoding/json
// writes it (HTML characters not escaped), trailing newline included, from the cached features: each feature is
// kept open, and the page adds distance_m to the properties of the areas dist holds before closing it. It fails
// where encoding/json would (a NaN, say).
func (c *FeatureCache) AppendCollection(buf []byte, hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []Link, timeStamp string) ([]byte, error) {
	buf = append(buf, `{"type":"FeatureCollection","features":[`...)
	for i, h := range hs {
		if i > 0 {
			buf = append(buf, ',')
		}
		b, err := c.get(h, rem)
		if err != nil {
			return buf, err
		}
		buf = append(buf, b...)
		if d, ok := dist[h.ID]; ok {
			if buf, err = appendFloatProperty(buf, "distance_m", roundDistance(d)); err != nil {
				return buf, err
			}
		}
		buf = closeFeature(buf)
	}
	buf = append(buf, ']')
	buf = appendLinks(buf, links)
	buf = append(buf, `,"numberReturned":`...)
	buf = strconv.AppendInt(buf, int64(len(hs)), 10)
	if timeStamp != "" {
		buf = append(buf, `,"timeStamp":`...)
		buf = appendJSONString(buf, timeStamp)
	}
	return append(buf, "}\n"...), nil
}
