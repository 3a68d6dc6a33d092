package landrelease

import (
	"context"

	"github.com/paulmach/orb"
)

// AdminUnit is a unit of the national gazetteer: a province (level 1) or a district (level 2).
type AdminUnit struct {
	Level      int
	Code       string // e.g. an OCHA P-code
	Name       string
	ParentCode string
	Properties map[string]any
	Geometry   orb.MultiPolygon
}

// AdminUnitService keeps the gazetteer.
type AdminUnitService interface {
	// ImportAdminUnits inserts or replaces the units of one level by code and re-assigns every hazard area of
	// that level by largest overlap, in one transaction. EINVALID (a bad geometry, a duplicate code), EFORBIDDEN.
	ImportAdminUnits(ctx context.Context, level int, units []*AdminUnit) error
	// FindAdminUnits lists the units of a level (0 for all) ordered by level and code, geometries included when withGeometry.
	FindAdminUnits(ctx context.Context, level int, withGeometry bool) ([]*AdminUnit, error)
}
