package main

import (
	"github.com/landrelease/landrelease/internal/gdal"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// uploadReaders reads each upload format: GeoJSON itself, the others through GDAL (their temporary files in
// LANDRELEASE_IMPORT_TMPDIR, else the system's).
func uploadReaders(e *env) landrelease.UploadReaders {
	gj := geojson.Reader{}
	im := gdal.NewImporter(gdal.ImportConfig{TempDir: e.getenv("LANDRELEASE_IMPORT_TMPDIR")}, gj)
	return landrelease.UploadReaders{
		landrelease.UploadGeoJSON:    gj,
		landrelease.UploadKML:        im,
		landrelease.UploadKMZ:        im,
		landrelease.UploadGPX:        im,
		landrelease.UploadShapefile:  im,
		landrelease.UploadGeoPackage: im,
	}
}
