package geojson

import _ "embed"

// UploadSchema is the JSON Schema of an upload (GET /api/v1/schema/upload).
//
//go:embed upload.schema.json
var UploadSchema string
