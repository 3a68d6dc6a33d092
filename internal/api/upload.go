package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spool"
)

// uploadID reads the :id of an upload URL.
func uploadID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, landrelease.Errorf(landrelease.ENOTFOUND, "No upload %q.", c.Param("id"))
	}
	return id, nil
}

// spool checks the media type and writes the body to a temporary file within the upload limit.
func (s *Server) spool(c echo.Context) (*spool.File, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != mediaGeoJSON && mt != mediaJSON) {
		return nil, landrelease.Errorf(landrelease.EUNSUPPORTEDMEDIA, "Send the upload as %s or %s, not %q.", mediaGeoJSON, mediaJSON, ct)
	}
	if c.Request().ContentLength > s.cfg.MaxUpload {
		return nil, landrelease.Errorf(landrelease.ETOOLARGE, "The upload is %d bytes; the limit is %d: split it.", c.Request().ContentLength, s.cfg.MaxUpload)
	}
	return spool.Copy(http.MaxBytesReader(c.Response(), c.Request().Body, s.cfg.MaxUpload), s.cfg.MaxUpload)
}

// dryRun reads the dry_run parameter of an upload: "true" checks only.
func dryRun(c echo.Context) (string, error) {
	return oneOf(c.QueryParams(), "dry_run", "true", "false")
}

// uploadParams checks an upload's parameters before its body is received.
func uploadParams(c echo.Context) error {
	_, err := dryRun(c)
	return err
}

// createUpload answers POST /api/v1/uploads (dry_run=true checks only).
func (s *Server) createUpload(c echo.Context) error {
	ctx := c.Request().Context()
	if _, err := landrelease.Require(ctx, landrelease.RoleFieldTeam, landrelease.RoleDataManager); err != nil {
		return err
	}
	dry, err := dryRun(c)
	if err != nil {
		return err
	}
	body, err := spooledFrom(c) // received by the route's limits (limits.go), closed after the handler
	if err != nil {
		return err
	}
	if dry == "true" {
		rep, err := s.cfg.Uploads.Check(ctx, body)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if !rep.Accepted {
			status = http.StatusUnprocessableEntity
		}
		return c.JSON(status, map[string]any{"dry_run": true, "report": rep})
	}
	up, replayed, err := s.cfg.Uploads.Submit(ctx, body, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/uploads/%d", up.ID))
	return c.JSON(http.StatusCreated, up)
}

func (s *Server) listUploads(c echo.Context) error {
	status, err := oneOf(c.QueryParams(), "status", landrelease.UploadSubmitted, landrelease.UploadApproved, landrelease.UploadRejected)
	if err != nil {
		return err
	}
	limit, _, err := page(c.QueryParams())
	if err != nil {
		return err
	}
	ups, err := s.cfg.Uploads.FindUploads(c.Request().Context(), landrelease.UploadFilter{Status: status, Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"uploads": ups})
}

func (s *Server) getUpload(c echo.Context) error {
	id, err := uploadID(c)
	if err != nil {
		return err
	}
	up, err := s.cfg.Uploads.FindUpload(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, up)
}

func (s *Server) uploadBody(c echo.Context) error {
	id, err := uploadID(c)
	if err != nil {
		return err
	}
	// The body is written as it streams from the database; errors before the first byte still get a JSON body.
	w := &lazyWriter{c: c}
	if err := s.cfg.Uploads.WriteUploadBody(c.Request().Context(), id, w); err != nil {
		if w.started {
			return nil // the client sees a truncated body; the error is in the log
		}
		return err
	}
	if !w.started {
		w.start()
	}
	return nil
}

type lazyWriter struct {
	c       echo.Context
	started bool
}

func (w *lazyWriter) start() {
	w.c.Response().Header().Set(echo.HeaderContentType, mediaGeoJSON)
	w.c.Response().WriteHeader(http.StatusOK)
	w.started = true
}

func (w *lazyWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.start()
	}
	return w.c.Response().Write(p)
}

type reviewBody struct {
	Comment string `json:"comment"`
}

func readReview(c echo.Context) (string, error) {
	if c.Request().ContentLength == 0 {
		return "", nil
	}
	b, err := readBody(c)
	if err != nil {
		return "", err
	}
	var r reviewBody
	if err := json.Unmarshal(b, &r); err != nil {
		return "", &landrelease.Error{Code: landrelease.EBADREQUEST, Message: `Send {"comment": "..."}.`, Err: err}
	}
	return r.Comment, nil
}

// review answers approve and reject: decide is the service's Approve or Reject.
func (s *Server) review(c echo.Context, decide func(ctx context.Context, id int64, comment string) (*landrelease.Upload, error)) error {
	id, err := uploadID(c)
	if err != nil {
		return err
	}
	comment, err := readReview(c)
	if err != nil {
		return err
	}
	up, err := decide(c.Request().Context(), id, comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, up)
}

func (s *Server) approveUpload(c echo.Context) error { return s.review(c, s.cfg.Uploads.Approve) }

func (s *Server) rejectUpload(c echo.Context) error { return s.review(c, s.cfg.Uploads.Reject) }

func (s *Server) uploadSchema(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/schema+json")
	c.Response().WriteHeader(http.StatusOK)
	_, err := io.WriteString(c.Response(), geojson.UploadSchema)
	return err
}
