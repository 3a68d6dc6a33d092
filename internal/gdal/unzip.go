package gdal

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Limits of an uploaded zip (a zipped Shapefile, a KMZ), with their defaults.
const (
	DefaultMaxUncompressed = 1 << 30 // bytes, all entries together, as declared and as read
	DefaultMaxZipEntries   = 1000
)

// ZipLimits bound what an uploaded zip may hold. Zero fields take the defaults.
type ZipLimits struct {
	MaxUncompressed int64 // bytes, all entries together
	MaxEntries      int
}

func (l ZipLimits) withDefaults() ZipLimits {
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = DefaultMaxUncompressed
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxZipEntries
	}
	return l
}

// eocdSize is the size of a zip's end of central directory record without its comment.
const eocdSize = 22

// zipEntries reads the number of entries a zip of size bytes declares in its end of central directory record,
// before archive/zip reads the directory: a zip declaring more than max (or the ZIP64 marker, 0xFFFF) is
// refused without reading further. EINVALID when r is not a zip.
func zipEntries(r io.ReaderAt, size int64, max int) (int, error) {
	notZip := landrelease.Invalid("The file is not a zip archive.", landrelease.Detail{Field: "file", Reason: "no end of central directory record"})
	if size < eocdSize {
		return 0, notZip
	}
	tail := min(size, eocdSize+0xFFFF) // the record and the longest comment
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read zip: %w", err)
	}
	for i := len(buf) - eocdSize; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) != 0x06054b50 {
			continue
		}
		n := int(binary.LittleEndian.Uint16(buf[i+10:]))
		if n == 0xFFFF || n > max {
			return n, landrelease.Invalid(fmt.Sprintf("The zip holds more than %d entries; the limit is %d.", min(n, max), max),
				landrelease.Detail{Field: "file", Reason: fmt.Sprintf("more than %d entries", max)})
		}
		return n, nil
	}
	return 0, notZip
}

// openZip opens the zip at p after checking its entry count, the names of its entries (none absolute or with
// a ".." element) and the uncompressed size its entries declare, all within lim.
func openZip(p string, lim ZipLimits) (*zip.ReadCloser, error) {
	lim = lim.withDefaults()
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open zip: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open zip: %w", err)
	}
	_, err = zipEntries(f, st.Size(), lim.MaxEntries)
	f.Close()
	if err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, landrelease.Invalid("The file is not a zip archive it can read.", landrelease.Detail{Field: "file", Reason: err.Error()})
	}
	if err := checkEntries(zr.File, lim); err != nil {
		zr.Close()
		return nil, err
	}
	return zr, nil
}

// checkEntries checks the entries of a zip: their count, their names and the uncompressed size they declare.
func checkEntries(files []*zip.File, lim ZipLimits) error {
	if len(files) > lim.MaxEntries {
		return landrelease.Invalid(fmt.Sprintf("The zip holds %d entries; the limit is %d.", len(files), lim.MaxEntries),
			landrelease.Detail{Field: "file", Reason: fmt.Sprintf("more than %d entries", lim.MaxEntries)})
	}
	var total uint64
	for _, f := range files {
		if !safeEntryName(f.Name) {
			return landrelease.Invalid(fmt.Sprintf("The zip holds an entry named %q, outside the archive: nothing was extracted.", f.Name),
				landrelease.Detail{Field: "file", Reason: fmt.Sprintf("entry %q has an absolute path or a '..' element", f.Name)})
		}
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUncompressed) || f.UncompressedSize64 > uint64(lim.MaxUncompressed) {
			return landrelease.Invalid(fmt.Sprintf("The zip's entries would take more than %d bytes uncompressed (the limit): nothing was extracted.", lim.MaxUncompressed),
				landrelease.Detail{Field: "file", Reason: fmt.Sprintf("entry %q brings the uncompressed size over %d bytes", f.Name, lim.MaxUncompressed)})
		}
	}
	return nil
}

// safeEntryName reports whether a zip entry's name stays inside the archive: relative, without a ".." element,
// in either separator.
func safeEntryName(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if n == "" || strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return false
	}
	return !slices.Contains(strings.Split(n, "/"), "..")
}

// extractOne copies entry f to the file at dst, reading at most *budget bytes (and lowering it).
func extractOne(f *zip.File, dst string, budget *int64) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("extract %s: %w", f.Name, err)
	}
	err = extractTo(f, out, budget)
	if cerr := out.Close(); err == nil && cerr != nil {
		return fmt.Errorf("extract %s: %w", f.Name, cerr)
	}
	return err
}

// extractTo copies entry f to w, reading at most *budget bytes (and lowering it): an entry that holds more
// than it declares, beyond the budget, is refused.
func extractTo(f *zip.File, w io.Writer, budget *int64) error {
	rc, err := f.Open()
	if err != nil {
		return landrelease.Invalid(fmt.Sprintf("The zip's entry %q cannot be read.", f.Name), landrelease.Detail{Field: "file", Reason: err.Error()})
	}
	defer rc.Close()
	n, err := io.Copy(w, io.LimitReader(rc, *budget+1))
	if n > *budget {
		return landrelease.Invalid("The zip's entries hold more than the uncompressed size allowed: nothing was read.",
			landrelease.Detail{Field: "file", Reason: fmt.Sprintf("entry %q holds more than it declares", f.Name)})
	}
	*budget -= n
	if err != nil {
		return landrelease.Invalid(fmt.Sprintf("The zip's entry %q cannot be read.", f.Name), landrelease.Detail{Field: "file", Reason: err.Error()})
	}
	return nil
}

// shapefileRead are the parts of a Shapefile an upload's zip gives GDAL.
var shapefileRead = []string{".shp", ".shx", ".dbf", ".prj", ".cpg"}

// extractShapefile extracts from the zip at p, into dir, the parts of the Shapefile named layer (by its base
// name, ignoring case; "" when the zip holds one), each under its base name only, and returns the .shp's path
// and whether a .prj came with it. EINVALID when the zip holds no .shp, several and layer names none of them,
// or no .shx or .dbf beside it.
func extractShapefile(p, dir, layer string, lim ZipLimits) (shp string, prj bool, err error) {
	lim = lim.withDefaults()
	zr, err := openZip(p, lim)
	if err != nil {
		return "", false, err
	}
	defer zr.Close()
	parts := map[string]map[string]*zip.File{} // base name (lower case) -> extension -> entry
	var names []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		base := path.Base(strings.ReplaceAll(f.Name, `\`, "/"))
		ext := strings.ToLower(path.Ext(base))
		if !slices.Contains(shapefileRead, ext) {
			continue
		}
		stem := strings.ToLower(strings.TrimSuffix(base, path.Ext(base)))
		if parts[stem] == nil {
			parts[stem] = map[string]*zip.File{}
		}
		parts[stem][ext] = f
		if ext == ".shp" {
			names = append(names, strings.TrimSuffix(base, path.Ext(base)))
		}
	}
	slices.Sort(names)
	var stem string
	switch {
	case len(names) == 0:
		return "", false, landrelease.Invalid("The zip holds no Shapefile (.shp): zip the .shp with its .shx, .dbf and .prj.",
			landrelease.Detail{Field: "file", Reason: "no .shp in the zip"})
	case layer != "":
		for _, n := range names {
			if strings.EqualFold(n, layer) {
				stem = strings.ToLower(n)
			}
		}
		if stem == "" {
			return "", false, landrelease.Invalid(fmt.Sprintf("The zip holds no Shapefile %q; it holds: %s.", layer, strings.Join(names, ", ")),
				landrelease.Detail{Field: "layer", Reason: fmt.Sprintf("no layer %q (layers: %s)", layer, strings.Join(names, ", "))})
		}
	case len(names) > 1:
		return "", false, landrelease.Invalid(fmt.Sprintf("The zip holds %d Shapefiles (%s): name one with layer.", len(names), strings.Join(names, ", ")),
			landrelease.Detail{Field: "layer", Reason: fmt.Sprintf("several layers (%s): name one", strings.Join(names, ", "))})
	default:
		stem = strings.ToLower(names[0])
	}
	for _, ext := range []string{".shx", ".dbf"} {
		if parts[stem][ext] == nil {
			return "", false, landrelease.Invalid(fmt.Sprintf("The zip's Shapefile has no %s: zip it with the .shp.", ext),
				landrelease.Detail{Field: "file", Reason: "no " + ext + " beside the .shp"})
		}
	}
	budget := lim.MaxUncompressed
	for ext, f := range parts[stem] {
		if err := extractOne(f, filepath.Join(dir, "layer"+ext), &budget); err != nil {
			return "", false, err
		}
	}
	return filepath.Join(dir, "layer.shp"), parts[stem][".prj"] != nil, nil
}

// checkKMZ checks the KMZ at p within lim before GDAL reads it: its entry count and names, the uncompressed size
// its entries declare, then the size they really hold, each decompressed (to nothing) within the limit.
func checkKMZ(p string, lim ZipLimits) error {
	lim = lim.withDefaults()
	zr, err := openZip(p, lim)
	if err != nil {
		return err
	}
	defer zr.Close()
	kml := false
	budget := lim.MaxUncompressed
	for _, f := range zr.File {
		kml = kml || strings.EqualFold(path.Ext(f.Name), ".kml")
		if f.FileInfo().IsDir() {
			continue
		}
		if err := extractTo(f, io.Discard, &budget); err != nil {
			return err
		}
	}
	if !kml {
		return landrelease.Invalid("The KMZ holds no KML document.", landrelease.Detail{Field: "file", Reason: "no .kml in the KMZ"})
	}
	return nil
}
