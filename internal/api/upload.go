package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// uploadID reads the :id of an upload URL.
func uploadID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, landrelease.Errorf(landrelease.ENOTFOUND, "No upload %q.", c.Param("id"))
	}
	return id, nil
}

// dryRun reads the dry_run parameter of an upload: "true" checks only.
func dryRun(c echo.Context) (string, error) {
	return oneOf(c.QueryParams(), "dry_run", "true", "false")
}

// Limits of an upload's parameters.
const maxLayerName = 255

// uploadParams checks an upload's parameters before its body is received.
func uploadParams(c echo.Context) error {
	if _, err := dryRun(c); err != nil {
		return err
	}
	if len(c.QueryParam("layer")) > maxLayerName {
		return landrelease.Invalid(fmt.Sprintf("The layer name is over %d bytes.", maxLayerName), landrelease.Detail{Field: "layer", Reason: "too long"})
	}
	if len(c.QueryParam("mapping")) > 200 {
		return landrelease.Invalid("The mapping name is too long.", landrelease.Detail{Field: "mapping", Reason: "too long"})
	}
	return nil
}

// uploadSource says how the received upload is read: its format and file name, the layer parameter, and the
// mapping: the document of a multipart mapping part, or the saved mapping or preset the mapping parameter names.
func (s *Server) uploadSource(c echo.Context, r *received) (landrelease.UploadSource, error) {
	src := landrelease.UploadSource{Format: r.format, Filename: r.filename, Layer: strings.TrimSpace(c.QueryParam("layer"))}
	name := strings.TrimSpace(c.QueryParam("mapping"))
	switch {
	case name != "" && r.mapping != nil:
		return src, landrelease.Invalid("Send either a mapping part or the mapping parameter, not both.", landrelease.Detail{Field: "mapping", Reason: "given twice"})
	case r.mapping != nil:
		m, err := landrelease.ParseMapping(r.mapping)
		if err != nil {
			return src, err
		}
		src.Mapping = m
	case name != "":
		if s.cfg.Mappings == nil {
			return src, landrelease.Invalid(fmt.Sprintf("This server keeps no saved mappings, so mapping=%q names none: send the mapping document itself (a multipart part named mapping).", name),
				landrelease.Detail{Field: "mapping", Reason: "saved mappings are not available"})
		}
		m, err := s.cfg.Mappings.FindMapping(c.Request().Context(), name)
		if landrelease.ErrorCode(err) == landrelease.ENOTFOUND {
			return src, landrelease.Invalid(fmt.Sprintf("There is no saved mapping or preset called %q.", name), landrelease.Detail{Field: "mapping", Reason: fmt.Sprintf("no mapping %q", name)})
		} else if err != nil {
			return src, err
		}
		src.Mapping = m
	}
	return src, nil
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
	r, err := receivedFrom(c) // received by the route's limits (limits.go), closed after the handler
	if err != nil {
		return err
	}
	src, err := s.uploadSource(c, r)
	if err != nil {
		return err
	}
	if dry == "true" {
		rep, err := s.cfg.Uploads.Check(ctx, r.body, src)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if !rep.Accepted {
			status = http.StatusUnprocessableEntity
		}
		return c.JSON(status, map[string]any{"dry_run": true, "report": rep})
	}
	up, replayed, err := s.cfg.Uploads.Submit(ctx, r.body, src, c.Request().Header.Get("Idempotency-Key"))
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
	open := func(up *landrelease.Upload) io.Writer {
		w.mediaType = landrelease.MediaType(up.Source().FormatOrDefault())
		if up.Filename != "" {
			w.filename = up.Filename
		}
		return w
	}
	if err := s.cfg.Uploads.WriteUploadBody(c.Request().Context(), id, open); err != nil {
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

// lazyWriter sends the response's header with the first byte of the body.
type lazyWriter struct {
	c         echo.Context
	mediaType string // GeoJSON's when ""
	filename  string // the Content-Disposition's, when set
	started   bool
}

func (w *lazyWriter) start() {
	mt := w.mediaType
	if mt == "" {
		mt = mediaGeoJSON
	}
	h := w.c.Response().Header()
	h.Set(echo.HeaderContentType, mt)
	if w.filename != "" {
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": w.filename}))
	}
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
