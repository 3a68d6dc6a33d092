package api

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// Fast GeoJSON output of the index path. Encoding full geometries with encoding/json (through orb's geojson
// marshaling) costs most of a spatial query's time, while the index hands out the same immutable
// *landrelease.HazardArea values request after request: each feature's JSON is therefore encoded once, kept in
// the Server's featureCache, and a page is written by joining the cached features inside a hand-written FeatureCollection
// wrapper. The bytes are those of geoJSON(c, 200, geojson.Collection{...}): encode_test.go compares them.

// featureCacheBytes bounds the memory of a Server's cache of encoded features.
const featureCacheBytes = 256 << 20

const cacheShards = 64

// featureCache maps a hazard area to its encoded feature, for each choice of drawn geometry (full or remaining).
//
// An entry is valid for the content of one *landrelease.HazardArea value, not for an (ID, version) pair: a land
// release changes an area's remaining polygon, remaining area and releases_since without a new version, and the
// index then holds a new value. An entry keeps the value it was encoded from; a lookup with that same value hits
// at once, a lookup with another value hits only when sameHazard finds every input of the encoding identical
// (the change feed hands the index fresh values of unchanged areas, and then the entry moves to the new value,
// letting the old one go), and otherwise encodes again. Memory is bounded by a byte budget that counts the
// encoded features and the geometries of the values entries keep: a shard over its share evicts arbitrary entries.
type featureCache struct {
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
	h    atomic.Pointer[landrelease.HazardArea] // the value b was encoded from, or one sameHazard finds identical
	b    []byte                                 // the feature's JSON, without a trailing newline; never modified
	cost int
}

func newFeatureCache(maxBytes int) *featureCache {
	c := &featureCache{budget: maxBytes / cacheShards}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]*cacheEntry)
	}
	return c
}

// get returns geojson.Hazard(h, rem) encoded as geoJSON encodes it (HTML characters not escaped), without the
// trailing newline. The caller must not modify the result.
func (c *featureCache) get(h *landrelease.HazardArea, rem bool) ([]byte, error) {
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
		if sameHazard(old, h, rem) {
			e.h.CompareAndSwap(old, h) // keep the index's current value rather than a superseded one
			return e.b, nil
		}
	}
	b, err := encodeFeature(h, rem)
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

// sameHazard reports whether geojson.Hazard(a, rem) and geojson.Hazard(b, rem) are sure to encode to the same
// bytes because every field it reads is identical: strings and numbers equal (floats bit for bit, so that -0 and
// 0 differ), times of the same representation (location included), the drawn geometry vertex for vertex.
// TestSameHazardCoversEveryField keeps it in step with landrelease.HazardArea.
func sameHazard(a, b *landrelease.HazardArea, rem bool) bool {
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
		a.Withdrawn == b.Withdrawn && sameFloat(a.AreaM2, b.AreaM2) && sameFloat(a.RemainingAreaM2, b.RemainingAreaM2) &&
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

// encodeFeature encodes one hazard feature with the encoder of geoJSON.
func encodeFeature(h *landrelease.HazardArea, rem bool) ([]byte, error) {
	var buf bytes.Buffer
	if err := jsonEncoder(&buf).Encode(geojson.Hazard(h, rem)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// collection is the page writeList answers, built the reference way: encoded by geoJSON, it gives the bytes
// appendCollection writes.
func collection(hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []geojson.Link, timeStamp string) geojson.Collection[geojson.HazardProperties] {
	out := geojson.Collection[geojson.HazardProperties]{Type: "FeatureCollection", Features: make([]geojson.Feature[geojson.HazardProperties], 0, len(hs)),
		NumberReturned: len(hs), TimeStamp: timeStamp, Links: links}
	for _, h := range hs {
		ft := geojson.Hazard(h, rem)
		if d, ok := dist[h.ID]; ok {
			d = roundDistance(d)
			ft.Properties.DistanceM = &d
		}
		out.Features = append(out.Features, ft)
	}
	return out
}

// roundDistance rounds a near query's distance to the centimetre.
func roundDistance(d float64) float64 { return float64(int64(d*100+0.5)) / 100 }

// sharesPolygon reports whether h's remaining polygon is its whole polygon, held once (an area with no release
// counting against it): the cache then keeps one polygon, not two.
func sharesPolygon(h *landrelease.HazardArea) bool {
	return len(h.Geometry) > 0 && len(h.Remaining) == len(h.Geometry) && &h.Remaining[0] == &h.Geometry[0]
}

// appendCollection appends to buf the JSON of collection(hs, rem, dist, links, timeStamp) as geoJSON writes it,
// trailing newline included, from the cached features. It fails where encoding/json would (a NaN, say).
func (c *featureCache) appendCollection(buf []byte, hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []geojson.Link, timeStamp string) ([]byte, error) {
	buf = append(buf, `{"type":"FeatureCollection","features":[`...)
	for i, h := range hs {
		if i > 0 {
			buf = append(buf, ',')
		}
		b, err := c.get(h, rem)
		if err != nil {
			return buf, err
		}
		d, ok := dist[h.ID]
		if !ok {
			buf = append(buf, b...)
			continue
		}
		// DistanceM is the last property (omitempty) and properties the last member of a feature: the
		// feature ends with "}}", and the distance goes before them.
		if !bytes.HasSuffix(b, []byte("}}")) {
			return buf, errUnexpectedFeature
		}
		buf = append(buf, b[:len(b)-2]...)
		buf = append(buf, `,"distance_m":`...)
		var ferr error
		if buf, ferr = appendJSONFloat(buf, roundDistance(d)); ferr != nil {
			return buf, ferr
		}
		buf = append(buf, "}}"...)
	}
	buf = append(buf, ']')
	if len(links) > 0 {
		buf = append(buf, `,"links":[`...)
		for i, l := range links {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"href":`...)
			buf = appendJSONString(buf, l.Href)
			buf = append(buf, `,"rel":`...)
			buf = appendJSONString(buf, l.Rel)
			if l.Type != "" {
				buf = append(buf, `,"type":`...)
				buf = appendJSONString(buf, l.Type)
			}
			buf = append(buf, '}')
		}
		buf = append(buf, ']')
	}
	buf = append(buf, `,"numberReturned":`...)
	buf = strconv.AppendInt(buf, int64(len(hs)), 10)
	if timeStamp != "" {
		buf = append(buf, `,"timeStamp":`...)
		buf = appendJSONString(buf, timeStamp)
	}
	return append(buf, "}\n"...), nil
}

type encodeError string

func (e encodeError) Error() string { return string(e) }

const errUnexpectedFeature = encodeError("encode: a feature does not end with its properties")

// appendJSONFloat appends f as encoding/json writes a float64.
func appendJSONFloat(buf []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return buf, encodeError("encode: unsupported value " + strconv.FormatFloat(f, 'g', -1, 64))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' { // clean up e-09 to e-9
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf, nil
}

// appendJSONString appends s as a JSON string the way geoJSON's encoder (HTML not escaped) does.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			var b bytes.Buffer
			_ = jsonEncoder(&b).Encode(s) // a string always encodes
			return append(buf, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// bodies recycles response buffers of the index path.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// writeCollection writes collection(hs, rem, dist, links, now) as geoJSON does, from cached features. When that
// fails it leaves the response alone and reports false, for the caller to take the reference path.
func (s *Server) writeCollection(c echo.Context, hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []geojson.Link, timeStamp string) (bool, error) {
	bp := bodies.Get().(*[]byte)
	buf, err := s.features.appendCollection((*bp)[:0], hs, rem, dist, links, timeStamp)
	if err != nil {
		*bp = buf[:0]
		bodies.Put(bp)
		return false, nil
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mediaGeoJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(buf)))
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(buf)
	if cap(buf) <= 4<<20 { // do not keep the buffers of huge pages
		*bp = buf[:0]
		bodies.Put(bp)
	}
	return true, err
}

// timeStamp is the timeStamp of a page written now, by the server's clock.
func (s *Server) timeStamp() string { return s.cfg.Now().UTC().Format(time.RFC3339) }
