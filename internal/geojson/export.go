package geojson

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The exported layers: each field is a property of the features feed writes (feature.go's, in the same order),
// its type in the files that have it, and its name in a Shapefile (docs/EXPORT.md prints the table).
// centroid_lon and centroid_lat, the centre of the feature's polygons, are added for CSV (withCentroid).
var (
	hazardExport = []landrelease.ExportField{
		{Name: "record", Short: "record", Type: landrelease.FieldString},
		{Name: "local_id", Short: "local_id", Type: landrelease.FieldString},
		{Name: "kind", Short: "kind", Type: landrelease.FieldString},
		{Name: "contamination", Short: "contamin", Type: landrelease.FieldString},
		{Name: "evidence", Short: "evidence", Type: landrelease.FieldString},
		{Name: "evidence_category", Short: "evid_cat", Type: landrelease.FieldString},
		{Name: "devices", Short: "devices", Type: landrelease.FieldJSON},
		{Name: "marking", Short: "marking", Type: landrelease.FieldString},
		{Name: "priority", Short: "priority", Type: landrelease.FieldString},
		{Name: "land_use", Short: "land_use", Type: landrelease.FieldString},
		{Name: "identified_on", Short: "ident_on", Type: landrelease.FieldDate},
		{Name: "organisation", Short: "org", Type: landrelease.FieldString},
		{Name: "status", Short: "status", Type: landrelease.FieldString},
		{Name: "status_reason", Short: "stat_rsn", Type: landrelease.FieldString},
		{Name: "notes", Short: "notes", Type: landrelease.FieldString},
		{Name: "area_m2", Short: "area_m2", Type: landrelease.FieldReal},
		{Name: "remaining_area_m2", Short: "remain_m2", Type: landrelease.FieldReal},
		{Name: "admin1_code", Short: "adm1_code", Type: landrelease.FieldString},
		{Name: "admin1_name", Short: "adm1_name", Type: landrelease.FieldString},
		{Name: "admin2_code", Short: "adm2_code", Type: landrelease.FieldString},
		{Name: "admin2_name", Short: "adm2_name", Type: landrelease.FieldString},
		{Name: "version", Short: "version", Type: landrelease.FieldInteger},
		{Name: "valid_from", Short: "valid_from", Type: landrelease.FieldDate},
		{Name: "recorded_at", Short: "rec_at", Type: landrelease.FieldDateTime},
		{Name: "recorded_by", Short: "rec_by", Type: landrelease.FieldString},
		{Name: "reason", Short: "reason", Type: landrelease.FieldString},
		{Name: "releases_since", Short: "rel_since", Type: landrelease.FieldDate},
		{Name: "withdrawn", Short: "withdrawn", Type: landrelease.FieldBoolean},
		{Name: "residual", Short: "residual", Type: landrelease.FieldBoolean},
	}
	releaseExport = []landrelease.ExportField{
		{Name: "record", Short: "record", Type: landrelease.FieldString},
		{Name: "local_id", Short: "local_id", Type: landrelease.FieldString},
		{Name: "hazard_area", Short: "haz_area", Type: landrelease.FieldString},
		{Name: "method", Short: "method", Type: landrelease.FieldString},
		{Name: "completed_on", Short: "compl_on", Type: landrelease.FieldDate},
		{Name: "organisation", Short: "org", Type: landrelease.FieldString},
		{Name: "criteria", Short: "criteria", Type: landrelease.FieldString},
		{Name: "depth_cm", Short: "depth_cm", Type: landrelease.FieldInteger},
		{Name: "items_destroyed", Short: "items_dest", Type: landrelease.FieldJSON},
		{Name: "beneficiaries_women", Short: "ben_women", Type: landrelease.FieldInteger},
		{Name: "beneficiaries_girls", Short: "ben_girls", Type: landrelease.FieldInteger},
		{Name: "beneficiaries_boys", Short: "ben_boys", Type: landrelease.FieldInteger},
		{Name: "beneficiaries_men", Short: "ben_men", Type: landrelease.FieldInteger},
		{Name: "beneficiaries_with_disabilities", Short: "ben_disab", Type: landrelease.FieldInteger},
		{Name: "land_use_after", Short: "land_after", Type: landrelease.FieldString},
		{Name: "area_m2", Short: "area_m2", Type: landrelease.FieldReal},
		{Name: "version", Short: "version", Type: landrelease.FieldInteger},
		{Name: "recorded_at", Short: "rec_at", Type: landrelease.FieldDateTime},
		{Name: "recorded_by", Short: "rec_by", Type: landrelease.FieldString},
		{Name: "reason", Short: "reason", Type: landrelease.FieldString},
		{Name: "withdrawn", Short: "withdrawn", Type: landrelease.FieldBoolean},
	}
	adminExport = []landrelease.ExportField{
		{Name: "level", Short: "level", Type: landrelease.FieldInteger},
		{Name: "code", Short: "code", Type: landrelease.FieldString},
		{Name: "name", Short: "name", Type: landrelease.FieldString},
		{Name: "parent_code", Short: "parent", Type: landrelease.FieldString},
	}
	centroidExport = []landrelease.ExportField{
		{Name: "centroid_lon", Short: "cent_lon", Type: landrelease.FieldReal},
		{Name: "centroid_lat", Short: "cent_lat", Type: landrelease.FieldReal},
	}
)

// ExportLayer returns the layer of collection c: its name is the collection's with underscores, its fields
// those its features carry, with centroid_lon and centroid_lat last when withCentroid (CSV), and its label the
// local ID (an admin unit's name).
func ExportLayer(c landrelease.ExportCollection, withCentroid bool) landrelease.ExportLayer {
	fields, label := hazardExport, "local_id"
	switch c {
	case landrelease.ExportLandReleases:
		fields = releaseExport
	case landrelease.ExportAdminUnits:
		fields, label = adminExport, "name"
	}
	l := landrelease.ExportLayer{Fields: append([]landrelease.ExportField(nil), fields...), Label: label}
	for _, r := range c {
		if r == '-' {
			r = '_'
		}
		l.Name += string(r)
	}
	if withCentroid {
		l.Fields = append(l.Fields, centroidExport...)
	}
	return l
}

// FeedOptions say how features are drawn for an export.
type FeedOptions struct {
	Remaining bool // hazard areas: the remaining (unreleased) polygon instead of the full one
	Centroid  bool // add centroid_lon and centroid_lat (CSV)
}

// centroid holds the properties a CSV export adds: the area-weighted centre of the feature's polygons, in
// degrees of longitude and latitude computed on the plane (null without a geometry).
type centroid struct {
	Lon *float64 `json:"centroid_lon"`
	Lat *float64 `json:"centroid_lat"`
}

func centroidOf(mp orb.MultiPolygon, on bool) *centroid {
	if !on {
		return nil
	}
	if len(mp) == 0 {
		return &centroid{}
	}
	p, _ := planar.CentroidArea(mp)
	lon, lat := round(p[0], 7), round(p[1], 7)
	return &centroid{Lon: &lon, Lat: &lat}
}

// exportHazard is a hazard area's feature with the centroid of a CSV export.
type exportHazard struct {
	HazardProperties
	*centroid
}

// exportRelease is a land release's feature with its beneficiaries as a column each (null when not recorded),
// for the formats of flat tables, and the centroid of a CSV export.
type exportRelease struct {
	ReleaseProperties
	BeneficiariesWomen            *int `json:"beneficiaries_women"`
	BeneficiariesGirls            *int `json:"beneficiaries_girls"`
	BeneficiariesBoys             *int `json:"beneficiaries_boys"`
	BeneficiariesMen              *int `json:"beneficiaries_men"`
	BeneficiariesWithDisabilities *int `json:"beneficiaries_with_disabilities"`
	*centroid
}

func newExportRelease(p ReleaseProperties, c *centroid) exportRelease {
	e := exportRelease{ReleaseProperties: p, centroid: c}
	if b := p.Beneficiaries; b != nil {
		e.BeneficiariesWomen, e.BeneficiariesGirls, e.BeneficiariesBoys, e.BeneficiariesMen, e.BeneficiariesWithDisabilities =
			&b.Women, &b.Girls, &b.Boys, &b.Men, &b.WithDisabilities
	}
	return e
}

type exportAdmin struct {
	AdminProperties
	*centroid
}

// FeedHazardAreas returns the feed of an export of the hazard areas f selects: a FeatureCollection written a
// feature at a time as landrelease.EachHazardArea reads them, each as Hazard draws it.
func FeedHazardAreas(ctx context.Context, svc landrelease.HazardAreaService, f landrelease.HazardAreaFilter, o FeedOptions) func(io.Writer) error {
	return func(w io.Writer) error {
		cw := newCollectionWriter(w)
		err := landrelease.EachHazardArea(ctx, svc, f, func(h *landrelease.HazardArea) error {
			ft := Hazard(h, o.Remaining)
			g := h.Geometry
			if o.Remaining {
				g = h.Remaining
			}
			return cw.write(Feature[exportHazard]{Type: ft.Type, ID: ft.ID, Geometry: ft.Geometry,
				Properties: exportHazard{ft.Properties, centroidOf(g, o.Centroid)}})
		})
		return cw.close(err)
	}
}

// FeedLandReleases returns the feed of an export of the land releases f selects, each as Release draws it.
func FeedLandReleases(ctx context.Context, svc landrelease.LandReleaseService, f landrelease.LandReleaseFilter, o FeedOptions) func(io.Writer) error {
	return func(w io.Writer) error {
		cw := newCollectionWriter(w)
		err := landrelease.EachLandRelease(ctx, svc, f, func(r *landrelease.LandRelease) error {
			ft := Release(r)
			return cw.write(Feature[exportRelease]{Type: ft.Type, ID: ft.ID, Geometry: ft.Geometry,
				Properties: newExportRelease(ft.Properties, centroidOf(r.Geometry, o.Centroid))})
		})
		return cw.close(err)
	}
}

// FeedAdminUnits returns the feed of an export of the admin units of a level (0: all), each as AdminUnitFeature
// draws it.
// The gazetteer is read whole: it holds a few hundred units.
func FeedAdminUnits(ctx context.Context, svc landrelease.AdminUnitService, level int, o FeedOptions) func(io.Writer) error {
	return func(w io.Writer) error {
		units, err := svc.FindAdminUnits(ctx, level, true)
		if err != nil {
			return err
		}
		cw := newCollectionWriter(w)
		for _, u := range units {
			ft := AdminUnitFeature(u)
			if err = cw.write(Feature[exportAdmin]{Type: ft.Type, ID: ft.ID, Geometry: ft.Geometry,
				Properties: exportAdmin{ft.Properties, centroidOf(u.Geometry, o.Centroid)}}); err != nil {
				break
			}
		}
		return cw.close(err)
	}
}

// collectionWriter writes a FeatureCollection a feature at a time, buffered.
type collectionWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
	n   int
	err error
}

func newCollectionWriter(w io.Writer) *collectionWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	_, err := bw.WriteString(`{"type":"FeatureCollection","features":[`)
	return &collectionWriter{bw: bw, enc: enc, err: err}
}

func (c *collectionWriter) write(ft any) error {
	if c.err != nil {
		return c.err
	}
	if c.n > 0 {
		if c.err = c.bw.WriteByte(','); c.err != nil {
			return c.err
		}
	}
	c.n++
	if err := c.enc.Encode(ft); err != nil {
		c.err = fmt.Errorf("encode feature %d: %w", c.n, err)
	}
	return c.err
}

// close ends the collection unless err (the reading's) or an earlier write failed, and flushes it.
func (c *collectionWriter) close(err error) error {
	if err != nil {
		return err
	}
	if c.err != nil {
		return c.err
	}
	if _, err := c.bw.WriteString("]}\n"); err != nil {
		return err
	}
	return c.bw.Flush()
}
