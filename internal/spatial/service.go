package spatial

import (
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Service answers landrelease.SpatialIndex from an Index of items that carry their hazard areas.
type Service struct {
	Index  *Index
	loaded atomic.Bool
}

// NewService returns a service on a new, empty index; it is not ready until Load.
func NewService() *Service { return &Service{Index: New()} }

var _ landrelease.SpatialIndex = (*Service)(nil)

// Load replaces the index's content with hs and marks the service ready.
func (s *Service) Load(hs []*landrelease.HazardArea) {
	items := make([]*Item, len(hs))
	for i, h := range hs {
		items[i] = ItemOf(h)
	}
	s.Index.Replace(items)
	s.loaded.Store(true)
}

// Apply upserts and removes hazard areas; call it only after the database committed them.
func (s *Service) Apply(upserts []*landrelease.HazardArea, removes []int64) {
	items := make([]*Item, len(upserts))
	for i, h := range upserts {
		items[i] = ItemOf(h)
	}
	s.Index.Apply(items, removes)
}

// Ready reports whether Load has run.
func (s *Service) Ready() bool { return s.loaded.Load() }

func filterOf(f landrelease.HazardAreaFilter) Filter {
	return Filter{Kind: f.Kind, Status: f.Status, Contamination: f.Contamination}
}

// inAdmin reports whether h is assigned to the admin unit code (any level); "" matches all.
func inAdmin(h *landrelease.HazardArea, code string) bool {
	return code == "" || (h.Admin1 != nil && h.Admin1.Code == code) || (h.Admin2 != nil && h.Admin2.Code == code)
}

func hazards(items []*Item, admin string) []*landrelease.HazardArea {
	out := make([]*landrelease.HazardArea, 0, len(items))
	for _, it := range items {
		if it.Hazard != nil && inAdmin(it.Hazard, admin) {
			out = append(out, it.Hazard)
		}
	}
	return out
}

// Point returns the areas whose open part covers p.
func (s *Service) Point(p orb.Point, f landrelease.HazardAreaFilter) []*landrelease.HazardArea {
	return hazards(s.Index.Snapshot().Point(p, filterOf(f)), f.Admin)
}

// BBox returns the areas intersecting b.
func (s *Service) BBox(b orb.Bound, f landrelease.HazardAreaFilter) []*landrelease.HazardArea {
	return hazards(s.Index.Snapshot().BBox(b, filterOf(f)), f.Admin)
}

// Intersecting returns the areas whose open part intersects g.
func (s *Service) Intersecting(g orb.MultiPolygon, f landrelease.HazardAreaFilter) []*landrelease.HazardArea {
	return hazards(s.Index.Snapshot().Intersecting(g, filterOf(f)), f.Admin)
}

// Near returns the areas whose open part lies within meters of p, nearest first.
func (s *Service) Near(p orb.Point, meters float64, f landrelease.HazardAreaFilter) []landrelease.NearHit {
	hits := s.Index.Snapshot().Near(p, meters, filterOf(f))
	out := make([]landrelease.NearHit, 0, len(hits))
	for _, h := range hits {
		if h.Item.Hazard != nil && inAdmin(h.Item.Hazard, f.Admin) {
			out = append(out, landrelease.NearHit{HazardArea: h.Item.Hazard, DistanceM: h.DistanceM})
		}
	}
	return out
}
