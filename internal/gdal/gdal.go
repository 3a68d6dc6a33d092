// Package gdal converts the registry's GeoJSON to the files partners exchange (GeoPackage, Shapefile, KML, CSV,
// FlatGeobuf) with GDAL's command-line tool ogr2ogr: run without a shell, under a deadline, in a private
// temporary directory, its standard error kept (bounded) in the error it returns. It is the
// landrelease.Exporter; GeoJSON itself needs no GDAL and is streamed as fed.
package gdal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// DefaultTimeout bounds one run of ogr2ogr.
const DefaultTimeout = 15 * time.Minute

// maxStderr bounds how much of ogr2ogr's standard error an error keeps.
const maxStderr = 4 << 10

// Config says where ogr2ogr and the temporary files are.
type Config struct {
	// Ogr2ogr is the path of ogr2ogr; "" looks it up in PATH when an export needs it.
	Ogr2ogr string
	// TempDir is where each export makes its private directory (mode 0700, removed at the end); "" is
	// os.TempDir(). The GeoJSON fed and the file written are both there: it needs room for twice the export.
	TempDir string
	// Timeout bounds one run of ogr2ogr (DefaultTimeout when 0).
	Timeout time.Duration
	// Stamp, when not zero, is the time written into the files as their last change (a GeoPackage's
	// gpkg_contents.last_change, GDAL's OGR_CURRENT_DATE) instead of now: the same features then give the
	// same bytes.
	Stamp time.Time
}

// Exporter writes exports with ogr2ogr. It holds no state between exports: one value serves concurrent calls.
type Exporter struct {
	cfg Config
}

// New returns an Exporter.
func New(cfg Config) *Exporter {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Exporter{cfg: cfg}
}

var _ landrelease.Exporter = (*Exporter)(nil)

// Export implements landrelease.Exporter.
func (e *Exporter) Export(ctx context.Context, w io.Writer, f landrelease.ExportFormat, layer landrelease.ExportLayer, feed func(io.Writer) error) error {
	if f == landrelease.FormatGeoJSON {
		return feed(w)
	}
	d, ok := drivers[f]
	if !ok {
		_, err := landrelease.ParseExportFormat(string(f))
		return err
	}
	if err := checkLayer(layer); err != nil {
		return err
	}
	bin := e.cfg.Ogr2ogr
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("ogr2ogr"); err != nil {
			return fmt.Errorf("export %s: GDAL's ogr2ogr is not installed (apt-get install gdal-bin): %w", f, err)
		}
	}
	dir, err := os.MkdirTemp(e.cfg.TempDir, "landrelease-export-")
	if err != nil {
		return fmt.Errorf("export %s: temporary directory: %w", f, err)
	}
	defer os.RemoveAll(dir)

	src := filepath.Join(dir, sourceLayer+".geojson")
	empty, err := writeSource(src, layer, feed)
	if err != nil {
		return err
	}
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o700); err != nil {
		return fmt.Errorf("export %s: %w", f, err)
	}
	out := filepath.Join(outDir, layer.Name+d.ext)
	if err := e.ogr2ogr(ctx, bin, dir, args(d, layer, src, out, empty)); err != nil {
		return fmt.Errorf("export %s to %s: %w", layer.Name, f, err)
	}
	if f == landrelease.FormatShapefile {
		return zipShapefile(w, outDir, layer.Name)
	}
	return copyFile(w, out)
}

// writeSource writes what feed writes to path; when it wrote a collection without features it writes instead
// one feature with every field null, for ogr2ogr to learn the fields from (args then selects no feature), and
// reports empty.
func writeSource(path string, layer landrelease.ExportLayer, feed func(io.Writer) error) (empty bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := feed(bw); err != nil {
		return false, err
	}
	if err := bw.Flush(); err != nil {
		return false, fmt.Errorf("export: write %s: %w", path, err)
	}
	if empty, err = noFeatures(f); err != nil || !empty {
		return empty, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	if err := f.Truncate(0); err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	if _, err := f.Write(nullFeature(layer)); err != nil {
		return false, fmt.Errorf("export: write %s: %w", path, err)
	}
	return true, f.Close()
}

// ogr2ogr runs bin with args in dir, under the deadline, its temporary files (CPL_TMPDIR) in dir.
func (e *Exporter) ogr2ogr(ctx context.Context, bin, dir string, args []string) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CPL_TMPDIR="+dir, "GDAL_PAM_ENABLED=NO")
	if !e.cfg.Stamp.IsZero() {
		cmd.Env = append(cmd.Env, "OGR_CURRENT_DATE="+e.cfg.Stamp.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	stderr := &boundedBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("ogr2ogr stopped after %s or at the request's deadline: %w", e.cfg.Timeout, ctx.Err())
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ogr2ogr stopped: %w", ctx.Err())
		}
		return fmt.Errorf("ogr2ogr: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// copyFile writes the file at path to w.
func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("export: send %s: %w", filepath.Base(path), err)
	}
	return nil
}

// boundedBuffer keeps the first max bytes written to it and counts the rest.
type boundedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.buf.Len(); room < len(p) {
		b.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil
}

// Bytes returns what was kept, with a note of what was dropped.
func (b *boundedBuffer) Bytes() []byte {
	if b.dropped == 0 {
		return b.buf.Bytes()
	}
	return fmt.Appendf(bytes.Clone(b.buf.Bytes()), "... (%d more bytes)", b.dropped)
}
