package api

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

func echoHandler(h http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// geoJSON writes v as application/geo+json.
func geoJSON(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, mediaGeoJSON)
	c.Response().WriteHeader(status)
	return encodeJSON(c, v)
}

func encodeJSON(c echo.Context, v any) error {
	enc := jsonEncoder(c.Response())
	return enc.Encode(v)
}

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
