package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Observer is told of every request the server answers and of the 503s of its limits (internal/metrics
// implements it for Prometheus). Its methods are called concurrently.
type Observer interface {
	// RequestStarted is called when a routed request begins, RequestDone when it was answered. route is the
	// route's template as routes.go registers it (echo's c.Path()), never the request's URL.
	RequestStarted()
	RequestDone(method, route string, status int, d time.Duration)
	// Refused is called for a 503 of the limits, with reason RefusedBusy or RefusedDeadline.
	Refused(reason string)
}

// The reasons of Observer.Refused.
const (
	RefusedBusy     = "busy"     // no slot for heavy work within heavyWait
	RefusedDeadline = "deadline" // the work ran past its deadline and was stopped
)

// nobody is the Observer of a server given none.
type nobody struct{}

func (nobody) RequestStarted()                                {}
func (nobody) RequestDone(string, string, int, time.Duration) {}
func (nobody) Refused(string)                                 {}

// observe tells Config.Metrics of each request: it wraps every other middleware, so that the status it reports
// is the one sent, errors and recovered panics included.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		s.cfg.Metrics.RequestStarted()
		if err := next(c); err != nil {
			c.Error(err)
		}
		s.cfg.Metrics.RequestDone(c.Request().Method, c.Path(), c.Response().Status, time.Since(start))
		return nil
	}
}

// HeavyInFlight returns how many heavy requests hold a slot now; HeavyLimit how many may at once.
func (s *Server) HeavyInFlight() int { return len(s.slots) }

// HeavyLimit returns how many heavy requests are served at once (Config.HeavyConcurrency).
func (s *Server) HeavyLimit() int { return cap(s.slots) }

// Drain makes /healthz answer 503 {"status":"draining"} from now on, so that a load balancer sends no new
// requests; the server goes on serving those that still come. It is the first step of a graceful shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

// drained answers /healthz while the server drains.
func drained(c echo.Context) error {
	c.Response().Header().Set("Retry-After", "1")
	return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
}
