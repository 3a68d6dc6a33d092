package api

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// archive answers GET /archive?as_of=: the whole record as recorded at as_of (default now), as `landrelease
// archive` writes it (docs/ARCHIVE.md), in one ZIP whose entries lie in a directory named after the time;
// recorded in the audit trail as an export. The archive is written to a private temporary directory first: a
// failure is answered with the API's error, not a truncated file.
func (s *Server) archive(c echo.Context) error {
	t, err := temporal(c.QueryParams())
	if err != nil {
		return err
	}
	if s.cfg.Archiver == nil {
		return landrelease.Errorf(landrelease.EUNAVAILABLE, "This server does not write archives.")
	}
	asOf := s.cfg.Now().UTC().Truncate(time.Microsecond)
	if t.AsOf != nil {
		asOf = t.AsOf.UTC()
	}
	ctx := c.Request().Context()
	tmp, err := os.MkdirTemp(s.cfg.ArchiveTempDir, "landrelease-archive-")
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer os.RemoveAll(tmp)
	name := "landrelease-archive-" + asOf.Format("20060102T150405.000000Z")
	dir := filepath.Join(tmp, name)
	if err := s.cfg.Archiver.WriteArchive(ctx, dir, asOf); err != nil {
		return err
	}
	if s.cfg.Exports != nil {
		if err := s.cfg.Exports.RecordExport(ctx, "archive", name+".zip", map[string]any{
			"as_of": asOf.Format(time.RFC3339Nano)}); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name+".zip"))
	c.Response().WriteHeader(http.StatusOK)
	if err := zipDir(c.Response(), dir, name, asOf); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "archive cut short", "file", name, "err", err)
		return nil // the status is sent: the client sees a ZIP without its end
	}
	return nil
}

// zipDir writes to w a ZIP of the files under dir, sorted by path, each named prefix/PATH and dated modified.
func zipDir(w io.Writer, dir, prefix string, modified time.Time) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		paths = append(paths, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return err
	}
	slices.Sort(paths)
	zw := zip.NewWriter(w)
	for _, p := range paths {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + "/" + p, Method: zip.Deflate, Modified: modified})
		if err == nil {
			_, err = io.Copy(fw, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("archive %s: %w", p, err)
		}
	}
	return zw.Close()
}
