package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spool"
)

// received is an upload's body as spooled, with what the request says of it.
type received struct {
	body     *spool.File
	format   string // landrelease.UploadGeoJSON, ...
	filename string // as sent, cleaned (landrelease.CleanFilename); "" when none
	mapping  []byte // the mapping document of a multipart request's mapping part; nil when none
}

// Close removes the spooled body.
func (r *received) Close() error { return r.body.Close() }

// Multipart parts of an upload.
const (
	partFile    = "file"
	partMapping = "mapping"
)

// multipartSlack is what a multipart upload may add to Config.MaxUpload: its boundaries, headers and mapping.
const multipartSlack = landrelease.MaxMappingBytes + 64<<10

// receive spools an upload's body within Config.MaxUpload and finds its format: from the Content-Type, or for
// application/octet-stream from the file name (the Content-Disposition's filename, else the filename
// parameter); a multipart/form-data request has a file part (its file name decides, else its Content-Type)
// and may have a mapping part.
func (s *Server) receive(c echo.Context) (*received, error) {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil && ct != "" {
		return nil, unsupportedUpload(ct)
	}
	max := s.cfg.MaxUpload
	if mt == "multipart/form-data" {
		max += multipartSlack
	}
	if req.ContentLength > max {
		return nil, landrelease.Errorf(landrelease.ETOOLARGE, "The upload is %d bytes; the limit is %d: split it.", req.ContentLength, s.cfg.MaxUpload)
	}
	body := http.MaxBytesReader(c.Response(), req.Body, max)
	if mt == "multipart/form-data" {
		return s.receiveMultipart(body, params["boundary"])
	}
	filename := c.QueryParam("filename")
	if _, dp, err := mime.ParseMediaType(req.Header.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		filename = dp["filename"]
	}
	format, ok := landrelease.UploadFormatOf(mt, filename)
	if !ok {
		if filename != "" && (mt == "" || mt == "application/octet-stream") {
			return nil, unsupportedUpload(filename)
		}
		return nil, unsupportedUpload(ct)
	}
	f, err := spool.Copy(body, s.cfg.MaxUpload)
	if err != nil {
		return nil, err
	}
	return &received{body: f, format: format, filename: landrelease.CleanFilename(filename)}, nil
}

// receiveMultipart reads a multipart/form-data upload: exactly one file part, at most one mapping part, no other.
func (s *Server) receiveMultipart(body io.Reader, boundary string) (*received, error) {
	if boundary == "" {
		return nil, &landrelease.Error{Code: landrelease.EBADREQUEST, Message: "The multipart/form-data body has no boundary."}
	}
	mr := multipart.NewReader(body, boundary)
	var r received
	fail := func(err error) (*received, error) {
		if r.body != nil {
			r.body.Close()
		}
		return nil, err
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fail(landrelease.Errorf(landrelease.ETOOLARGE, "The upload is over the limit of %d bytes: split it.", s.cfg.MaxUpload))
			}
			return fail(&landrelease.Error{Code: landrelease.EBADREQUEST, Message: fmt.Sprintf("The multipart/form-data body cannot be read: %v.", err), Err: err})
		}
		switch p.FormName() {
		case partFile:
			if r.body != nil {
				return fail(badPart("send one file part, not several"))
			}
			name := p.FileName()
			mt, _, _ := mime.ParseMediaType(p.Header.Get(echo.HeaderContentType))
			format, ok := landrelease.UploadFormatOf("", name) // the file name first: browsers guess media types
			if !ok {
				if format, ok = landrelease.UploadFormatOf(mt, ""); !ok || mt == "" {
					return fail(unsupportedUpload(name))
				}
			}
			f, err := spool.Copy(p, s.cfg.MaxUpload)
			if err != nil {
				return fail(err)
			}
			r.body, r.format, r.filename = f, format, landrelease.CleanFilename(name)
		case partMapping:
			if r.mapping != nil {
				return fail(badPart("send one mapping part, not several"))
			}
			b, err := io.ReadAll(io.LimitReader(p, landrelease.MaxMappingBytes+1))
			if err != nil {
				return fail(&landrelease.Error{Code: landrelease.EBADREQUEST, Message: "The mapping part cannot be read.", Err: err})
			}
			if len(b) > landrelease.MaxMappingBytes {
				return fail(landrelease.Errorf(landrelease.ETOOLARGE, "The mapping is over %d bytes.", landrelease.MaxMappingBytes))
			}
			r.mapping = b
		default:
			return fail(badPart(fmt.Sprintf("a part named %q: the parts are %q (the file) and %q (a mapping document)", p.FormName(), partFile, partMapping)))
		}
	}
	if r.body == nil {
		return fail(badPart(fmt.Sprintf("no %q part: send the file in a part named %q", partFile, partFile)))
	}
	return &r, nil
}

func badPart(reason string) error {
	return landrelease.Invalid("The multipart/form-data upload is not as expected: "+reason+".", landrelease.Detail{Field: "multipart", Reason: reason})
}

func unsupportedUpload(what string) error {
	return landrelease.Errorf(landrelease.EUNSUPPORTEDMEDIA, "Send the upload as one of %s (or application/octet-stream or multipart/form-data with a file name ending in %s), not %q.",
		strings.Join(landrelease.UploadMediaTypes(), ", "), strings.Join(landrelease.UploadExtensions(), ", "), what)
}
