package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/gdal"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
)

// The archive's layout: directories and the two files that describe it.
const (
	archiveLayersDir  = "layers"
	archiveFormFDir   = "form-f"
	archiveUploadsDir = "uploads"
	archiveTablesDir  = "tables"
	archiveManifest   = "MANIFEST"
	archiveReadme     = "README.md"
)

// archive writes the whole record, as recorded at --as-of, in open formats that need no landrelease to read
// (docs/ARCHIVE.md): to DIR.tmp, renamed to DIR once complete. The same record and the same --as-of give the
// same files, byte for byte.
func archive(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "archive", "archive --out DIR [--as-of TIME]   (as the owner or the service's role)")
	out := fs.String("out", "", "the directory to write; it must not exist")
	asOfFlag := fs.String("as-of", "", "the record as recorded at this date (its end, UTC) or RFC 3339 time; default now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("archive: unexpected argument %q", fs.Arg(0))
	case *out == "":
		return errors.New("archive: --out DIR is required")
	}
	asOf := time.Now().UTC().Truncate(time.Microsecond)
	if *asOfFlag != "" {
		t, err := parseAsOf(*asOfFlag)
		if err != nil {
			return err
		}
		asOf = t.UTC()
	}
	dir := filepath.Clean(*out)
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("archive: %s exists: name a new directory", dir)
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil { // what a failed run left
		return fmt.Errorf("archive: %w", err)
	}
	sum, err := newArchiveWriter(db, e).writeArchive(ctx, tmp, asOf)
	if err != nil {
		return describe(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := postgres.NewAuditService(db).RecordExport(cliContext(ctx, e), "archive", filepath.Base(dir), map[string]any{
		"as_of": asOf.Format(time.RFC3339Nano), "files": sum.files}); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "archive %s: as recorded at %s, %d files, %d hazard area versions, %d uploads, Form F %s (pass --as-of %s to write it again)\n",
		dir, asOf.Format(time.RFC3339Nano), sum.files, sum.hazardVersions, sum.uploads, sum.years(), asOf.Format(time.RFC3339Nano))
	return nil
}

// archiveSummary counts what an archive holds.
type archiveSummary struct {
	files, hazardVersions, uploads int
	firstYear, lastYear            int // 0 when no Form F was written
}

func (s archiveSummary) years() string {
	if s.firstYear == 0 {
		return "none (no entry into force, or no complete year since)"
	}
	return fmt.Sprintf("%d to %d", s.firstYear, s.lastYear)
}

// archiveWriter is the landrelease.Archiver of the registry's database, which `landrelease archive` and the
// service's GET /api/v1/archive use.
type archiveWriter struct {
	src      landrelease.ArchiveSource
	reports  landrelease.ReportService
	settings landrelease.SettingService
	tempDir  string // where ogr2ogr's private directories go ("" for the system's)
}

var _ landrelease.Archiver = (*archiveWriter)(nil)

// newArchiveWriter returns the Archiver of db, its GDAL temporary files under LANDRELEASE_EXPORT_TMPDIR.
func newArchiveWriter(db *postgres.DB, e *env) *archiveWriter {
	return &archiveWriter{src: postgres.NewArchiveSource(db), reports: postgres.NewReportService(db),
		settings: postgres.NewSettingService(db), tempDir: e.getenv("LANDRELEASE_EXPORT_TMPDIR")}
}

// WriteArchive implements landrelease.Archiver.
func (w *archiveWriter) WriteArchive(ctx context.Context, dir string, asOf time.Time) error {
	_, err := w.writeArchive(ctx, dir, asOf)
	return err
}

// writeArchive writes the archive into dir, which it creates, and says what it holds.
func (w *archiveWriter) writeArchive(ctx context.Context, dir string, asOf time.Time) (archiveSummary, error) {
	settings, err := w.settings.Settings(ctx)
	if err != nil {
		return archiveSummary{}, err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return archiveSummary{}, fmt.Errorf("archive: %w", err)
	}
	a := &archiver{dir: dir, asOf: asOf, ex: gdal.New(gdal.Config{TempDir: w.tempDir, Stamp: asOf})}
	return a.write(ctx, w.src, w.reports, settings)
}

// archiver writes one archive into dir.
type archiver struct {
	dir  string
	asOf time.Time
	ex   landrelease.Exporter
}

// write writes every file of the archive, the MANIFEST last.
func (a *archiver) write(ctx context.Context, src landrelease.ArchiveSource, reports landrelease.ReportService, s *landrelease.Settings) (archiveSummary, error) {
	var sum archiveSummary
	for _, d := range []string{archiveLayersDir, archiveFormFDir, archiveUploadsDir, archiveTablesDir} {
		if err := os.MkdirAll(filepath.Join(a.dir, d), 0o755); err != nil {
			return sum, fmt.Errorf("archive: %w", err)
		}
	}
	err := src.ArchiveSnapshot(ctx, a.asOf, func(r landrelease.ArchiveReader) error {
		for _, l := range landrelease.ArchiveLayers() {
			feed := func(w io.Writer) error { return r.Features(ctx, landrelease.ArchiveTable(l.Name), w) }
			for _, f := range []landrelease.ExportFormat{landrelease.FormatGeoPackage, landrelease.FormatCSV} {
				if err := a.create(filepath.Join(archiveLayersDir, l.Name+f.Extension()), func(w io.Writer) error {
					return a.ex.Export(ctx, w, f, l, feed)
				}); err != nil {
					return fmt.Errorf("archive layer %s: %w", l.Name, err)
				}
			}
		}
		var ids []int64
		if err := a.table(ctx, r, landrelease.ArchiveUploads, func(row []string) error {
			id, err := strconv.ParseInt(row[0], 10, 64)
			ids = append(ids, id)
			return err
		}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.create(filepath.Join(archiveUploadsDir, landrelease.ArchiveUploadFile(id)), func(w io.Writer) error {
				return r.UploadBody(ctx, id, w)
			}); err != nil {
				return fmt.Errorf("archive upload %d: %w", id, err)
			}
		}
		sum.uploads = len(ids)
		return a.table(ctx, r, landrelease.ArchiveAuditTrail, nil)
	})
	if err != nil {
		return sum, err
	}
	if sum.hazardVersions, err = countCSVRows(filepath.Join(a.dir, archiveLayersDir, string(landrelease.ArchiveHazardAreaVersions)+".csv")); err != nil {
		return sum, err
	}
	if sum.firstYear, sum.lastYear, err = a.formF(ctx, reports, s); err != nil {
		return sum, err
	}
	if err := a.create(archiveReadme, func(w io.Writer) error { return writeArchiveReadme(w, a.asOf, s, sum) }); err != nil {
		return sum, err
	}
	sum.files, err = a.manifest()
	return sum, err
}

// table writes plain table t as CSV into the tables directory, calling each (when not nil) with every row.
func (a *archiver) table(ctx context.Context, r landrelease.ArchiveReader, t landrelease.ArchiveTable, each func(row []string) error) error {
	return a.create(filepath.Join(archiveTablesDir, string(t)+".csv"), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(landrelease.ArchiveColumns(t)); err != nil {
			return err
		}
		if err := r.Rows(ctx, t, func(row []string) error {
			if each != nil {
				if err := each(row); err != nil {
					return err
				}
			}
			return cw.Write(row)
		}); err != nil {
			return fmt.Errorf("archive %s: %w", t, err)
		}
		cw.Flush()
		return cw.Error()
	})
}

// formF writes the Form F tables (levels 1 and 2, CSV and XLSX) of every calendar year from the year of the
// entry into force to the last year complete at the archive's time, as recorded then; it returns the years
// written (0, 0 for none).
func (a *archiver) formF(ctx context.Context, reports landrelease.ReportService, s *landrelease.Settings) (first, last int, err error) {
	if s.EntryIntoForce == nil {
		return 0, 0, nil
	}
	first, last = s.EntryIntoForce.Year(), a.asOf.Year()-1
	if first > last {
		return 0, 0, nil
	}
	asOf := a.asOf
	for y := first; y <= last; y++ {
		for _, level := range []int{1, 2} {
			rep, err := reports.Article7(ctx, landrelease.Article7Request{Level: level, AsOf: &asOf,
				From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				return 0, 0, fmt.Errorf("archive Form F %d level %d: %w", y, level, err)
			}
			rep.GeneratedAt = asOf // the XLSX's document time: the same archive gives the same bytes
			for _, f := range []struct {
				ext   string
				write func(io.Writer, *landrelease.Article7) error
			}{{".csv", report.CSV}, {".xlsx", report.XLSX}} {
				if err := a.create(filepath.Join(archiveFormFDir, formFFile(y, level)+f.ext), func(w io.Writer) error {
					return f.write(w, rep)
				}); err != nil {
					return 0, 0, fmt.Errorf("archive Form F %d level %d: %w", y, level, err)
				}
			}
		}
	}
	return first, last, nil
}

// formFFile is the name, without extension, of the archive's Form F table of year y at admin level level.
func formFFile(y, level int) string { return fmt.Sprintf("form-f-%d-level-%d", y, level) }

// create writes the file name (relative to the archive) with write, and syncs it.
func (a *archiver) create(name string, write func(w io.Writer) error) error {
	f, err := os.OpenFile(filepath.Join(a.dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("archive: write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("archive: sync %s: %w", name, err)
	}
	return f.Close()
}

// manifest writes MANIFEST: the SHA-256 of every other file, in the format sha256sum -c reads (the hash, two
// spaces, the path with "/"), sorted by path; it returns the number of files, MANIFEST included.
func (a *archiver) manifest() (int, error) {
	var paths []string
	err := filepath.WalkDir(a.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(a.dir, p)
		paths = append(paths, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("archive manifest: %w", err)
	}
	slices.Sort(paths)
	var b strings.Builder
	for _, p := range paths {
		h, err := fileSHA256(filepath.Join(a.dir, filepath.FromSlash(p)))
		if err != nil {
			return 0, fmt.Errorf("archive manifest: %w", err)
		}
		fmt.Fprintf(&b, "%s  %s\n", h, p)
	}
	err = a.create(archiveManifest, func(w io.Writer) error { _, err := io.WriteString(w, b.String()); return err })
	return len(paths) + 1, err
}

// fileSHA256 is the hexadecimal SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// countCSVRows counts the records of the CSV file at path, its header left out.
func countCSVRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = -1
	n := -1
	for {
		if _, err := cr.Read(); errors.Is(err, io.EOF) {
			return max(n, 0), nil
		} else if err != nil {
			return 0, fmt.Errorf("archive: read %s: %w", path, err)
		}
		n++
	}
}
