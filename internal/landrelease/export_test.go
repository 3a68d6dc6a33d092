package landrelease_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

func TestParseExportFormat(t *testing.T) {
	for _, tc := range []struct {
		in        string
		ok        bool
		mediaType string
		file      string
	}{
		{"gpkg", true, "application/geopackage+sqlite3", "hazard-areas-20250630T120000Z.gpkg"},
		{"shp", true, "application/zip", "hazard-areas-20250630T120000Z.shp.zip"},
		{"kml", true, "application/vnd.google-earth.kml+xml", "hazard-areas-20250630T120000Z.kml"},
		{"csv", true, "text/csv; charset=utf-8", "hazard-areas-20250630T120000Z.csv"},
		{"geojson", true, "application/geo+json", "hazard-areas-20250630T120000Z.geojson"},
		{"fgb", true, "application/flatgeobuf", "hazard-areas-20250630T120000Z.fgb"},
		{"", false, "", ""},
		{"GPKG", false, "", ""},
		{"xlsx", false, "", ""},
	} {
		f, err := landrelease.ParseExportFormat(tc.in)
		if !tc.ok {
			d := landrelease.ErrorDetails(err)
			if landrelease.ErrorCode(err) != landrelease.EBADREQUEST || len(d) != 1 || d[0].Field != "format" ||
				!strings.Contains(landrelease.ErrorMessage(err), "gpkg, shp, kml, csv, geojson, fgb") {
				t.Errorf("ParseExportFormat(%q) = %q, %v; want bad_request naming the formats", tc.in, f, err)
			}
			continue
		}
		if err != nil || string(f) != tc.in || f.MediaType() != tc.mediaType {
			t.Errorf("ParseExportFormat(%q) = %q (%s), %v", tc.in, f, f.MediaType(), err)
		}
		at := time.Date(2025, 6, 30, 19, 0, 0, 0, time.FixedZone("ICT", 7*3600))
		if got := landrelease.ExportFileName(landrelease.ExportHazardAreas, f, at); got != tc.file {
			t.Errorf("ExportFileName(%s) = %q, want %q", f, got, tc.file)
		}
	}
	if len(landrelease.ExportFormats()) != 6 {
		t.Errorf("ExportFormats() = %v", landrelease.ExportFormats())
	}
}

func TestParseCSVGeometry(t *testing.T) {
	for _, tc := range []struct {
		in   string
		f    landrelease.ExportFormat
		want landrelease.CSVGeometry
		bad  string // a word of the error's reason; "" when valid
	}{
		{"", landrelease.FormatCSV, landrelease.CSVGeometryBoth, ""},
		{"", landrelease.FormatGeoPackage, landrelease.CSVGeometryBoth, ""},
		{"both", landrelease.FormatCSV, landrelease.CSVGeometryBoth, ""},
		{"wkt", landrelease.FormatCSV, landrelease.CSVGeometryWKT, ""},
		{"lonlat", landrelease.FormatCSV, landrelease.CSVGeometryLonLat, ""},
		{"WKT", landrelease.FormatCSV, "", "must be one of"},
		{"xy", landrelease.FormatCSV, "", "must be one of"},
		{"wkt", landrelease.FormatKML, "", "CSV exports only"},
	} {
		got, err := landrelease.ParseCSVGeometry(tc.in, tc.f)
		if tc.bad == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseCSVGeometry(%q, %s) = %q, %v; want %q", tc.in, tc.f, got, err, tc.want)
			}
			continue
		}
		d := landrelease.ErrorDetails(err)
		if landrelease.ErrorCode(err) != landrelease.EBADREQUEST || len(d) != 1 || d[0].Field != "csv_geometry" || !strings.Contains(d[0].Reason, tc.bad) {
			t.Errorf("ParseCSVGeometry(%q, %s) = %q, %v; want bad_request on csv_geometry saying %q", tc.in, tc.f, got, err, tc.bad)
		}
	}
}

func TestParseExportCollection(t *testing.T) {
	for _, s := range []string{"hazard-areas", "land-releases", "admin-units"} {
		if c, err := landrelease.ParseExportCollection(s); err != nil || string(c) != s {
			t.Errorf("ParseExportCollection(%q) = %q, %v", s, c, err)
		}
	}
	if _, err := landrelease.ParseExportCollection("minefields"); landrelease.ErrorCode(err) != landrelease.ENOTFOUND {
		t.Errorf("an unknown collection: %v", err)
	}
}

// pagedHazards is a HazardAreaService holding n areas with IDs 1..n, answering FindHazardAreas a page at a time
// and recording the filters it was asked with.
type pagedHazards struct {
	landrelease.HazardAreaService
	n     int64
	asked []landrelease.HazardAreaFilter
	fail  int // the call (1-based) that fails, 0 for none
}

func (p *pagedHazards) FindHazardAreas(_ context.Context, f landrelease.HazardAreaFilter) ([]*landrelease.HazardArea, error) {
	p.asked = append(p.asked, f)
	if len(p.asked) == p.fail {
		return nil, errors.New("database gone")
	}
	var out []*landrelease.HazardArea
	for id := f.After + 1; id <= p.n && len(out) < landrelease.PageLimit(f.Limit); id++ {
		out = append(out, &landrelease.HazardArea{ID: id})
	}
	return out, nil
}

// TestEachHazardArea reads every area once, in order, a page of MaxPageSize at a time, keeping the caller's
// filter and replacing its paging; errors of the service and of fn stop it.
func TestEachHazardArea(t *testing.T) {
	const page = landrelease.MaxPageSize
	for _, tc := range []struct {
		n     int64
		pages int
	}{{0, 1}, {1, 1}, {page - 1, 1}, {page, 2}, {2*page + 3, 3}} {
		svc := &pagedHazards{n: tc.n}
		var seen int64
		err := landrelease.EachHazardArea(context.Background(), svc, landrelease.HazardAreaFilter{Kind: landrelease.KindCHA, After: 99, Limit: 5},
			func(h *landrelease.HazardArea) error {
				seen++
				if h.ID != seen {
					t.Fatalf("n=%d: area %d after %d", tc.n, h.ID, seen-1)
				}
				return nil
			})
		if err != nil || seen != tc.n || len(svc.asked) != tc.pages {
			t.Errorf("n=%d: %d areas in %d pages, %v; want %d pages", tc.n, seen, len(svc.asked), err, tc.pages)
		}
		for _, f := range svc.asked {
			if f.Kind != landrelease.KindCHA || f.Limit != page {
				t.Errorf("n=%d: asked %+v", tc.n, f)
			}
		}
		if svc.asked[0].After != 0 {
			t.Errorf("n=%d: the first page is after %d", tc.n, svc.asked[0].After)
		}
	}
	stop := errors.New("stop")
	if err := landrelease.EachHazardArea(context.Background(), &pagedHazards{n: 5}, landrelease.HazardAreaFilter{},
		func(h *landrelease.HazardArea) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn's error: %v", err)
	}
	if err := landrelease.EachHazardArea(context.Background(), &pagedHazards{n: 3 * page, fail: 2}, landrelease.HazardAreaFilter{},
		func(*landrelease.HazardArea) error { return nil }); err == nil || err.Error() != "database gone" {
		t.Errorf("the service's error: %v", err)
	}
}
