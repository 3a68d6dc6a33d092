// Package spatial is the in-memory spatial index of current hazard areas.
//
// It answers "is this place inside a hazard area?" and its neighbours (by
// box, by distance, by intersection) from an R-tree, while PostGIS stays the
// source of truth: the index holds a copy of each area's current version and
// is fed by its owner after the database has committed.
//
// Readers never wait for writers. The index publishes immutable snapshots
// through an atomic pointer; a writer serializes on a mutex, takes an O(1)
// copy-on-write copy of the current R-tree and ID map, applies its changes to
// the copy and publishes it. A snapshot taken before a write keeps answering
// from the state it saw.
//
// Geometries are WGS 84 longitude, latitude. Point, BBox and Intersecting are
// planar in lon/lat (as PostGIS geometry predicates are); Near measures
// geodesic distances on the WGS 84 ellipsoid (see Snapshot.Near). Areas that
// cross the antimeridian are not supported.
package spatial

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Item is what the index keeps of one hazard area (its current version).
//
// The index stores its own shallow copy of each Item it is given; the
// geometries are shared, so callers must not modify them afterwards. Items
// returned by queries belong to the index and must not be modified.
type Item struct {
	ID            int64
	LocalID       string
	Kind          landrelease.Kind
	Status        landrelease.Status
	Contamination landrelease.Contamination
	Geometry      orb.MultiPolygon // the whole area: bbox queries match it
	Remaining     orb.MultiPolygon // the open part, not yet released: point, near and intersecting queries match it (may be empty)
	// Hazard is the full current record, answered as it is (nil in tests that need only geometry).
	Hazard *landrelease.HazardArea

	geomBound orb.Bound // bounds of Geometry: the R-tree key
	remBound  orb.Bound // bounds of Remaining
	hasGeom   bool      // Geometry has at least one vertex
	hasRem    bool      // Remaining has at least one vertex
}

// Filter narrows answers; zero values mean: any kind, status open, any contamination.
type Filter struct {
	Kind          landrelease.Kind
	Status        landrelease.Status // "" (open), open, closed, all (landrelease.StatusAll)
	Contamination landrelease.Contamination
}

func (f Filter) match(it *Item) bool {
	if f.Kind != "" && it.Kind != f.Kind {
		return false
	}
	switch f.Status {
	case "":
		if it.Status != landrelease.StatusOpen {
			return false
		}
	case landrelease.StatusAll:
	default:
		if it.Status != f.Status {
			return false
		}
	}
	return f.Contamination == "" || it.Contamination == f.Contamination
}

// Index is the spatial index. Its zero value is not usable: call New.
type Index struct {
	mu   sync.Mutex // serializes writers
	snap atomic.Pointer[Snapshot]
	gen  uint64 // the last generation given to a writer's ID map (see idMap.forWriter); under mu
}

// nextGen returns a generation that no node of the index's ID maps has yet. Call it with ix.mu held.
func (ix *Index) nextGen() uint64 {
	ix.gen++
	return ix.gen
}

// Snapshot is an immutable state of the index. It is safe for concurrent use.
type Snapshot struct {
	tree *rtree.RTreeG[*Item] // keyed by Item.geomBound
	ids  idMap
}

// New returns an empty index.
func New() *Index {
	ix := &Index{}
	ix.snap.Store(&Snapshot{tree: &rtree.RTreeG[*Item]{}})
	return ix
}

// Snapshot returns the current snapshot. It never blocks.
func (ix *Index) Snapshot() *Snapshot { return ix.snap.Load() }

// Len returns the number of items in s.
func (s *Snapshot) Len() int { return s.ids.n }

// Get returns the item with the given ID, or nil.
func (s *Snapshot) Get(id int64) *Item { return s.ids.get(id) }

// Replace swaps in a new set of items (start-up load), returning the snapshot
// published. When an ID occurs twice the later item wins.
func (ix *Index) Replace(items []*Item) *Snapshot {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s := &Snapshot{tree: &rtree.RTreeG[*Item]{}}
	s.ids = s.ids.forWriter(ix.nextGen())
	for _, in := range items {
		s.upsert(prepare(in))
	}
	ix.snap.Store(s)
	return s
}

// Apply upserts items (by ID) and removes ids, atomically for readers: a
// reader sees all of the changes or none. Call it only after the database
// committed them. Upserts are applied before removes.
func (ix *Index) Apply(upserts []*Item, removes []int64) *Snapshot {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	cur := ix.snap.Load()
	s := &Snapshot{tree: cur.tree.Copy(), ids: cur.ids.forWriter(ix.nextGen())}
	for _, in := range upserts {
		s.upsert(prepare(in))
	}
	for _, id := range removes {
		if old := s.ids.get(id); old != nil {
			s.tree.Delete(old.geomBound.Min, old.geomBound.Max, old)
			s.ids = s.ids.set(id, nil)
		}
	}
	ix.snap.Store(s)
	return s
}

// upsert inserts it into s, which must be private to the writer.
func (s *Snapshot) upsert(it *Item) {
	if old := s.ids.get(it.ID); old != nil {
		s.tree.Delete(old.geomBound.Min, old.geomBound.Max, old)
	}
	s.tree.Insert(it.geomBound.Min, it.geomBound.Max, it)
	s.ids = s.ids.set(it.ID, it)
}

// prepare returns the index's own copy of in, with its bounds computed.
func prepare(in *Item) *Item {
	it := *in
	it.geomBound = boundOf(it.Geometry)
	if len(it.Remaining) > 0 && len(it.Remaining) == len(it.Geometry) && &it.Remaining[0] == &it.Geometry[0] {
		it.remBound = it.geomBound // the same polygons (an area not released, shared by the feed)
	} else {
		it.remBound = boundOf(it.Remaining)
	}
	it.hasGeom = geo.Vertices(it.Geometry) > 0
	it.hasRem = geo.Vertices(it.Remaining) > 0
	if !it.hasRem {
		it.remBound = orb.Bound{}
	}
	// Remaining lies within Geometry; make sure the tree key covers it even
	// when the data say otherwise by a rounding error.
	if it.hasRem {
		it.geomBound = it.geomBound.Union(it.remBound)
	}
	return &it
}

// boundOf returns the bounds of mp's vertices (the zero Bound when it has none). Plain comparisons rather than
// orb.Bound.Extend: this runs over every vertex of every area when the index loads (a quarter of the load's
// time at 10^6 areas with Extend).
func boundOf(mp orb.MultiPolygon) orb.Bound {
	first := true
	var minX, minY, maxX, maxY float64
	for _, p := range mp {
		for _, r := range p {
			for _, q := range r {
				if first {
					minX, minY, maxX, maxY = q[0], q[1], q[0], q[1]
					first = false
					continue
				}
				if q[0] < minX {
					minX = q[0]
				} else if q[0] > maxX {
					maxX = q[0]
				}
				if q[1] < minY {
					minY = q[1]
				} else if q[1] > maxY {
					maxY = q[1]
				}
			}
		}
	}
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}
}

func byID(a, b *Item) int { return cmp.Compare(a.ID, b.ID) }

// Point returns the items whose Remaining covers p (boundary included, holes
// respected), ordered by ID.
func (s *Snapshot) Point(p orb.Point, f Filter) []*Item {
	var out []*Item
	s.tree.Search(p, p, func(_, _ [2]float64, it *Item) bool {
		if it.hasRem && it.remBound.Contains(p) && f.match(it) && geo.Covers(it.Remaining, p) {
			out = append(out, it)
		}
		return true
	})
	slices.SortFunc(out, byID)
	return out
}

// BBox returns the items whose Geometry intersects the box b (an exact
// polygon-rectangle test, boundary included, not just bounds), ordered by ID.
func (s *Snapshot) BBox(b orb.Bound, f Filter) []*Item {
	var out []*Item
	s.tree.Search(b.Min, b.Max, func(_, _ [2]float64, it *Item) bool {
		if it.hasGeom && f.match(it) && multiPolygonIntersectsBox(it.Geometry, it.geomBound, b) {
			out = append(out, it)
		}
		return true
	})
	slices.SortFunc(out, byID)
	return out
}

// Intersecting returns the items whose Remaining intersects g (exact: they
// share at least one point, boundary included), ordered by ID.
func (s *Snapshot) Intersecting(g orb.MultiPolygon, f Filter) []*Item {
	if geo.Vertices(g) == 0 {
		return nil
	}
	q := newShape(g)
	var out []*Item
	s.tree.Search(q.bound.Min, q.bound.Max, func(_, _ [2]float64, it *Item) bool {
		if it.hasRem && it.remBound.Intersects(q.bound) && f.match(it) && q.intersects(it.Remaining) {
			out = append(out, it)
		}
		return true
	})
	slices.SortFunc(out, byID)
	return out
}

// ItemOf returns the item of a hazard area's current version.
func ItemOf(h *landrelease.HazardArea) *Item {
	return &Item{ID: h.ID, LocalID: h.LocalID, Kind: h.Kind, Status: h.Status, Contamination: h.Contamination,
		Geometry: h.Geometry, Remaining: h.Remaining, Hazard: h}
}
