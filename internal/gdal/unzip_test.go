package gdal

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// zipOf returns a zip of the named entries with their contents.
func zipOf(t testing.TB, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(entries[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lyingZip is a zip of one entry that declares declared bytes and holds holds bytes (zeros, deflated).
func lyingZip(t testing.TB, name string, declared uint64, holds int) []byte {
	t.Helper()
	var deflated bytes.Buffer
	{ // the entry's data, deflated, from a zip of its own
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("x")
		w.Write(make([]byte, holds))
		zw.Close()
		zr, _ := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
		rc, _ := zr.File[0].OpenRaw()
		deflated.ReadFrom(rc)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(deflated.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	zw.Close()
	return buf.Bytes()
}

func write(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExtractShapefile: the zip's limits hold before anything is extracted, a Shapefile's parts are extracted
// under fixed names whatever their paths, and what is missing is named.
func TestExtractShapefile(t *testing.T) {
	lim := ZipLimits{MaxUncompressed: 1 << 20, MaxEntries: 8}
	parts := []string{"areas/areas.shp", "shp", "areas/areas.shx", "shx", "areas/areas.dbf", "dbf", "areas/areas.prj", "prj"}
	many := []string{}
	for i := range 9 {
		many = append(many, strings.Repeat("x", i+1)+".txt", "x")
	}
	for _, tc := range []struct {
		name  string
		zip   []byte
		layer string
		want  string // in the error; "" for none
		prj   bool
	}{
		{"a Shapefile in a folder", zipOf(t, parts...), "", "", true},
		{"named by its layer", zipOf(t, append(parts, "b.shp", "", "b.shx", "", "b.dbf", "")...), "AREAS", "", true},
		{"two, none named", zipOf(t, append(parts, "b.shp", "", "b.shx", "", "b.dbf", "")...), "", "several layers (areas, b)", false},
		{"no .prj", zipOf(t, parts[:6]...), "", "", false},
		{"no .shp", zipOf(t, "README.txt", "hello"), "", "no .shp in the zip", false},
		{"no .dbf", zipOf(t, parts[:4]...), "", "no .dbf beside the .shp", false},
		{"a layer it lacks", zipOf(t, parts...), "roads", `no layer "roads" (layers: areas)`, false},
		{"path traversal", zipOf(t, "../../etc/areas.shp", "x"), "", "has an absolute path or a '..' element", false},
		{"absolute path", zipOf(t, "/tmp/areas.shp", "x"), "", "has an absolute path or a '..' element", false},
		{"too many entries", zipOf(t, many...), "", "more than 8 entries", false},
		{"a declared bomb", lyingZip(t, "areas.shp", 8<<30, 10), "", "brings the uncompressed size over 1048576 bytes", false},
		{"not a zip", []byte("PK not really"), "", "no end of central directory record", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "upload.zip", tc.zip)
			out := filepath.Join(dir, "shp")
			os.Mkdir(out, 0o700)
			shp, prj, err := extractShapefile(p, out, tc.layer, lim)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if shp != filepath.Join(out, "layer.shp") || prj != tc.prj {
					t.Errorf("extracted %s (prj %v)", shp, prj)
				}
				if b, _ := os.ReadFile(shp); string(b) != "shp" {
					t.Errorf(".shp holds %q", b)
				}
				return
			}
			if landrelease.ErrorCode(err) != landrelease.EINVALID || !strings.Contains(errorText(err), tc.want) {
				t.Fatalf("error %v, want EINVALID saying %q", err, tc.want)
			}
			if es, _ := os.ReadDir(out); len(es) != 0 && tc.name != "no .dbf" {
				t.Errorf("extracted %d files before refusing", len(es))
			}
		})
	}
}

// TestCheckKMZ: a KMZ is read by GDAL only once its entries were decompressed within the limit, whatever they
// declare.
func TestCheckKMZ(t *testing.T) {
	lim := ZipLimits{MaxUncompressed: 1 << 20, MaxEntries: 8}
	for _, tc := range []struct {
		name string
		zip  []byte
		want string
	}{
		{"a KMZ", zipOf(t, "doc.kml", "<kml/>", "files/icon.png", "png"), ""},
		{"no KML", zipOf(t, "files/icon.png", "png"), "no .kml in the KMZ"},
		{"an entry holding more than it declares", lyingZip(t, "doc.kml", 100, 2<<20), "cannot be read"},
		{"a declared bomb", lyingZip(t, "doc.kml", 1<<40, 10), "uncompressed size over 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkKMZ(write(t, t.TempDir(), "upload.kmz", tc.zip), lim)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if landrelease.ErrorCode(err) != landrelease.EINVALID || !strings.Contains(errorText(err), tc.want) {
				t.Fatalf("error %v, want EINVALID saying %q", err, tc.want)
			}
		})
	}
}

// errorText is an error's message with its details' reasons.
func errorText(err error) string {
	s := landrelease.ErrorMessage(err)
	for _, d := range landrelease.ErrorDetails(err) {
		s += " | " + d.Reason
	}
	return s
}

// FuzzZipEntries: the end-of-central-directory reader never panics, and refuses what declares over the limit.
func FuzzZipEntries(f *testing.F) {
	f.Add(zipOf(f, "a.shp", "x", "a.dbf", "y"))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := zipEntries(bytes.NewReader(data), int64(len(data)), 10)
		if err == nil && (n > 10 || n < 0) {
			t.Fatalf("accepted %d entries", n)
		}
		if err != nil && landrelease.ErrorCode(err) != landrelease.EINVALID {
			t.Fatalf("error %v is not EINVALID", err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			_ = checkEntries(zr.File, ZipLimits{MaxUncompressed: 1 << 20, MaxEntries: 10})
		}
	})
}
