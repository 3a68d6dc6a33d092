package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// article7Request reads year (a calendar year, the default being the last one), or from and to (dates),
// level (1 or 2, default 1) and as_of.
func article7Request(c echo.Context, now time.Time) (landrelease.Article7Request, error) {
	q := c.QueryParams()
	req := landrelease.Article7Request{Level: 1}
	if s := q.Get("level"); s != "" {
		l, err := strconv.Atoi(s)
		if err != nil || (l != 1 && l != 2) {
			return req, badParam("level", "must be 1 or 2, not %q", s)
		}
		req.Level = l
	}
	year := now.Year() - 1
	if s := q.Get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1960 || y > now.Year() {
			return req, badParam("year", "must be a year from 1960 to %d, not %q", now.Year(), s)
		}
		year = y
	}
	req.From = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	req.To = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	for name, dst := range map[string]*time.Time{"from": &req.From, "to": &req.To} {
		if s := q.Get(name); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return req, badParam(name, "must be a date such as 2024-01-01, not %q", s)
			}
			*dst = d
		}
	}
	t, err := temporal(q)
	if err != nil {
		return req, err
	}
	if t.At != nil {
		return req, badParam("at", "does not apply to reports: give the period with year, or from and to")
	}
	req.AsOf = t.AsOf
	if s := q.Get("compare_as_of"); s != "" {
		c, err := temporal(map[string][]string{"as_of": {s}})
		if err != nil {
			return req, badParam("compare_as_of", "must be a date or an RFC 3339 time, not %q", s)
		}
		req.CompareAsOf = c.AsOf
	}
	return req, nil
}

func (s *Server) article7(c echo.Context) error {
	req, err := article7Request(c, s.cfg.Now().UTC())
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	ctype, ext, write, ok := s.cfg.ReportFormat(format)
	if !ok {
		return badParam("format", "must be one of csv, json, xlsx, html, not %q", format)
	}
	r, err := s.cfg.Reports.Article7(c.Request().Context(), req)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("article7-%s-%s-level%d%s", r.From.Format(time.DateOnly), r.To.Format(time.DateOnly), r.Level, ext)
	return s.sendReport(c, format, ctype, name, r.AsOf, func(w io.Writer) error { return write(w, r) })
}

// sendReport answers with a report's file name, in format (of media type ctype) as of asOf: a download (not a
// page viewed) is recorded in the audit trail first, as an export; then the headers, then what write writes.
func (s *Server) sendReport(c echo.Context, format, ctype, name string, asOf time.Time, write func(io.Writer) error) error {
	if s.cfg.Exports != nil && disposition(format) == "attachment" {
		if err := s.cfg.Exports.RecordExport(c.Request().Context(), "report", name,
			map[string]any{"format": format, "as_of": asOf.Format(time.RFC3339Nano)}); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ctype)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("%s; filename=%q", disposition(format), name))
	h.Set("X-Report-As-Of", asOf.Format(time.RFC3339Nano))
	c.Response().WriteHeader(http.StatusOK)
	return write(c.Response())
}

// disposition shows HTML and JSON in the browser and downloads the rest.
func disposition(format string) string {
	if format == "html" || format == "json" {
		return "inline"
	}
	return "attachment"
}

// fieldDate reads v, the on of a report: a date from 1990 (the earliest year the reports take) to now's day; an
// error naming on otherwise. Before 1990 lies the zero time, which a report's service reads as today.
func fieldDate(v string, now time.Time) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Year() < 1990 || d.After(now) {
		return time.Time{}, badParam("on", "must be a date from 1990 to today, such as 2025-06-30, not %q", v)
	}
	return d, nil
}

func (s *Server) article4(c echo.Context) error {
	on := s.cfg.Now().UTC()
	if v := c.QueryParam("on"); v != "" {
		d, err := fieldDate(v, on)
		if err != nil {
			return err
		}
		on = d
	}
	t, err := temporal(c.QueryParams())
	if err != nil {
		return err
	}
	p, err := s.cfg.Article4.Progress(c.Request().Context(), on, t.AsOf)
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Report-As-Of", p.AsOf.Format(time.RFC3339Nano))
	return c.JSON(http.StatusOK, p)
}
