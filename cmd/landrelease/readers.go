package main

import (
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// uploadReaders reads each upload format.
func uploadReaders(*env) landrelease.UploadReaders {
	return landrelease.UploadReaders{landrelease.UploadGeoJSON: geojson.Reader{}}
}
