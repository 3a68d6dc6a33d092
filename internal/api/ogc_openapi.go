package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// The OpenAPI 3.0 document of the service (conformance class oas30), served at /api/v1/api. It is written by hand
// in openapi.yaml, beside the routes it describes, rather than generated from routes.go: the route table knows
// methods, paths and access, not parameters, bodies and answers, and a description kept in the table would make
// it a second document. TestOpenAPIDocument holds the two together: every route of routes.go is in the document
// with its method, and the document has no operation routes.go lacks.

//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIDocument loads and validates openapi.yaml and returns it as JSON, as clients (GDAL) read it. It panics
// on a document that does not load or validate, which the package's tests catch.
func openAPIDocument() []byte {
	doc, err := loadOpenAPI()
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("openapi.yaml as JSON: %v", err))
	}
	return b
}

// loadOpenAPI loads openapi.yaml and validates it.
func loadOpenAPI() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

func (s *Server) openAPIDoc(c echo.Context) error {
	return writeBytes(c, http.StatusOK, mediaOpenAPI, s.openAPI)
}
