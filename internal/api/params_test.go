package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// paramsContext returns an echo context for a request with the given headers and body.
func paramsContext(method, target, body string, header map[string]string) (echo.Context, *httptest.ResponseRecorder) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	return echo.New().NewContext(req, rec), rec
}

// wantParamError checks that err is a *landrelease.Error of code with a detail naming field (when set).
func wantParamError(t *testing.T, err error, code, field string) {
	t.Helper()
	var le *landrelease.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %T %v, want a *landrelease.Error", err, err)
	}
	if le.Code != code {
		t.Errorf("code %q, want %q (%v)", le.Code, code, err)
	}
	if le.Message == "" {
		t.Error("no message")
	}
	if field != "" {
		if len(le.Details) != 1 || le.Details[0].Field != field || le.Details[0].Reason == "" {
			t.Errorf("details %+v, want one for field %q", le.Details, field)
		} else if !strings.Contains(le.Message, field) {
			t.Errorf("message %q does not name %q", le.Message, field)
		}
	}
}

func TestTemporal(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi, s, ns int) *time.Time {
		v := time.Date(y, m, d, h, mi, s, ns, time.UTC)
		return &v
	}
	cases := []struct {
		name      string
		q         url.Values
		at, asOf  *time.Time
		errField  string
		errSubstr string
	}{
		{name: "none", q: url.Values{}},
		{name: "empty values", q: url.Values{"at": {""}, "as_of": {""}}},
		{name: "at date", q: url.Values{"at": {"2023-12-31"}}, at: utc(2023, 12, 31, 0, 0, 0, 0)},
		{name: "as_of date is the end of that day UTC", q: url.Values{"as_of": {"2024-04-30"}},
			asOf: utc(2024, 4, 30, 23, 59, 59, 999999000)},
		{name: "as_of leap day", q: url.Values{"as_of": {"2024-02-29"}}, asOf: utc(2024, 2, 29, 23, 59, 59, 999999000)},
		{name: "as_of RFC 3339 UTC", q: url.Values{"as_of": {"2024-04-30T09:00:00Z"}}, asOf: utc(2024, 4, 30, 9, 0, 0, 0)},
		{name: "as_of RFC 3339 with offset", q: url.Values{"as_of": {"2024-04-30T09:00:00+07:00"}}, asOf: utc(2024, 4, 30, 2, 0, 0, 0)},
		{name: "as_of RFC 3339 nanoseconds", q: url.Values{"as_of": {"2024-04-30T09:00:00.123456789-03:30"}},
			asOf: utc(2024, 4, 30, 12, 30, 0, 123456789)},
		{name: "both", q: url.Values{"at": {"2022-01-01"}, "as_of": {"2024-01-01"}},
			at: utc(2022, 1, 1, 0, 0, 0, 0), asOf: utc(2024, 1, 1, 23, 59, 59, 999999000)},
		{name: "at with a time", q: url.Values{"at": {"2024-04-30T09:00:00Z"}}, errField: "at", errSubstr: "2024-04-30T09:00:00Z"},
		{name: "at no such day", q: url.Values{"at": {"2023-02-29"}}, errField: "at"},
		{name: "at words", q: url.Values{"at": {"yesterday"}}, errField: "at"},
		{name: "at day first", q: url.Values{"at": {"31/12/2023"}}, errField: "at"},
		{name: "as_of words", q: url.Values{"as_of": {"now"}}, errField: "as_of", errSubstr: `"now"`},
		{name: "as_of no such day", q: url.Values{"as_of": {"2024-04-31"}}, errField: "as_of"},
		{name: "as_of without zone", q: url.Values{"as_of": {"2024-04-30T09:00:00"}}, errField: "as_of"},
		{name: "as_of plus decoded as a space", q: url.Values{"as_of": {"2024-04-30T09:00:00 07:00"}}, errField: "as_of"},
		{name: "good at, bad as_of", q: url.Values{"at": {"2023-12-31"}, "as_of": {"x"}}, errField: "as_of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := temporal(c.q)
			if c.errField != "" {
				wantParamError(t, err, landrelease.EBADREQUEST, c.errField)
				if c.errSubstr != "" && !strings.Contains(landrelease.ErrorMessage(err), c.errSubstr) {
					t.Errorf("message %q does not quote %s", landrelease.ErrorMessage(err), c.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatalf("temporal: %v", err)
			}
			checkTime(t, "At", got.At, c.at)
			checkTime(t, "AsOf", got.AsOf, c.asOf)
			if got.IsZero() != (c.at == nil && c.asOf == nil) {
				t.Errorf("IsZero = %v", got.IsZero())
			}
		})
	}
}

func checkTime(t *testing.T, name string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", name, got, want)
	case !got.Equal(*want):
		t.Errorf("%s = %v, want %v", name, got.UTC().Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}

// TestTemporalQueryString reads the parameters from a real query string, as a client sends them.
func TestTemporalQueryString(t *testing.T) {
	c, _ := paramsContext(http.MethodGet, "/api/v1/hazard-areas?at=2023-12-31&as_of=2024-04-30T09%3A00%3A00%2B07%3A00", "", nil)
	got, err := temporal(c.QueryParams())
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "At", got.At, ptr(time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)))
	checkTime(t, "AsOf", got.AsOf, ptr(time.Date(2024, 4, 30, 2, 0, 0, 0, time.UTC)))
}

func ptr[T any](v T) *T { return &v }

func TestBBox(t *testing.T) {
	cases := []struct {
		name string
		s    string
		want *orb.Bound
		bad  bool
	}{
		{name: "absent", s: ""},
		{name: "valid", s: "102.1,17.9,102.8,18.3", want: &orb.Bound{Min: orb.Point{102.1, 17.9}, Max: orb.Point{102.8, 18.3}}},
		{name: "spaces", s: " 100 , 13.5 ,108, 22.5 ", want: &orb.Bound{Min: orb.Point{100, 13.5}, Max: orb.Point{108, 22.5}}},
		{name: "whole world", s: "-180,-90,180,90", want: &orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}},
		{name: "a point: no area", s: "103,19,103,19", bad: true},
		{name: "a line: no width", s: "103,19,103,19.5", bad: true},
		{name: "3 numbers", s: "102.1,17.9,102.8", bad: true},
		{name: "5 numbers", s: "102.1,17.9,102.8,18.3,0", bad: true},
		{name: "W>E", s: "102.8,17.9,102.1,18.3", bad: true},
		{name: "S>N", s: "102.1,18.3,102.8,17.9", bad: true},
		{name: "W out of range", s: "-181,0,0,1", bad: true},
		{name: "E out of range", s: "0,0,181,1", bad: true},
		{name: "S out of range", s: "0,-91,1,1", bad: true},
		{name: "N out of range", s: "0,0,1,90.5", bad: true},
		{name: "projected", s: "11360000,2030000,11450000,2080000", bad: true},
		{name: "non-numeric", s: "a,b,c,d", bad: true},
		{name: "one word", s: "Laos", bad: true},
		{name: "empty part", s: "1,,2,3", bad: true},
		{name: "infinity", s: "-Inf,0,Inf,1", bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := bbox(url.Values{"bbox": {c.s}})
			if c.bad {
				wantParamError(t, err, landrelease.EBADREQUEST, "bbox")
				if got != nil {
					t.Errorf("bound %v with an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("bbox: %v", err)
			}
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("bbox = %v, want %v", got, c.want)
			}
		})
	}
}

// TestBBoxNaN: NaN is not a coordinate.
func TestBBoxNaN(t *testing.T) {
	for _, s := range []string{"NaN,0,1,1", "NaN,NaN,NaN,NaN", "0,0,1,nan"} {
		t.Run(s, func(t *testing.T) {
			got, err := bbox(url.Values{"bbox": {s}})
			if err == nil {
				t.Errorf("bbox=%s is accepted as %v: strconv.ParseFloat accepts \"NaN\" and every comparison of "+
					"the range check is false for NaN, so a NaN bound reaches the store", s, got)
			}
			wantParamError(t, err, landrelease.EBADREQUEST, "bbox")
		})
	}
}

func TestPage(t *testing.T) {
	cases := []struct {
		name      string
		q         url.Values
		limit     int
		after     int64
		wantField string
	}{
		{name: "absent", q: url.Values{}},
		{name: "limit 1", q: url.Values{"limit": {"1"}}, limit: 1},
		{name: "limit 10000", q: url.Values{"limit": {"10000"}}, limit: 10000},
		{name: "after 0", q: url.Values{"after": {"0"}}},
		{name: "after large", q: url.Values{"limit": {"50"}, "after": {"9007199254740993"}}, limit: 50, after: 9007199254740993},
		{name: "limit 0", q: url.Values{"limit": {"0"}}, wantField: "limit"},
		{name: "limit 10001", q: url.Values{"limit": {"10001"}}, wantField: "limit"},
		{name: "limit negative", q: url.Values{"limit": {"-5"}}, wantField: "limit"},
		{name: "limit abc", q: url.Values{"limit": {"abc"}}, wantField: "limit"},
		{name: "limit fractional", q: url.Values{"limit": {"2.5"}}, wantField: "limit"},
		{name: "after -1", q: url.Values{"after": {"-1"}}, wantField: "after"},
		{name: "after abc", q: url.Values{"after": {"abc"}}, wantField: "after"},
		{name: "after overflow", q: url.Values{"after": {"9223372036854775808"}}, wantField: "after"},
		{name: "good limit, bad after", q: url.Values{"limit": {"10"}, "after": {"x"}}, wantField: "after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limit, after, err := page(c.q)
			if c.wantField != "" {
				wantParamError(t, err, landrelease.EBADREQUEST, c.wantField)
				if limit != 0 || after != 0 {
					t.Errorf("limit %d, after %d with an error", limit, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("page: %v", err)
			}
			if limit != c.limit || after != c.after {
				t.Errorf("limit %d, after %d; want %d, %d", limit, after, c.limit, c.after)
			}
		})
	}
}

func TestOneOf(t *testing.T) {
	allowed := []string{"open", "closed", "all"}
	cases := []struct {
		name, value, want string
		bad               bool
	}{
		{name: "absent"},
		{name: "first", value: "open", want: "open"},
		{name: "last", value: "all", want: "all"},
		{name: "unknown", value: "pending", bad: true},
		{name: "case-sensitive", value: "Open", bad: true},
		{name: "not trimmed", value: " open", bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := url.Values{}
			if c.value != "" {
				q.Set("status", c.value)
			}
			got, err := oneOf(q, "status", allowed...)
			if c.bad {
				wantParamError(t, err, landrelease.EBADREQUEST, "status")
				if msg := landrelease.ErrorMessage(err); !strings.Contains(msg, "open, closed, all") {
					t.Errorf("message %q does not list the allowed values", msg)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("oneOf = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestIfMatch(t *testing.T) {
	cases := []struct {
		name   string
		header string // "" sends no If-Match
		want   int
		bad    bool
	}{
		{name: "absent"},
		{name: "blank", header: "  "},
		{name: "strong", header: `"3"`, want: 3},
		{name: "weak", header: `W/"3"`, want: 3},
		{name: "bare", header: `3`, want: 3},
		{name: "padded", header: ` "12" `, want: 12},
		{name: "not a number", header: `"abc"`, bad: true},
		{name: "zero", header: `"0"`, bad: true},
		{name: "negative", header: `"-2"`, bad: true},
		{name: "two tags", header: `"3", "4"`, bad: true},
		{name: "fractional", header: `"3.0"`, bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.header != "" {
				h["If-Match"] = c.header
			}
			ctx, _ := paramsContext(http.MethodPut, "/api/v1/hazard-areas/X", "", h)
			got, err := ifMatch(ctx)
			if c.bad {
				wantParamError(t, err, landrelease.EBADREQUEST, "")
				if got != 0 {
					t.Errorf("version %d with an error", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("ifMatch = %d, %v; want %d", got, err, c.want)
			}
		})
	}
}

func TestExpectVersion(t *testing.T) {
	cases := []struct {
		name   string
		header string
		body   int
		want   int
		code   string
	}{
		{name: "neither"},
		{name: "If-Match only", header: `"3"`, want: 3},
		{name: "body only", body: 4, want: 4},
		{name: "both agree", header: `W/"5"`, body: 5, want: 5},
		{name: "disagree", header: `"3"`, body: 4, code: landrelease.EINVALID},
		{name: "bad If-Match", header: `"abc"`, body: 4, code: landrelease.EBADREQUEST},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.header != "" {
				h["If-Match"] = c.header
			}
			ctx, _ := paramsContext(http.MethodPut, "/api/v1/land-releases/R", "", h)
			got, err := expectVersion(ctx, c.body)
			if c.code != "" {
				if landrelease.ErrorCode(err) != c.code {
					t.Fatalf("error %v, want code %s", err, c.code)
				}
				if c.code == landrelease.EINVALID {
					ds := landrelease.ErrorDetails(err)
					if len(ds) != 1 || ds[0].Field != "version" || ds[0].Pointer != "/properties/version" {
						t.Errorf("details %+v, want version at /properties/version", ds)
					}
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("expectVersion = %d, %v; want %d", got, err, c.want)
			}
		})
	}
}

func TestETag(t *testing.T) {
	if got := etag(7); got != `"7"` {
		t.Errorf("etag(7) = %s", got)
	}
	// What etag gives, ifMatch reads back.
	ctx, _ := paramsContext(http.MethodPut, "/", "", map[string]string{"If-Match": etag(42)})
	if v, err := ifMatch(ctx); err != nil || v != 42 {
		t.Errorf("ifMatch(etag(42)) = %d, %v", v, err)
	}
}

func TestReadBody(t *testing.T) {
	const body = `{"type":"Feature"}`
	cases := []struct {
		name        string
		contentType string // "" sends none
		code        string
	}{
		{name: "geo+json", contentType: "application/geo+json"},
		{name: "geo+json with charset", contentType: "application/geo+json; charset=utf-8"},
		{name: "json", contentType: "application/json"},
		{name: "json upper case", contentType: "Application/JSON; charset=UTF-8"},
		{name: "none", code: landrelease.EUNSUPPORTEDMEDIA},
		{name: "form", contentType: "application/x-www-form-urlencoded", code: landrelease.EUNSUPPORTEDMEDIA},
		{name: "text", contentType: "text/plain", code: landrelease.EUNSUPPORTEDMEDIA},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", code: landrelease.EUNSUPPORTEDMEDIA},
		{name: "unparsable", contentType: "application/geo+json; charset", code: landrelease.EUNSUPPORTEDMEDIA},
		{name: "json suffix of another type", contentType: "application/vnd.geo+json", code: landrelease.EUNSUPPORTEDMEDIA},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.contentType != "" {
				h[echo.HeaderContentType] = c.contentType
			}
			ctx, _ := paramsContext(http.MethodPost, "/api/v1/hazard-areas", body, h)
			got, err := readBody(ctx)
			if c.code != "" {
				wantParamError(t, err, c.code, "")
				if got != nil {
					t.Errorf("body %q with an error", got)
				}
				return
			}
			if err != nil || string(got) != body {
				t.Errorf("readBody = %q, %v; want the body", got, err)
			}
		})
	}
}

func TestReadBodyTooLarge(t *testing.T) {
	ctx, rec := paramsContext(http.MethodPost, "/api/v1/hazard-areas", strings.Repeat("x", 100),
		map[string]string{echo.HeaderContentType: "application/geo+json"})
	ctx.Request().Body = http.MaxBytesReader(rec, ctx.Request().Body, 10)
	_, err := readBody(ctx)
	wantParamError(t, err, landrelease.ETOOLARGE, "")
	if msg := landrelease.ErrorMessage(err); !strings.Contains(msg, "10 bytes") {
		t.Errorf("message %q does not give the limit", msg)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadBodyReadError(t *testing.T) {
	ctx, _ := paramsContext(http.MethodPost, "/", "", map[string]string{echo.HeaderContentType: "application/json"})
	ctx.Request().Body = io.NopCloser(failingReader{})
	_, err := readBody(ctx)
	wantParamError(t, err, landrelease.EBADREQUEST, "")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v does not keep its cause", err)
	}
}

// TestReportFieldDate reads the on of the completion summary and of the Article 4 progress: a date from 1990 to
// today, else 400 naming on. 0001-01-01 is the zero time, which the services read as today.
func TestReportFieldDate(t *testing.T) {
	now := time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		on   string
		want string // the date read; "" for a 400 naming on
	}{
		{"", "2026-11-29"},
		{"2026-11-29", "2026-11-29"},
		{"2024-02-29", "2024-02-29"},
		{"1990-01-01", "1990-01-01"},
		{"2026-11-30", ""},
		{"2023-02-29", ""},
		{"1989-12-31", ""},
		{"0001-01-01", ""},
		{"0001-01-02", ""},
		{"2026-11-29T00:00:00Z", ""},
	} {
		ctx, _ := paramsContext(http.MethodGet, "/api/v1/reports/completion?on="+url.QueryEscape(c.on), "", nil)
		req, err := completionRequest(ctx, now)
		if c.want == "" {
			wantParamError(t, err, landrelease.EBADREQUEST, "on")
		} else if err != nil || req.On.Format(time.DateOnly) != c.want {
			t.Errorf("completion on=%s: %v, %v; want %s", c.on, req.On, err, c.want)
		}

		a4 := &fuzzArticle4{}
		srv := fuzzServer(Config{Article4: a4, Now: func() time.Time { return now }})
		q := url.Values{}
		if c.on != "" {
			q.Set("on", c.on)
		}
		status, field := fuzzServe(t, srv, http.MethodGet, "/api/v1/reports/article4", q, "", nil, "on")
		switch {
		case c.want == "" && (status != http.StatusBadRequest || field != "on" || a4.calls != 0):
			t.Errorf("article4 on=%s: status %d naming %q after %d calls; want 400 naming on", c.on, status, field, a4.calls)
		case c.want != "" && c.on != "" && (status != http.StatusOK || a4.on.Format(time.DateOnly) != c.want):
			t.Errorf("article4 on=%s: status %d, on %v; want %s", c.on, status, a4.on, c.want)
		}
	}
}

// removedProductivity records the figures DELETE /api/v1/workplan/productivity asks to remove.
type removedProductivity struct {
	landrelease.WorkPlanService
	calls int
	m     landrelease.Method
	org   string
	year  int
}

func (w *removedProductivity) RemoveProductivity(_ context.Context, m landrelease.Method, org string, year int) error {
	w.calls++
	w.m, w.org, w.year = m, org, year
	return nil
}

// TestRemoveProductivityParams reads DELETE /api/v1/workplan/productivity's method, organisation and year: a method
// and a year that no figures can have (as PUT refuses them) are 400 naming the parameter, not a search that finds
// nothing.
func TestRemoveProductivityParams(t *testing.T) {
	for _, c := range []struct {
		query string
		field string // "" when accepted
		year  int
	}{
		{"method=cleared", "", 0},
		{"method=reduced&organisation=NPA&year=2027", "", 2027},
		{"method=cleared&year=0", "", 0},
		{"method=cleared&year=1990", "", 1990},
		{"", "method", 0},
		{"method=demined", "method", 0},
		{"method=Cleared", "method", 0},
		{"method=cleared&year=-1", "year", 0},
		{"method=cleared&year=1989", "year", 0},
		{"method=cleared&year=2101", "year", 0},
		{"method=cleared&year=abc", "year", 0},
	} {
		wp := &removedProductivity{}
		srv := fuzzServer(Config{WorkPlan: wp})
		q, _ := url.ParseQuery(c.query)
		status, field := fuzzServe(t, srv, http.MethodDelete, "/api/v1/workplan/productivity", q, "admin-token", nil, "method", "year")
		if c.field != "" {
			if status != http.StatusBadRequest || field != c.field || wp.calls != 0 {
				t.Errorf("%s: status %d naming %q after %d calls, want 400 naming %s", c.query, status, field, wp.calls, c.field)
			}
			continue
		}
		if status != http.StatusNoContent || wp.calls != 1 || string(wp.m) != q.Get("method") || wp.org != q.Get("organisation") || wp.year != c.year {
			t.Errorf("%s: status %d, removed %+v", c.query, status, wp)
		}
	}
}
