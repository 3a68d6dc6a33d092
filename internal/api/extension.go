package api

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The extension request draft and its text: docs/REPORTS.md, "Extension request".

// ExtensionRequest reads a draft's parameters: until (a date, default the date recorded with the text), teams
// and budget (numbers per year, at least one above 0) and as_of.
func ExtensionRequest(q map[string][]string) (landrelease.ExtensionRequest, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var req landrelease.ExtensionRequest
	if v := get("until"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || d.Year() < 1990 || d.Year() > 2100 {
			return req, badParam("until", "must be a date from 1990 to 2100 such as 2031-08-01, not %q", v)
		}
		req.Until = d
	}
	var err error
	if req.Teams, req.Budget, err = planCapacity(get); err != nil {
		return req, err
	}
	req.AsOf, err = recordTimeOnly(q, "the extension request")
	return req, err
}

func (s *Server) extensionRequest(c echo.Context) error {
	req, err := ExtensionRequest(c.QueryParams())
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	ctype, ext, write, ok := s.cfg.ExtensionFormat(format)
	if !ok {
		return badParam("format", "must be one of json, xlsx, html, not %q", format)
	}
	d, err := s.cfg.Extension.Draft(c.Request().Context(), s.cfg.Now().UTC(), req)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("extension-request-%s-%s%s", d.Until.Format(time.DateOnly), d.On.Format(time.DateOnly), ext)
	return s.sendReport(c, format, ctype, name, d.AsOf, func(w io.Writer) error { return write(w, d) })
}

func (s *Server) getExtensionText(c echo.Context) error {
	asOf, err := asOfOnly(c)
	if err != nil {
		return err
	}
	t, err := s.cfg.Extension.Text(c.Request().Context(), asOf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, extensionTextBody(t))
}

// extensionTextBody is the text as the API shows it: requested_until a date.
func extensionTextBody(t *landrelease.ExtensionText) map[string]any {
	var until any
	if t.RequestedUntil != nil {
		until = t.RequestedUntil.Format(time.DateOnly)
	}
	return map[string]any{"reasons": t.Reasons, "implications": t.Implications, "requested_until": until,
		"recorded_at": t.RecordedAt, "recorded_by": t.RecordedBy}
}

func (s *Server) setExtensionText(c echo.Context) error {
	var body struct {
		Reasons        string `json:"reasons"`
		Implications   string `json:"implications"`
		RequestedUntil string `json:"requested_until"`
	}
	if err := decodeBody(c, &body, `{"reasons": "...", "implications": "...", "requested_until": "2031-08-01"}`); err != nil {
		return err
	}
	t := landrelease.ExtensionText{Reasons: body.Reasons, Implications: body.Implications}
	if body.RequestedUntil != "" {
		d, err := time.Parse(time.DateOnly, body.RequestedUntil)
		if err != nil {
			return landrelease.Invalid(fmt.Sprintf("requested_until must be a date such as 2031-08-01, not %q.", body.RequestedUntil),
				landrelease.Detail{Field: "requested_until", Reason: "must be a date"})
		}
		t.RequestedUntil = &d
	}
	if err := s.cfg.Extension.SetText(c.Request().Context(), t); err != nil {
		return err
	}
	return s.getExtensionText(c)
}
