package gdal

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// ReadBack is what GDAL reads in an exported file.
type readBack struct {
	Fields   map[string]string // field name to ogrinfo's type, e.g. "Date", "Real", "String(JSON)"
	Order    []string          // field names in the file's order
	EPSG4326 bool              // the layer's CRS is WGS 84 (EPSG:4326)
	Features []struct {
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	}
}

// tools returns the paths of ogrinfo and ogr2ogr, or skips (fails under CI) when GDAL is not installed.
func tools(t testing.TB) (ogrinfo, ogr2ogr string) {
	t.Helper()
	var err1, err2 error
	ogrinfo, err1 = exec.LookPath("ogrinfo")
	ogr2ogr, err2 = exec.LookPath("ogr2ogr")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogrinfo and ogr2ogr are not installed (make test installs them)")
	}
	return ogrinfo, ogr2ogr
}

var fieldLine = regexp.MustCompile(`^([A-Za-z0-9_]+): ([A-Za-z0-9()]+) \(`)

// read opens the exported file data in format f with GDAL: the schema and CRS from ogrinfo -so, the features
// from ogr2ogr -f GeoJSON /vsistdout/. A Shapefile's zip is unpacked first; its entries are returned.
func read(t testing.TB, f landrelease.ExportFormat, data []byte) (readBack, []string) {
	t.Helper()
	ogrinfo, ogr2ogr := tools(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "export"+f.Extension())
	var entries []string
	if f == landrelease.FormatShapefile {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("the Shapefile export is not a zip: %v", err)
		}
		for _, e := range zr.File {
			entries = append(entries, e.Name)
			rc, err := e.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if _, err := b.ReadFrom(rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(e.Name)), b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(e.Name, ".shp") {
				path = filepath.Join(dir, filepath.Base(e.Name))
			}
		}
	} else if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command(ogrinfo, "-ro", "-so", "-al", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", f, err, info)
	}
	rb := readBack{Fields: map[string]string{}}
	for _, line := range strings.Split(string(info), "\n") {
		if m := fieldLine.FindStringSubmatch(line); m != nil && !slices.Contains([]string{"Geometry", "Extent", "Layer"}, m[1]) {
			rb.Fields[m[1]] = m[2]
			rb.Order = append(rb.Order, m[1])
		}
	}
	rb.EPSG4326 = strings.Contains(string(info), `ID["EPSG",4326]`) ||
		(strings.Contains(string(info), `GEOGCRS["WGS 84"`) && strings.Contains(string(info), `ELLIPSOID["WGS 84",6378137,298.257223563`))
	out, err := exec.Command(ogr2ogr, "-f", "GeoJSON", "/vsistdout/", path).Output()
	if err != nil {
		t.Fatalf("ogr2ogr %s to GeoJSON: %v", f, err)
	}
	if err := json.Unmarshal(out, &rb); err != nil {
		t.Fatalf("ogr2ogr's GeoJSON of the %s export: %v\n%.500s", f, err, out)
	}
	return rb, entries
}
