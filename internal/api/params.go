package api

import (
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Media types.
const (
	mediaGeoJSON = "application/geo+json"
	mediaJSON    = "application/json"
)

func badParam(name, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return &landrelease.Error{Code: landrelease.EBADREQUEST, Message: fmt.Sprintf("Query parameter %s %s.", name, reason),
		Details: []landrelease.Detail{{Field: name, Reason: reason}}}
}

// temporal reads at (a date) and as_of (a date, meaning the end of that day in UTC, or an RFC 3339 time).
func temporal(q url.Values) (landrelease.Temporal, error) {
	var t landrelease.Temporal
	if s := q.Get("at"); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return t, badParam("at", "must be a date such as 2023-12-31, not %q", s)
		}
		t.At = &d
	}
	if s := q.Get("as_of"); s != "" {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			end := d.Add(24*time.Hour - time.Microsecond)
			t.AsOf = &end
		} else if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t.AsOf = &ts
		} else {
			return t, badParam("as_of", "must be a date such as 2024-04-30 or an RFC 3339 time such as 2024-04-30T09:00:00Z, not %q", s)
		}
	}
	return t, nil
}

// bbox reads W,S,E,N in WGS 84.
func bbox(q url.Values) (*orb.Bound, error) {
	s := q.Get("bbox")
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, badParam("bbox", "must be W,S,E,N, not %q", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badParam("bbox", "must be four numbers W,S,E,N, not %q", s)
		}
		v[i] = f
	}
	if v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] >= v[2] || v[1] >= v[3] {
		return nil, badParam("bbox", "%q is not W,S,E,N in WGS 84 longitude and latitude with W<E and S<N", s)
	}
	return &orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// page reads limit and after.
func page(q url.Values) (limit int, after int64, err error) {
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > landrelease.MaxPageSize {
			return 0, 0, badParam("limit", "must be a whole number from 1 to %d, not %q", landrelease.MaxPageSize, s)
		}
	}
	if s := q.Get("after"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil || after < 0 {
			return 0, 0, badParam("after", "must be the cursor of a previous page, not %q", s)
		}
	}
	return limit, after, nil
}

// oneOf checks an enumerated parameter.
func oneOf(q url.Values, name string, allowed ...string) (string, error) {
	s := q.Get(name)
	if s == "" {
		return "", nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", badParam(name, "must be one of %s, not %q", strings.Join(allowed, ", "), s)
}

// readBody checks the media type of a write and reads its body, within the server's limit.
func readBody(c echo.Context) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != mediaGeoJSON && mt != mediaJSON) {
		return nil, landrelease.Errorf(landrelease.EUNSUPPORTEDMEDIA, "Send %s or %s, not %q.", mediaGeoJSON, mediaJSON, ct)
	}
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, landrelease.Errorf(landrelease.ETOOLARGE, "The body is over the limit of %d bytes.", mbe.Limit)
		}
		return nil, &landrelease.Error{Code: landrelease.EBADREQUEST, Message: "The body could not be read.", Err: err}
	}
	return b, nil
}

// ifMatch returns the version an If-Match header names, 0 when absent.
func ifMatch(c echo.Context) (int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	s := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, &landrelease.Error{Code: landrelease.EBADREQUEST, Message: fmt.Sprintf("If-Match must be an ETag this service gave, such as \"3\", not %s.", h)}
	}
	return v, nil
}

// expectVersion combines If-Match and a version sent in the body; they must agree when both are given.
func expectVersion(c echo.Context, body int) (int, error) {
	h, err := ifMatch(c)
	if err != nil {
		return 0, err
	}
	if h != 0 && body != 0 && h != body {
		return 0, landrelease.Invalid(fmt.Sprintf("If-Match names version %d but the body says version %d.", h, body),
			landrelease.Detail{Field: "version", Pointer: "/properties/version", Reason: "disagrees with If-Match"})
	}
	if h != 0 {
		return h, nil
	}
	return body, nil
}

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }
