package gdal

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// shapefileParts are the files of a Shapefile a zip holds, in the order it holds them.
var shapefileParts = []string{".shp", ".shx", ".dbf", ".prj", ".cpg"}

// zipShapefile writes to w a zip of the Shapefile named name in dir: each of shapefileParts, which must all be
// there.
func zipShapefile(w io.Writer, dir, name string) error {
	for _, ext := range shapefileParts { // all there before the first byte goes to w
		if _, err := os.Stat(filepath.Join(dir, name+ext)); err != nil {
			return fmt.Errorf("export: ogr2ogr wrote no %s: %w", ext, err)
		}
	}
	zw := zip.NewWriter(w)
	for _, ext := range shapefileParts {
		if err := addFile(zw, filepath.Join(dir, name+ext)); err != nil {
			return fmt.Errorf("export: zip the Shapefile: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export: zip the Shapefile: %w", err)
	}
	return nil
}

func addFile(zw *zip.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	h.Method = zip.Deflate
	zw2, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(zw2, f)
	return err
}
