package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestLimits: a route's body is bounded by its group; heavy requests beyond the server's slots get 503 with
// Retry-After instead of queueing; a request past its deadline is stopped with 503, its work cancelled.
func TestLimits(t *testing.T) {
	s := New(Config{MaxBody: 1000, HeavyConcurrency: 1, RequestTimeout: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	block := make(chan struct{})
	var mu sync.Mutex
	cancelled := false
	e.POST("/small", func(c echo.Context) error {
		_, err := io.ReadAll(c.Request().Body)
		return err
	}, s.limit(routeEntry{}))
	e.POST("/tiny", func(c echo.Context) error {
		_, err := io.ReadAll(c.Request().Body)
		return err
	}, s.limit(routeEntry{body: tinyBody}))
	e.GET("/heavy", func(c echo.Context) error {
		<-block
		return c.NoContent(http.StatusOK)
	}, s.limit(routeEntry{weight: heavy}))
	e.GET("/slow", func(c echo.Context) error {
		<-c.Request().Context().Done() // as a database call does when its context ends
		mu.Lock()
		cancelled = true
		mu.Unlock()
		return context.Cause(c.Request().Context())
	}, s.limit(routeEntry{}))
	srv := httptest.NewServer(e)
	defer srv.Close()

	post := func(path string, n int) int {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(strings.Repeat("x", n)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tc := range []struct {
		path string
		n    int
		want int
	}{{"/small", 1000, 200}, {"/small", 1001, 413}, {"/tiny", maxTinyBody, 200}, {"/tiny", maxTinyBody + 1, 413}} {
		if got := post(tc.path, tc.n); got != tc.want {
			t.Errorf("POST %s with %d bytes: %d, want %d", tc.path, tc.n, got, tc.want)
		}
	}

	first := make(chan int)
	go func() {
		res, err := http.Get(srv.URL + "/heavy")
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.slots) == 0 && time.Now().Before(deadline) { // the first has its slot
		time.Sleep(10 * time.Millisecond)
	}
	res, err := http.Get(srv.URL + "/heavy")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("a heavy request beyond the slots: %d, Retry-After %q; want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	close(block)
	if got := <-first; got != http.StatusOK {
		t.Errorf("the heavy request holding the slot: %d", got)
	}

	res, err = http.Get(srv.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if res.StatusCode != http.StatusServiceUnavailable || !cancelled {
		t.Errorf("a request past its deadline: %d, work cancelled %v; want 503 and cancelled", res.StatusCode, cancelled)
	}
}
