package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Fuzz targets for every parser of the API's query parameters (and of If-Match). Each checks properties, not
// only the absence of a panic: what a parser accepts is in range and reads back as the client wrote it, and what
// it refuses is a *landrelease.Error of code bad_request with one detail naming the parameter. The parsers that
// are only reached through a handler are fuzzed through the Server that New builds, with fake services that
// record what they are asked and that must not be called at all when a parameter is refused; a 500 (a panic the
// server recovered, a service that was not expected) fails the target. The seeds are the examples of
// params_test.go and docs/API.md; the corpus the fuzzer found is under testdata/fuzz/FuzzXxx.

// checkBadParam fails unless err is a *landrelease.Error of code bad_request with one detail whose field is one
// of fields, named in the message as well.
func checkBadParam(t *testing.T, err error, fields ...string) string {
	t.Helper()
	var le *landrelease.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %T %v, want a *landrelease.Error", err, err)
	}
	if le.Code != landrelease.EBADREQUEST {
		t.Fatalf("code %q, want %q: %v", le.Code, landrelease.EBADREQUEST, err)
	}
	if len(le.Details) != 1 || le.Details[0].Reason == "" || !slices.Contains(fields, le.Details[0].Field) {
		t.Fatalf("details %+v, want one naming one of %v", le.Details, fields)
	}
	if !strings.Contains(le.Message, le.Details[0].Field) {
		t.Fatalf("message %q does not name %q", le.Message, le.Details[0].Field)
	}
	return le.Details[0].Field
}

// checkBound fails unless b is a box of WGS 84 longitudes and latitudes with W<E and S<N.
func checkBound(t *testing.T, what string, b orb.Bound) {
	t.Helper()
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s %v: not finite", what, b)
		}
	}
	if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 || !(b.Min[0] < b.Max[0]) || !(b.Min[1] < b.Max[1]) {
		t.Fatalf("%s %v: out of range or empty", what, b)
	}
}

// checkPoint fails unless p is a WGS 84 longitude and latitude.
func checkPoint(t *testing.T, what string, p orb.Point) {
	t.Helper()
	if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
		t.Fatalf("%s %v: not a longitude and latitude", what, p)
	}
}

// checkDate fails unless d is midnight UTC of the date s.
func checkDate(t *testing.T, what string, d time.Time, s string) {
	t.Helper()
	if d.Location() != time.UTC || d.Format(time.DateOnly) != s || d.Truncate(24*time.Hour) != d {
		t.Fatalf("%s=%q read as %v, which does not read back as itself", what, s, d)
	}
}

// checkInstant fails unless t reads back from s as temporal's as_of reads it: the end of a date's day in UTC, or an
// RFC 3339 time that survives a round trip.
func checkInstant(t *testing.T, what string, got *time.Time, s string) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s=%q accepted but not set", what, s)
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if !got.Equal(d.Add(24*time.Hour-time.Microsecond)) || got.UTC().Format(time.DateOnly) != s {
			t.Fatalf("%s=%q read as %v, not the end of that day in UTC", what, s, got)
		}
		return
	}
	back, err := time.Parse(time.RFC3339Nano, got.Format(time.RFC3339Nano))
	if err != nil || !back.Equal(*got) {
		t.Fatalf("%s=%q read as %v, which does not survive a round trip (%v, %v)", what, s, got, back, err)
	}
	if orig, err := time.Parse(time.RFC3339Nano, s); err != nil || !orig.Equal(*got) {
		t.Fatalf("%s=%q read as %v, not the time it names (%v)", what, s, got, err)
	}
}

// values builds a query of the pairs name, value, leaving out the empty values (an absent parameter).
func values(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}

func FuzzTemporal(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""}, {"2023-12-31", ""}, {"", "2024-04-30"}, {"", "2024-02-29"}, {"", "2024-04-30T09:00:00Z"},
		{"", "2024-04-30T09:00:00+07:00"}, {"", "2024-04-30T09:00:00.123456789-03:30"}, {"2022-01-01", "2024-01-01"},
		{"2024-04-30T09:00:00Z", ""}, {"2023-02-29", ""}, {"yesterday", ""}, {"31/12/2023", ""}, {"", "now"},
		{"", "2024-04-31"}, {"", "2024-04-30T09:00:00"}, {"", "2024-04-30T09:00:00 07:00"}, {"2023-12-31", "x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, at, asOf string) {
		got, err := temporal(values("at", at, "as_of", asOf))
		if err != nil {
			field := checkBadParam(t, err, "at", "as_of")
			if field == "at" && at == "" || field == "as_of" && asOf == "" {
				t.Fatalf("error names %s, which was not given: %v", field, err)
			}
			return
		}
		if (got.At == nil) != (at == "") || (got.AsOf == nil) != (asOf == "") {
			t.Fatalf("at=%q as_of=%q read as %+v", at, asOf, got)
		}
		if got.At != nil {
			checkDate(t, "at", *got.At, at)
		}
		if got.AsOf != nil {
			checkInstant(t, "as_of", got.AsOf, asOf)
		}
		if got.IsZero() != (at == "" && asOf == "") {
			t.Fatalf("IsZero = %v for at=%q as_of=%q", got.IsZero(), at, asOf)
		}
	})
}

func FuzzBBox(f *testing.F) {
	for _, s := range []string{
		"", "102.1,17.9,102.8,18.3", " 100 , 13.5 ,108, 22.5 ", "-180,-90,180,90", "103,19,103,19", "103,19,103,19.5",
		"102.1,17.9,102.8", "102.1,17.9,102.8,18.3,0", "102.8,17.9,102.1,18.3", "-181,0,0,1", "0,0,1,90.5",
		"11360000,2030000,11450000,2080000", "a,b,c,d", "1,,2,3", "-Inf,0,Inf,1", "NaN,0,1,1", "0x1p-2,0,1,1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := bbox(url.Values{"bbox": {s}})
		if err != nil {
			checkBadParam(t, err, "bbox")
			if b != nil {
				t.Fatalf("bound %v with an error", b)
			}
			return
		}
		if b == nil {
			if s != "" {
				t.Fatalf("bbox=%q: neither a bound nor an error", s)
			}
			return
		}
		checkBound(t, "bbox="+strconv.Quote(s), *b)
		parts := strings.Split(s, ",")
		for i, want := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if v, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64); err != nil || v != want {
				t.Fatalf("bbox=%q: part %d read as %v", s, i, want)
			}
		}
	})
}

func FuzzPage(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""}, {"1", ""}, {"10000", ""}, {"", "0"}, {"50", "9007199254740993"}, {"0", ""}, {"10001", ""}, {"-5", ""},
		{"abc", ""}, {"2.5", ""}, {"", "-1"}, {"", "abc"}, {"", "9223372036854775808"}, {"10", "x"}, {"+7", "007"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, limitS, afterS string) {
		limit, after, err := page(values("limit", limitS, "after", afterS))
		if err != nil {
			field := checkBadParam(t, err, "limit", "after")
			if field == "after" && afterS == "" || field == "limit" && limitS == "" {
				t.Fatalf("error names %s, which was not given: %v", field, err)
			}
			if limit != 0 || after != 0 {
				t.Fatalf("limit %d, after %d with an error", limit, after)
			}
			return
		}
		if limitS == "" && limit != 0 || limitS != "" && (limit < 1 || limit > 10000) {
			t.Fatalf("limit=%q read as %d", limitS, limit)
		}
		if n, err := strconv.Atoi(limitS); limitS != "" && (err != nil || n != limit) {
			t.Fatalf("limit=%q read as %d", limitS, limit)
		}
		if after < 0 || afterS == "" && after != 0 {
			t.Fatalf("after=%q read as %d", afterS, after)
		}
		if n, err := strconv.ParseInt(afterS, 10, 64); afterS != "" && (err != nil || n != after) {
			t.Fatalf("after=%q read as %d", afterS, after)
		}
	})
}

func FuzzLonLat(f *testing.F) {
	for _, s := range []string{"", "102.6,17.97", " -180 , 90 ", "180,-90", "181,0", "0,91", "102.6", "1,2,3", "NaN,0",
		"0,NaN", "Inf,0", "a,b", ",", "1e2,1e1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{"point", "near"} {
			p, err := lonLat(url.Values{name: {s}}, name)
			if err != nil {
				checkBadParam(t, err, name)
				if p != nil {
					t.Fatalf("point %v with an error", p)
				}
				continue
			}
			if p == nil {
				if s != "" {
					t.Fatalf("%s=%q: neither a point nor an error", name, s)
				}
				continue
			}
			checkPoint(t, name+"="+strconv.Quote(s), *p)
		}
	})
}

// FuzzMapView fuzzes the map's view: bbox (required) and zoom (required, 0 to 22, cut to a whole level of at most
// mapMaxZoom).
func FuzzMapView(f *testing.F) {
	for _, s := range [][2]string{
		{"102.1,17.9,102.8,18.3", "10"}, {"102.1,17.9,102.8,18.3", "10.5"}, {"-180,-90,180,90", "0"},
		{"-180,-90,180,90", "22"}, {"100,13.5,108,22.5", "21.9"}, {"", "10"}, {"102.1,17.9,102.8,18.3", ""},
		{"102.1,17.9,102.8,18.3", "-1"}, {"102.1,17.9,102.8,18.3", "23"}, {"102.1,17.9,102.8,18.3", "NaN"},
		{"102.1,17.9,102.8,18.3", "Inf"}, {"102.1,17.9,102.8,18.3", "ten"}, {"102.8,17.9,102.1,18.3", "10"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, bboxS, zoomS string) {
		z, zerr := mapZoom(values("zoom", zoomS))
		if zerr != nil {
			checkBadParam(t, zerr, "zoom")
		} else {
			v, err := strconv.ParseFloat(zoomS, 64)
			if err != nil || z < 0 || z > mapMaxZoom || z != min(int(v), mapMaxZoom) || v < 0 || v > 22 {
				t.Fatalf("zoom=%q read as %d", zoomS, z)
			}
		}
		b, sc, band, err := mapView(values("bbox", bboxS, "zoom", zoomS))
		if err != nil {
			checkBadParam(t, err, "bbox", "zoom")
			if b != nil {
				t.Fatalf("bound %v with an error", b)
			}
			return
		}
		if zerr != nil {
			t.Fatalf("mapView accepts zoom=%q, which mapZoom refuses: %v", zoomS, zerr)
		}
		checkBound(t, "bbox="+strconv.Quote(bboxS), *b)
		if sc.Zoom != z || !(sc.Tol > 0) || math.IsInf(sc.Tol, 0) || sc.Decimals < 1 || sc.Decimals > 7 {
			t.Fatalf("bbox=%q zoom=%q: scale %+v", bboxS, zoomS, sc)
		}
		if band < -90 || band > 90 || math.Mod(band, 5) != 0 || band < b.Min[1]-5 || band > b.Max[1]+5 {
			t.Fatalf("bbox=%q: latitude band %v", bboxS, band)
		}
	})
}

func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{"", "  ", `"3"`, `W/"3"`, `3`, ` "12" `, `"abc"`, `"0"`, `"-2"`, `"3", "4"`, `"3.0"`, `*`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		req := httptest.NewRequest(http.MethodPut, "/api/v1/hazard-areas/X", nil)
		req.Header["If-Match"] = []string{h}
		v, err := ifMatch(echo.New().NewContext(req, httptest.NewRecorder()))
		if err != nil {
			if landrelease.ErrorCode(err) != landrelease.EBADREQUEST || landrelease.ErrorMessage(err) == "" || v != 0 {
				t.Fatalf("If-Match %q: %d, %v", h, v, err)
			}
			return
		}
		if strings.TrimSpace(h) == "" {
			if v != 0 {
				t.Fatalf("no If-Match read as %d", v)
			}
			return
		}
		if v < 1 {
			t.Fatalf("If-Match %q read as version %d", h, v)
		}
		// What etag gives for that version is read back as it.
		req.Header.Set("If-Match", etag(v))
		if again, err := ifMatch(echo.New().NewContext(req, httptest.NewRecorder())); err != nil || again != v {
			t.Fatalf("etag(%d) read back as %d, %v", v, again, err)
		}
	})
}

// The fakes of the handler targets: each records what it was asked; a method not overridden is the embedded nil
// interface's and panics, which the server turns into a 500 that fails the target.

type fuzzHazards struct {
	landrelease.HazardAreaService
	calls int
	f     landrelease.HazardAreaFilter
}

func (h *fuzzHazards) FindHazardAreas(_ context.Context, f landrelease.HazardAreaFilter) ([]*landrelease.HazardArea, error) {
	h.calls++
	h.f = f
	return nil, nil
}

type fuzzReleases struct {
	landrelease.LandReleaseService
	calls int
	f     landrelease.LandReleaseFilter
}

func (r *fuzzReleases) FindLandReleases(_ context.Context, f landrelease.LandReleaseFilter) ([]*landrelease.LandRelease, error) {
	r.calls++
	r.f = f
	return nil, nil
}

type fuzzSpatial struct {
	calls  int
	method string
	f      landrelease.HazardAreaFilter
	p      orb.Point
	b      orb.Bound
	meters float64
}

func (s *fuzzSpatial) Ready() bool { return true }
func (s *fuzzSpatial) Point(p orb.Point, f landrelease.HazardAreaFilter) []*landrelease.HazardArea {
	s.calls, s.method, s.p, s.f = s.calls+1, "point", p, f
	return nil
}
func (s *fuzzSpatial) BBox(b orb.Bound, f landrelease.HazardAreaFilter) []*landrelease.HazardArea {
	s.calls, s.method, s.b, s.f = s.calls+1, "bbox", b, f
	return nil
}
func (s *fuzzSpatial) Near(p orb.Point, m float64, f landrelease.HazardAreaFilter) []landrelease.NearHit {
	s.calls, s.method, s.p, s.meters, s.f = s.calls+1, "near", p, m, f
	return nil
}
func (s *fuzzSpatial) Intersecting(orb.MultiPolygon, landrelease.HazardAreaFilter) []*landrelease.HazardArea {
	panic("Intersecting is not a query-parameter route")
}

// fuzzUsers knows two tokens: one of an administrator, one of a field team.
type fuzzUsers struct{ landrelease.UserService }

func (fuzzUsers) Authenticate(_ context.Context, token string) (*landrelease.User, error) {
	switch token {
	case "admin-token":
		return &landrelease.User{ID: 1, Name: "ada", Role: landrelease.RoleAdministrator}, nil
	case "field-token":
		return &landrelease.User{ID: 2, Name: "fay", Role: landrelease.RoleFieldTeam}, nil
	}
	return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "unknown token")
}

type fuzzAudit struct {
	calls int
	f     landrelease.AuditFilter
}

func (a *fuzzAudit) FindAudit(_ context.Context, f landrelease.AuditFilter) ([]*landrelease.AuditEntry, error) {
	a.calls++
	a.f = f
	return nil, nil
}

type fuzzUploads struct {
	landrelease.UploadService
	calls int
	f     landrelease.UploadFilter
}

func (u *fuzzUploads) FindUploads(_ context.Context, f landrelease.UploadFilter) ([]*landrelease.Upload, error) {
	u.calls++
	u.f = f
	return nil, nil
}

type fuzzReports struct {
	calls int
	req   landrelease.Article7Request
}

func (r *fuzzReports) Article7(_ context.Context, req landrelease.Article7Request) (*landrelease.Article7, error) {
	r.calls++
	r.req = req
	return &landrelease.Article7{From: req.From, To: req.To, Level: req.Level, AsOf: time.Now()}, nil
}

func fuzzReportFormat(name string) (string, string, func(io.Writer, *landrelease.Article7) error, bool) {
	if !slices.Contains([]string{"csv", "json", "xlsx", "html"}, name) {
		return "", "", nil, false
	}
	return "text/plain", "." + name, func(w io.Writer, _ *landrelease.Article7) error {
		_, err := io.WriteString(w, "report")
		return err
	}, true
}

type fuzzArticle4 struct {
	landrelease.Article4Service
	calls int
	on    time.Time
	asOf  *time.Time
}

func (a *fuzzArticle4) Progress(_ context.Context, on time.Time, asOf *time.Time) (*landrelease.Article4Progress, error) {
	a.calls++
	a.on, a.asOf = on, asOf
	return &landrelease.Article4Progress{On: on, AsOf: time.Now()}, nil
}

type fuzzAdmin struct {
	landrelease.AdminUnitService
	calls    int
	level    int
	withGeom bool
}

func (a *fuzzAdmin) FindAdminUnits(_ context.Context, level int, withGeom bool) ([]*landrelease.AdminUnit, error) {
	a.calls++
	a.level, a.withGeom = level, withGeom
	return nil, nil
}

// fuzzServer returns a Server of a public registry on cfg's fakes, logging nowhere.
func fuzzServer(cfg Config) *Server {
	cfg.Settings = publicSettings{}
	cfg.Users = fuzzUsers{}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(cfg)
}

// fuzzServe sends method path?q with the token, if any, and returns the status and, for an error, the field of its
// one detail. It fails on a 5xx, on an error other than bad_request for a 400 (or the status's code otherwise),
// and on an error body that does not name one of fields.
func fuzzServe(t *testing.T, srv *Server, method, path string, q url.Values, token string, header map[string]string, fields ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.URL.RawQuery = q.Encode()
	req.RequestURI = req.URL.RequestURI()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s?%s: status %d: %s", method, path, req.URL.RawQuery, rec.Code, rec.Body)
	}
	if rec.Code < 400 {
		return rec.Code, ""
	}
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("%s %s?%s: status %d, error body %s (%v)", method, path, req.URL.RawQuery, rec.Code, rec.Body, err)
	}
	if rec.Code != http.StatusBadRequest {
		return rec.Code, ""
	}
	e := &landrelease.Error{Code: body.Error.Code, Message: body.Error.Message, Details: body.Error.Details}
	return rec.Code, checkBadParam(t, e, fields...)
}

// wantStatus fails unless status is one of want.
func wantStatus(t *testing.T, q url.Values, status int, want ...int) {
	t.Helper()
	if !slices.Contains(want, status) {
		t.Fatalf("%s: status %d, want one of %v", q.Encode(), status, want)
	}
}

// checkHazardFilter checks the filter the registry's query parameters gave against them.
func checkHazardFilter(t *testing.T, f landrelease.HazardAreaFilter, q url.Values) {
	t.Helper()
	if string(f.Kind) != q.Get("kind") || string(f.Status) != q.Get("status") || string(f.Contamination) != q.Get("contamination") || f.Admin != q.Get("admin") {
		t.Fatalf("%s: filter %+v", q.Encode(), f)
	}
	checkCommonFilter(t, q, f.BBox, f.Temporal, f.Limit, f.After)
	if f.Point != nil {
		checkPoint(t, "point", *f.Point)
	}
}

func checkCommonFilter(t *testing.T, q url.Values, b *orb.Bound, tm landrelease.Temporal, limit int, after int64) {
	t.Helper()
	if (b == nil) != (q.Get("bbox") == "") {
		t.Fatalf("%s: bbox %v", q.Encode(), b)
	}
	if b != nil {
		checkBound(t, "bbox", *b)
	}
	if (tm.At == nil) != (q.Get("at") == "") || (tm.AsOf == nil) != (q.Get("as_of") == "") {
		t.Fatalf("%s: temporal %+v", q.Encode(), tm)
	}
	if tm.At != nil {
		checkDate(t, "at", *tm.At, q.Get("at"))
	}
	if tm.AsOf != nil {
		checkInstant(t, "as_of", tm.AsOf, q.Get("as_of"))
	}
	if limit < 0 || limit > 10000 || after < 0 {
		t.Fatalf("%s: limit %d, after %d", q.Encode(), limit, after)
	}
}

var hazardListFields = []string{"kind", "status", "contamination", "bbox", "at", "as_of", "limit", "after", "geometry",
	"point", "near", "within_m", "source"}

// FuzzHazardAreaList fuzzes GET /api/v1/hazard-areas and the OGC items of hazard-areas: the registry's filters,
// point, near, within_m and source, as hazardFilter, withRemaining, lonLat, source and spatialList read them.
func FuzzHazardAreaList(f *testing.F) {
	f.Add(false, "", "", "", "", "", "", "", "", "", "", "", "", "", "")
	f.Add(false, "CHA", "open", "cmr", "LA-XK", "102.1,17.9,102.8,18.3", "", "", "50", "", "remaining", "", "", "", "")
	f.Add(true, "SHA", "all", "", "", "", "2023-12-31", "2024-04-30T09:00:00+07:00", "10", "42", "", "", "", "", "database")
	f.Add(false, "", "", "", "", "", "", "", "", "", "", "", "102.6,17.97", "500", "")
	f.Add(false, "", "", "", "", "", "", "", "", "", "", "102.6,17.97", "", "", "")
	f.Add(false, "", "", "", "", "102.1,17.9,102.8,18.3", "2022-01-01", "", "", "", "", "", "", "", "")
	f.Add(false, "", "closed", "", "", "", "", "", "", "", "", "", "102.6,17.97", "100001", "")
	f.Add(false, "", "", "", "", "", "", "", "", "", "", "", "", "500", "")
	f.Add(false, "", "", "", "", "", "", "", "", "", "", "", "102.6,17.97", "NaN", "")
	f.Add(false, "", "", "", "", "", "", "", "", "", "", "", "102.6,17.97", "", "database")
	f.Add(false, "", "", "", "", "102.1,17.9,102.8,18.3", "", "", "", "", "", "102.6,17.97", "", "", "")
	f.Add(false, "", "", "", "", "", "", "now", "", "", "", "102.6,17.97", "", "", "")
	f.Add(true, "sha", "pending", "", "", "Laos", "", "", "0", "-1", "full", "181,0", "", "", "memory")
	f.Fuzz(func(t *testing.T, ogc bool, kind, status, contamination, admin, bboxS, at, asOf, limit, after, geometry, point, near, withinM, src string) {
		q := values("kind", kind, "status", status, "contamination", contamination, "admin", admin, "bbox", bboxS, "at", at,
			"as_of", asOf, "limit", limit, "after", after, "geometry", geometry, "point", point, "near", near, "within_m", withinM, "source", src)
		hz, sp := &fuzzHazards{}, &fuzzSpatial{}
		srv := fuzzServer(Config{Hazards: hz, Spatial: sp})
		path := "/api/v1/hazard-areas"
		if ogc {
			path = "/api/v1/collections/hazard-areas/items"
		}
		status_, _ := fuzzServe(t, srv, http.MethodGet, path, q, "", nil, hazardListFields...)
		wantStatus(t, q, status_, http.StatusOK, http.StatusBadRequest)
		if status_ != http.StatusOK {
			if hz.calls+sp.calls != 0 {
				t.Fatalf("%s: refused after asking the services", q.Encode())
			}
			return
		}
		if hz.calls+sp.calls != 1 {
			t.Fatalf("%s: %d database and %d index queries", q.Encode(), hz.calls, sp.calls)
		}
		if hz.calls == 1 {
			checkHazardFilter(t, hz.f, q)
			if near != "" {
				t.Fatalf("%s: near asked of the database", q.Encode())
			}
			return
		}
		checkHazardFilter(t, sp.f, q)
		if !sp.f.Temporal.IsZero() && sp.method != "bbox" {
			t.Fatalf("%s: a %s query of the index for the past", q.Encode(), sp.method)
		}
		switch sp.method {
		case "point":
			checkPoint(t, "point", sp.p)
		case "bbox":
			checkBound(t, "bbox", sp.b)
		case "near":
			checkPoint(t, "near", sp.p)
			if !(sp.meters >= 0 && sp.meters <= maxWithinM) || withinM == "" && sp.meters != 500 {
				t.Fatalf("%s: within %v m", q.Encode(), sp.meters)
			}
		}
		if sp.method != "near" && withinM != "" {
			t.Fatalf("%s: within_m accepted without near", q.Encode())
		}
	})
}

// FuzzLandReleaseList fuzzes GET /api/v1/land-releases and the OGC items of land-releases.
func FuzzLandReleaseList(f *testing.F) {
	f.Add(false, "", "", "", "", "", "", "")
	f.Add(false, "cleared", "LA-XK-2024-0001", "102.1,17.9,102.8,18.3", "2023-12-31", "2024-04-30", "100", "7")
	f.Add(true, "reduced", "", "", "", "2024-04-30T09:00:00Z", "", "")
	f.Add(false, "Cleared", "", "", "", "", "", "")
	f.Add(false, "", "", "1,2,3", "", "", "", "")
	f.Add(true, "", "", "", "31/12/2023", "", "", "")
	f.Add(false, "", "", "", "", "", "10001", "")
	f.Add(false, "cancelled", "", "", "", "", "", "abc")
	f.Fuzz(func(t *testing.T, ogc bool, method, hazardArea, bboxS, at, asOf, limit, after string) {
		q := values("method", method, "hazard_area", hazardArea, "bbox", bboxS, "at", at, "as_of", asOf, "limit", limit, "after", after)
		rs := &fuzzReleases{}
		srv := fuzzServer(Config{Releases: rs})
		path := "/api/v1/land-releases"
		if ogc {
			path = "/api/v1/collections/land-releases/items"
		}
		status, _ := fuzzServe(t, srv, http.MethodGet, path, q, "", nil, "method", "bbox", "at", "as_of", "limit", "after")
		wantStatus(t, q, status, http.StatusOK, http.StatusBadRequest)
		if status != http.StatusOK {
			if rs.calls != 0 {
				t.Fatalf("%s: refused after asking the database", q.Encode())
			}
			return
		}
		if rs.calls != 1 || string(rs.f.Method) != method || rs.f.HazardArea != hazardArea {
			t.Fatalf("%s: %d queries, filter %+v", q.Encode(), rs.calls, rs.f)
		}
		checkCommonFilter(t, q, rs.f.BBox, rs.f.Temporal, rs.f.Limit, rs.f.After)
	})
}

// FuzzMapHandlers fuzzes GET /api/v1/map/hazard-areas and /api/v1/map/land-releases.
func FuzzMapHandlers(f *testing.F) {
	f.Add(false, "102.1,17.9,102.8,18.3", "10", "", "", "", "", "", "", "")
	f.Add(false, "100,13.5,108,22.5", "6.5", "CHA", "all", "2023-12-31", "", "", "", "")
	f.Add(true, "102.1,17.9,102.8,18.3", "14", "", "", "", "2024-04-30T09:00:00Z", "cleared", "", "")
	f.Add(false, "102.1,17.9,102.8,18.3", "10", "", "", "", "", "", "100", "")
	f.Add(false, "102.1,17.9,102.8,18.3", "10", "", "", "", "", "", "", "5")
	f.Add(false, "", "10", "", "", "", "", "", "", "")
	f.Add(true, "102.1,17.9,102.8,18.3", "", "", "", "", "", "", "", "")
	f.Add(false, "102.1,17.9,102.8,18.3", "23", "", "", "", "", "", "", "")
	f.Add(true, "102.1,17.9,102.8,18.3", "10", "", "", "", "", "burnt", "", "")
	f.Fuzz(func(t *testing.T, releases bool, bboxS, zoom, kind, status, at, asOf, method, limit, after string) {
		q := values("bbox", bboxS, "zoom", zoom, "kind", kind, "status", status, "at", at, "as_of", asOf, "method", method,
			"limit", limit, "after", after)
		hz, rs, sp := &fuzzHazards{}, &fuzzReleases{}, &fuzzSpatial{}
		srv := fuzzServer(Config{Hazards: hz, Releases: rs, Spatial: sp})
		path := "/api/v1/map/hazard-areas"
		if releases {
			path = "/api/v1/map/land-releases"
		}
		code, _ := fuzzServe(t, srv, http.MethodGet, path, q, "", nil, "bbox", "zoom", "kind", "status", "at", "as_of", "method", "limit", "after")
		wantStatus(t, q, code, http.StatusOK, http.StatusBadRequest)
		calls := hz.calls + rs.calls + sp.calls
		if code != http.StatusOK {
			if calls != 0 {
				t.Fatalf("%s: refused after asking the services", q.Encode())
			}
			return
		}
		if calls != 1 {
			t.Fatalf("%s: %d queries", q.Encode(), calls)
		}
		if _, err := mapZoom(q); err != nil {
			t.Fatalf("%s: answered with a bad zoom: %v", q.Encode(), err)
		}
		switch {
		case releases:
			if rs.calls != 1 || string(rs.f.Method) != method || rs.f.Limit != mapLimit || rs.f.After != 0 {
				t.Fatalf("%s: land releases filter %+v", q.Encode(), rs.f)
			}
			checkCommonFilter(t, q, rs.f.BBox, rs.f.Temporal, 0, 0)
		default:
			if q.Has("limit") || q.Has("after") {
				t.Fatalf("%s: limit or after accepted by the map", q.Encode())
			}
			hf := hz.f
			if sp.calls == 1 {
				hf = sp.f
				hf.BBox = &sp.b
				if !sp.f.Temporal.IsZero() {
					t.Fatalf("%s: the past asked of the index", q.Encode())
				}
			}
			checkHazardFilter(t, hf, q)
		}
	})
}

// FuzzArticle7 fuzzes GET /api/v1/reports/article7: article7Request's level, year, from, to, at, as_of and
// compare_as_of, and format.
func FuzzArticle7(f *testing.F) {
	f.Add("", "", "", "", "", "", "", "")
	f.Add("2", "2024", "", "", "", "2025-01-31", "", "csv")
	f.Add("1", "", "2024-01-01", "2024-06-30", "", "", "2024-12-31T23:59:59Z", "xlsx")
	f.Add("", "1960", "", "", "", "", "", "html")
	f.Add("3", "", "", "", "", "", "", "")
	f.Add("", "1959", "", "", "", "", "", "")
	f.Add("", "3000", "", "", "", "", "", "")
	f.Add("", "", "2024-13-01", "", "", "", "", "")
	f.Add("", "", "", "", "2024-01-01", "", "", "")
	f.Add("", "", "", "", "", "", "last year", "pdf")
	f.Fuzz(func(t *testing.T, level, year, from, to, at, asOf, compareAsOf, format string) {
		q := values("level", level, "year", year, "from", from, "to", to, "at", at, "as_of", asOf, "compare_as_of", compareAsOf, "format", format)
		reps := &fuzzReports{}
		srv := fuzzServer(Config{Reports: reps, ReportFormat: fuzzReportFormat})
		now := time.Now().UTC()
		status, field := fuzzServe(t, srv, http.MethodGet, "/api/v1/reports/article7", q, "", nil,
			"level", "year", "from", "to", "at", "as_of", "compare_as_of", "format")
		wantStatus(t, q, status, http.StatusOK, http.StatusBadRequest)
		if status != http.StatusOK {
			if reps.calls != 0 {
				t.Fatalf("%s: refused after asking for the report", q.Encode())
			}
			if field == "at" && at == "" {
				t.Fatalf("%s: refused for at, not given", q.Encode())
			}
			return
		}
		if at != "" {
			t.Fatalf("%s: at accepted by a report", q.Encode())
		}
		r := reps.req
		if n, _ := strconv.Atoi(level); reps.calls != 1 || r.Level != 1 && r.Level != 2 || level != "" && n != r.Level || level == "" && r.Level != 1 {
			t.Fatalf("%s: %d reports, level %d", q.Encode(), reps.calls, r.Level)
		}
		y := now.Year() - 1
		if year != "" {
			y, _ = strconv.Atoi(year)
		}
		if y < 1960 || y > now.Year() {
			t.Fatalf("%s: year %d", q.Encode(), y)
		}
		for _, d := range []struct {
			name, s string
			got     time.Time
			def     time.Time
		}{{"from", from, r.From, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)}, {"to", to, r.To, time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}} {
			if d.s != "" {
				checkDate(t, d.name, d.got, d.s)
			} else if !d.got.Equal(d.def) {
				t.Fatalf("%s: %s %v, want %v", q.Encode(), d.name, d.got, d.def)
			}
		}
		if (r.AsOf == nil) != (asOf == "") || (r.CompareAsOf == nil) != (compareAsOf == "") {
			t.Fatalf("%s: as_of %v, compare_as_of %v", q.Encode(), r.AsOf, r.CompareAsOf)
		}
		if r.AsOf != nil {
			checkInstant(t, "as_of", r.AsOf, asOf)
		}
		if r.CompareAsOf != nil {
			checkInstant(t, "compare_as_of", r.CompareAsOf, compareAsOf)
		}
		if format != "" && !slices.Contains([]string{"csv", "json", "xlsx", "html"}, format) {
			t.Fatalf("%s: format accepted", q.Encode())
		}
	})
}

// FuzzArticle4 fuzzes GET /api/v1/reports/article4: on (a date no later than today) and as_of.
func FuzzArticle4(f *testing.F) {
	for _, s := range [][3]string{
		{"", "", ""}, {"2025-06-30", "", ""}, {"", "2024-04-30", ""}, {"2024-01-01", "2024-04-30T09:00:00+07:00", ""},
		{"9999-12-31", "", ""}, {"2025-02-29", "", ""}, {"today", "", ""}, {"", "yesterday", ""}, {"", "", "2024-01-01"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, on, asOf, at string) {
		q := values("on", on, "as_of", asOf, "at", at)
		a4 := &fuzzArticle4{}
		srv := fuzzServer(Config{Article4: a4})
		before := time.Now().UTC()
		status, _ := fuzzServe(t, srv, http.MethodGet, "/api/v1/reports/article4", q, "", nil, "on", "at", "as_of")
		wantStatus(t, q, status, http.StatusOK, http.StatusBadRequest)
		if status != http.StatusOK {
			if a4.calls != 0 {
				t.Fatalf("%s: refused after asking for the progress", q.Encode())
			}
			return
		}
		if a4.calls != 1 || a4.on.After(time.Now().UTC()) {
			t.Fatalf("%s: %d calls, on %v", q.Encode(), a4.calls, a4.on)
		}
		if on != "" {
			checkDate(t, "on", a4.on, on)
		} else if a4.on.Before(before) {
			t.Fatalf("%s: on %v, want now", q.Encode(), a4.on)
		}
		if (a4.asOf == nil) != (asOf == "") {
			t.Fatalf("%s: as_of %v", q.Encode(), a4.asOf)
		}
		if a4.asOf != nil {
			checkInstant(t, "as_of", a4.asOf, asOf)
		}
	})
}

// FuzzAuditList fuzzes GET /api/v1/audit (as an administrator): since, until, before and limit; user, action,
// entity and record are passed on as they are.
func FuzzAuditList(f *testing.F) {
	f.Add("", "", "", "", "", "", "", "")
	f.Add("amy", "create", "hazard_area", "LA-XK-2024-0001", "2024-01-01", "2024-12-31T23:59:59Z", "", "50")
	f.Add("", "sign_in_failed", "", "", "", "", "1234", "1000")
	f.Add("", "", "", "", "last week", "", "", "")
	f.Add("", "", "", "", "", "2024-02-30", "", "")
	f.Add("", "", "", "", "", "", "0", "")
	f.Add("", "", "", "", "", "", "", "1001")
	f.Add("", "", "", "", "", "", "-3", "0")
	f.Fuzz(func(t *testing.T, user, action, entity, record, since, until, before, limit string) {
		q := values("user", user, "action", action, "entity", entity, "record", record, "since", since, "until", until,
			"before", before, "limit", limit)
		au := &fuzzAudit{}
		srv := fuzzServer(Config{Audit: au})
		status, _ := fuzzServe(t, srv, http.MethodGet, "/api/v1/audit", q, "admin-token", nil, "since", "until", "before", "limit")
		wantStatus(t, q, status, http.StatusOK, http.StatusBadRequest)
		if status != http.StatusOK {
			if au.calls != 0 {
				t.Fatalf("%s: refused after reading the trail", q.Encode())
			}
			return
		}
		a := au.f
		if au.calls != 1 || a.Actor != user || a.Action != action || a.Entity != entity || a.LocalID != record {
			t.Fatalf("%s: %d reads, filter %+v", q.Encode(), au.calls, a)
		}
		if (a.Since == nil) != (since == "") || (a.Until == nil) != (until == "") {
			t.Fatalf("%s: since %v, until %v", q.Encode(), a.Since, a.Until)
		}
		if a.Since != nil {
			// A date as since is read as the end of that day, as temporal reads as_of, so that since=2024-01-01
			// leaves out the entries of 1 January (audit.go, reported): any instant of the day passes here.
			if d, err := time.Parse(time.DateOnly, since); err == nil {
				if a.Since.Before(d) || !a.Since.Before(d.Add(24*time.Hour)) {
					t.Fatalf("since=%q read as %v, not within that day", since, a.Since)
				}
			} else {
				checkInstant(t, "since", a.Since, since)
			}
		}
		if a.Until != nil {
			checkInstant(t, "until", a.Until, until)
		}
		if a.Limit < 0 || a.Limit > 1000 || (limit == "") != (a.Limit == 0) || a.Before < 0 || (before == "") != (a.Before == 0) {
			t.Fatalf("%s: before %d, limit %d", q.Encode(), a.Before, a.Limit)
		}
	})
}

// FuzzUploadParams fuzzes GET /api/v1/uploads (status, limit, after) and the dry_run of POST /api/v1/uploads (as
// a field team, with a body of the wrong media type: a dry_run that is refused must be refused first).
func FuzzUploadParams(f *testing.F) {
	for _, s := range [][4]string{
		{"", "", "", ""}, {"submitted", "20", "", "true"}, {"approved", "", "", "false"}, {"rejected", "10000", "5", ""},
		{"pending", "", "", "yes"}, {"", "0", "", "TRUE"}, {"", "", "-1", "1"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, status, limit, after, dryRun string) {
		q := values("status", status, "limit", limit, "after", after)
		up := &fuzzUploads{}
		srv := fuzzServer(Config{Uploads: up})
		code, _ := fuzzServe(t, srv, http.MethodGet, "/api/v1/uploads", q, "field-token", nil, "status", "limit", "after")
		wantStatus(t, q, code, http.StatusOK, http.StatusBadRequest)
		if code != http.StatusOK {
			if up.calls != 0 {
				t.Fatalf("%s: refused after listing", q.Encode())
			}
		} else {
			if up.calls != 1 || up.f.Status != status || up.f.Limit < 0 || up.f.Limit > 10000 || (limit == "") != (up.f.Limit == 0) {
				t.Fatalf("%s: %d lists, filter %+v", q.Encode(), up.calls, up.f)
			}
			if !slices.Contains([]string{"", landrelease.UploadSubmitted, landrelease.UploadApproved, landrelease.UploadRejected}, status) {
				t.Fatalf("%s: status accepted", q.Encode())
			}
		}

		dq := values("dry_run", dryRun)
		code, _ = fuzzServe(t, srv, http.MethodPost, "/api/v1/uploads", dq, "field-token", map[string]string{"Content-Type": "text/plain"}, "dry_run")
		want := http.StatusUnsupportedMediaType
		if dryRun != "" && dryRun != "true" && dryRun != "false" {
			want = http.StatusBadRequest
		}
		wantStatus(t, dq, code, want)
	})
}

// FuzzAdminUnits fuzzes GET /api/v1/admin-units: level (1 or 2, none for all) and geometry (false leaves them out).
func FuzzAdminUnits(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"1", ""}, {"2", "false"}, {"", "true"}, {"0", ""}, {"3", ""}, {"one", ""}, {"+1", "FALSE"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, level, geometry string) {
		q := values("level", level, "geometry", geometry)
		ad := &fuzzAdmin{}
		srv := fuzzServer(Config{Admin: ad})
		code, _ := fuzzServe(t, srv, http.MethodGet, "/api/v1/admin-units", q, "", nil, "level", "geometry")
		wantStatus(t, q, code, http.StatusOK, http.StatusBadRequest)
		if code != http.StatusOK {
			if ad.calls != 0 {
				t.Fatalf("%s: refused after reading the gazetteer", q.Encode())
			}
			return
		}
		if ad.calls != 1 || ad.level < 0 || ad.level > 2 || (level == "") != (ad.level == 0) || ad.withGeom != (geometry != "false") || (geometry != "" && geometry != "true" && geometry != "false") {
			t.Fatalf("%s: %d reads, level %d, geometry %v", q.Encode(), ad.calls, ad.level, ad.withGeom)
		}
	})
}
