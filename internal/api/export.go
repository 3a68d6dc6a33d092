package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// ExportSources are the services an export reads.
type ExportSources struct {
	Hazards  landrelease.HazardAreaService
	Releases landrelease.LandReleaseService
	Admin    landrelease.AdminUnitService
}

// ExportFeed reads the filters of an export of collection coll in format f from q with the lists' own parsers
// (hazardFilter, hazardWhere's CQL2 filter and geometry for hazard areas, releaseFilter and releaseWhere for land
// releases, levelParam for admin units) and
// returns the feed of its features. Paging parameters are refused: an export holds every record its filters
// select. Errors are EBADREQUEST naming the parameter. `landrelease export` calls it with its flags.
func ExportFeed(ctx context.Context, src ExportSources, coll landrelease.ExportCollection, f landrelease.ExportFormat, q url.Values) (func(io.Writer) error, error) {
	for _, p := range []string{"limit", "after"} {
		if q.Has(p) {
			return nil, badParam(p, "does not apply to exports: an export holds every record its filters select")
		}
	}
	g, err := landrelease.ParseCSVGeometry(q.Get("csv_geometry"), f)
	if err != nil {
		return nil, err
	}
	o := geojson.FeedOptions{Centroid: f == landrelease.FormatCSV && g != landrelease.CSVGeometryWKT}
	switch coll {
	case landrelease.ExportHazardAreas:
		hf, err := hazardFilter(q)
		if err != nil {
			return nil, err
		}
		if err := hazardWhere(q, &hf); err != nil {
			return nil, err
		}
		if o.Remaining, err = withRemaining(q); err != nil {
			return nil, err
		}
		return geojson.FeedHazardAreas(ctx, src.Hazards, hf, o), nil
	case landrelease.ExportLandReleases:
		rf, err := releaseFilter(q)
		if err != nil {
			return nil, err
		}
		if rf.Where, err = releaseWhere(q); err != nil {
			return nil, err
		}
		return geojson.FeedLandReleases(ctx, src.Releases, rf, o), nil
	case landrelease.ExportAdminUnits:
		level, err := levelParam(q)
		if err != nil {
			return nil, err
		}
		return geojson.FeedAdminUnits(ctx, src.Admin, level, o), nil
	}
	_, err = landrelease.ParseExportCollection(string(coll))
	return nil, err
}

// ExportLayer returns the layer of an export of collection coll in format f, with the columns its csv_geometry
// parameter in q chooses (EBADREQUEST when wrong, as ExportFeed says it). `landrelease export` calls it too.
func ExportLayer(coll landrelease.ExportCollection, f landrelease.ExportFormat, q url.Values) (landrelease.ExportLayer, error) {
	g, err := landrelease.ParseCSVGeometry(q.Get("csv_geometry"), f)
	if err != nil {
		return landrelease.ExportLayer{}, err
	}
	l := geojson.ExportLayer(coll, f == landrelease.FormatCSV && g != landrelease.CSVGeometryWKT)
	l.NoGeometry = f == landrelease.FormatCSV && g == landrelease.CSVGeometryLonLat
	return l, nil
}

// export answers GET /exports/:collection?format=: the whole collection its filters select as one file,
// streamed, recorded in the audit trail as an export.
func (s *Server) export(c echo.Context) error {
	coll, err := landrelease.ParseExportCollection(c.Param("collection"))
	if err != nil {
		return err
	}
	format, err := landrelease.ParseExportFormat(c.QueryParam("format"))
	if err != nil {
		return err
	}
	feed, err := ExportFeed(c.Request().Context(), ExportSources{Hazards: s.cfg.Hazards, Releases: s.cfg.Releases, Admin: s.cfg.Admin},
		coll, format, c.QueryParams())
	if err != nil {
		return err
	}
	layer, err := ExportLayer(coll, format, c.QueryParams())
	if err != nil {
		return err
	}
	if s.cfg.Exporter == nil {
		return landrelease.Errorf(landrelease.EUNAVAILABLE, "This server does not export files.")
	}
	ctx := c.Request().Context()
	name := landrelease.ExportFileName(coll, format, s.cfg.Now())
	if s.cfg.Exports != nil {
		q := c.QueryParams()
		filters := url.Values{}
		for k, v := range q {
			if k != "format" {
				filters[k] = v
			}
		}
		if err := s.cfg.Exports.RecordExport(ctx, "export", name, map[string]any{
			"collection": string(coll), "format": string(format), "filters": filters.Encode()}); err != nil {
			return err
		}
	}
	w := &lazyResponse{res: c.Response(), header: func(h http.Header) {
		h.Set(echo.HeaderContentType, format.MediaType())
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	}}
	if err := s.cfg.Exporter.Export(ctx, w, format, layer, feed); err != nil {
		if c.Response().Committed { // a GeoJSON export cut short: the client gets a truncated file, the log the reason
			s.cfg.Logger.ErrorContext(ctx, "export cut short", "file", name, "err", err)
		}
		return err
	}
	if !c.Response().Committed { // nothing written: an export never is empty, but its status must still be sent
		w.begin()
	}
	return nil
}

// lazyResponse sends the status and the headers header sets with the first bytes written: an export that fails
// before it writes anything is answered with the API's error, not as an attachment.
type lazyResponse struct {
	res    *echo.Response
	header func(http.Header)
}

func (l *lazyResponse) begin() {
	l.header(l.res.Header())
	l.res.WriteHeader(http.StatusOK)
}

func (l *lazyResponse) Write(p []byte) (int, error) {
	if !l.res.Committed {
		l.begin()
	}
	return l.res.Write(p)
}
