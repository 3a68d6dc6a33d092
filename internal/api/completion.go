package api

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The completion of Article 4.1(c): the summary a declaration attaches, and the completion dates declared.

// MaxCompletionPage is the most areas a completion summary answers as HTML, a page gathered in memory; a larger
// one (a whole large State) is answered as CSV or JSON, streamed, or asked for one admin unit at a time.
const MaxCompletionPage = 20000

// stateScope is the path segment of PUT /completion/{scope} that stands for the whole State.
const stateScope = "state"

// completionRequest reads admin (a code; none: the State), on (fieldDate: from 1990 to today, default today) and
// as_of.
func completionRequest(c echo.Context, now time.Time) (landrelease.CompletionRequest, error) {
	q := c.QueryParams()
	req := landrelease.CompletionRequest{Admin: q.Get("admin"), On: landrelease.Day(now)}
	if v := q.Get("on"); v != "" {
		d, err := fieldDate(v, now)
		if err != nil {
			return req, err
		}
		req.On = d
	}
	t, err := temporal(q)
	if err != nil {
		return req, err
	}
	if t.At != nil {
		return req, badParam("at", "does not apply to the completion summary: give its date with on")
	}
	req.AsOf = t.AsOf
	return req, nil
}

// completionSummary answers the summary. While CMR areas remain open it answers 409 with how many remain, and
// where, unless draft=true asks for the summary anyway (marked complete: false, and NOT COMPLETE on the page).
// The figures are read first, so that a 409 or a 422 is answered before the body; the CSV and the JSON are then
// written as the areas stream from the same snapshot (the HTML page at most MaxCompletionPage areas) to a
// temporary file, sent with its Content-Length once the snapshot's transaction has ended.
func (s *Server) completionSummary(c echo.Context) error {
	req, err := completionRequest(c, s.cfg.Now().UTC())
	if err != nil {
		return err
	}
	draft := false
	if v := c.QueryParam("draft"); v != "" {
		if draft, err = strconv.ParseBool(v); err != nil {
			return badParam("draft", "must be true or false, not %q", v)
		}
	}
	format := strings.ToLower(strings.TrimSpace(c.QueryParam("format")))
	if format == "" {
		format = "json"
	}
	ctype, ext, write, ok := s.cfg.CompletionFormat(format)
	if !ok {
		return badParam("format", "must be one of csv, json, html, not %q", format)
	}
	// The summary is written to a temporary file as the areas stream from the snapshot, and sent once the
	// snapshot's transaction has ended: a slow client holds a file, not a database connection.
	tmp, err := os.CreateTemp("", "landrelease-completion-*")
	if err != nil {
		return fmt.Errorf("completion summary: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	var (
		asOf time.Time
		name string
	)
	err = s.cfg.Completion.StreamSummary(c.Request().Context(), req, func(sum *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
		if !sum.Complete && !draft {
			return sum.NotComplete()
		}
		if format == "html" && sum.AreaCount > MaxCompletionPage {
			return landrelease.Invalid(fmt.Sprintf("The summary lists %d areas, more than the %d an html page holds: ask for format=csv or format=json, or for one admin unit with admin=.",
				sum.AreaCount, MaxCompletionPage), landrelease.Detail{Field: "format", Reason: "too many areas for this format"})
		}
		scope := "state"
		if sum.Admin != landrelease.StateScope {
			scope = sum.Admin
		}
		asOf, name = sum.AsOf, fmt.Sprintf("completion-%s-%s%s", scope, sum.On.Format(time.DateOnly), ext)
		w := bufio.NewWriterSize(tmp, 64<<10)
		if err := write(w, sum, areas); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		return fmt.Errorf("completion summary: %w", err)
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.FormatInt(size, 10))
	return s.sendReport(c, format, ctype, name, asOf, func(w io.Writer) error {
		_, err := io.Copy(w, tmp)
		return err
	})
}

// listCompletions answers the completion dates in force.
func (s *Server) listCompletions(c echo.Context) error {
	cs, err := s.cfg.Completion.Completions(c.Request().Context())
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []landrelease.Completion{}
	}
	return c.JSON(http.StatusOK, map[string]any{"completions": cs})
}

// declareCompletion records the completion date of {scope} (an admin unit code, or state):
// {"completed_on": "2025-03-31", "declared_on": "2025-06-30" (default today), "note": ""}.
func (s *Server) declareCompletion(c echo.Context) error {
	var body struct {
		CompletedOn string `json:"completed_on"`
		DeclaredOn  string `json:"declared_on"`
		Note        string `json:"note"`
	}
	if err := decodeBody(c, &body, `{"completed_on": "2025-03-31", "declared_on": "2025-06-30", "note": ""}`); err != nil {
		return err
	}
	comp := landrelease.Completion{Admin: c.Param("scope"), Note: body.Note}
	if comp.Admin == stateScope {
		comp.Admin = landrelease.StateScope
	}
	var err error
	if comp.CompletedOn, err = time.Parse(time.DateOnly, body.CompletedOn); err != nil {
		return landrelease.Invalid(fmt.Sprintf("completed_on must be a date such as 2025-03-31, not %q.", body.CompletedOn),
			landrelease.Detail{Field: "completed_on", Reason: "is not a date"})
	}
	if body.DeclaredOn != "" {
		if comp.DeclaredOn, err = time.Parse(time.DateOnly, body.DeclaredOn); err != nil {
			return landrelease.Invalid(fmt.Sprintf("declared_on must be a date such as 2025-06-30, not %q.", body.DeclaredOn),
				landrelease.Detail{Field: "declared_on", Reason: "is not a date"})
		}
	}
	if err := s.cfg.Completion.Declare(c.Request().Context(), comp); err != nil {
		return err
	}
	return s.listCompletions(c)
}
