package api

import (
	"context"
	"io"
	"log/slog"
	"maps"
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
	refused := &refusals{}
	s := New(Config{MaxBody: 1000, HeavyConcurrency: 1, RequestTimeout: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: refused})
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
	if got := refused.get(); got[RefusedBusy] != 1 || got[RefusedDeadline] != 1 || len(got) != 2 {
		t.Errorf("503s told the observer: %v, want one busy and one deadline", got)
	}
}

// refusals is an Observer counting Refused by reason.
type refusals struct {
	nobody
	mu sync.Mutex
	n  map[string]int
}

func (r *refusals) Refused(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[reason]++
}

func (r *refusals) get() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.n)
}

// TestSlowUploadHoldsNoSlot: an upload's body is received before its heavy slot is taken, so a client sending
// its body slowly does not keep reports and other uploads waiting.
func TestSlowUploadHoldsNoSlot(t *testing.T) {
	s := New(Config{MaxUpload: 1 << 20, HeavyConcurrency: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	e.POST("/upload", func(c echo.Context) error {
		r, err := receivedFrom(c)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, r.body.SHA256())
	}, s.limit(routeEntry{weight: heavy, body: spooledBody}))
	e.GET("/report", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, s.limit(routeEntry{weight: heavy}))
	srv := httptest.NewServer(e)
	defer srv.Close()

	pr, pw := io.Pipe()
	slow := make(chan int, 1)
	go func() {
		res, err := http.Post(srv.URL+"/upload", "application/geo+json", pr)
		if err != nil {
			slow <- 0
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	if _, err := pw.Write([]byte(`{"type":"FeatureCollection",`)); err != nil { // part of the body, then a pause
		t.Fatal(err)
	}
	for range 3 {
		res, err := http.Get(srv.URL + "/report")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("a report while an upload is being received: %d", res.StatusCode)
		}
	}
	if _, err := pw.Write([]byte(`"features":[]}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if got := <-slow; got != http.StatusOK {
		t.Errorf("the slow upload: %d", got)
	}
	if res, err := http.Post(srv.URL+"/upload", "text/plain", strings.NewReader("x")); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("an upload of another media type: %v %v", res.StatusCode, err)
	}
}
