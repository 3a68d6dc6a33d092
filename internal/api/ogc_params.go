package api

import (
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The query parameters OGC API - Features adds to the registry's own: f (the format), datetime (field time, as
// at), crs and bbox-crs (Part 2), and limit clamped rather than refused.

// Formats of the OGC resources.
const (
	formatJSON = "json"
	formatHTML = "html"
)

// format picks JSON or HTML: f=json or f=html when given, else HTML for a client that prefers text/html to JSON
// in its Accept header (a browser), else JSON.
func format(c echo.Context) (string, error) {
	f, err := oneOf(c.QueryParams(), "f", formatJSON, formatHTML)
	if err != nil || f != "" {
		return f, err
	}
	if prefersHTML(c.Request().Header.Get(echo.HeaderAccept)) {
		return formatHTML, nil
	}
	return formatJSON, nil
}

// prefersHTML reports whether an Accept header ranks text/html above every JSON type.
func prefersHTML(accept string) bool {
	var html, json float64 = -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				q = v
			}
		}
		switch {
		case mt == "text/html":
			html = max(html, q)
		case mt == mediaJSON || mt == mediaGeoJSON || strings.HasSuffix(mt, "+json"):
			json = max(json, q)
		}
	}
	return html > 0 && html > json
}

// datetime reads OGC's datetime as field time: an instant, a date (2024-05-01) or an RFC 3339 time
// (2024-05-01T10:00:00Z, its date in UTC), returned as the date at takes. Intervals are refused: a version is
// selected by one day. Empty when absent.
func datetime(q url.Values) (string, error) {
	s := q.Get("datetime")
	if s == "" {
		return "", nil
	}
	if strings.Contains(s, "/") || strings.Contains(s, "..") {
		return "", badParam("datetime", "must be an instant such as 2024-05-01 or 2024-05-01T00:00:00Z: intervals (%q) are not supported, as a record's version is selected by one day", s)
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Format(time.DateOnly), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Format(time.DateOnly), nil
	}
	return "", badParam("datetime", "must be an instant such as 2024-05-01 or 2024-05-01T00:00:00Z, not %q", s)
}

// ogcLimit reads limit as OGC API - Features asks: above the maximum it is the maximum, below 1 it is refused.
// 0 when absent.
func ogcLimit(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !strings.HasPrefix(s, "-") {
			return landrelease.MaxPageSize, nil
		}
	}
	if err != nil || n < 1 {
		return 0, badParam("limit", "must be a whole number from 1 (larger ones give %d), not %q", landrelease.MaxPageSize, s)
	}
	return min(n, landrelease.MaxPageSize), nil
}

// rawBBox reads bbox as four numbers in any coordinate reference system, min x, min y, max x, max y as given.
func rawBBox(q url.Values) (*[4]float64, error) {
	s := q.Get("bbox")
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, badParam("bbox", "must be four numbers, not %q", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f != f || f > 1e300 || f < -1e300 {
			return nil, badParam("bbox", "must be four numbers, not %q", s)
		}
		v[i] = f
	}
	if v[0] >= v[2] || v[1] >= v[3] {
		return nil, badParam("bbox", "%q must have its lower corner first", s)
	}
	return &v, nil
}

// formatBBox writes a WGS 84 bound as the registry's bbox parameter.
func formatBBox(b orb.Bound) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return fmt.Sprintf("%s,%s,%s,%s", f(b.Min[0]), f(b.Min[1]), f(b.Max[0]), f(b.Max[1]))
}
