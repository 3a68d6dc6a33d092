package api

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"
)

// captured is a response written to memory: what a registry handler answered, for the OGC layer to translate.
type captured struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (w *captured) Header() http.Header         { return w.header }
func (w *captured) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *captured) WriteHeader(status int)      { w.status = status }

// capture runs h with its response kept in memory, then gives the request back its response. An error of h is
// returned unwritten, for the server's error handler to write.
func capture(c echo.Context, h echo.HandlerFunc) (*captured, error) {
	w := &captured{status: http.StatusOK, header: http.Header{}}
	orig := c.Response()
	c.SetResponse(echo.NewResponse(w, c.Echo()))
	err := h(c)
	c.SetResponse(orig)
	return w, err
}
