package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Limits of the work one request may cost, with their defaults (Config overrides them).
const (
	// DefaultRequestTimeout bounds a request's work (its database statements are cancelled at the deadline).
	DefaultRequestTimeout = time.Minute
	// DefaultHeavyTimeout bounds the work of a heavy request: checking or approving an upload, a report.
	DefaultHeavyTimeout = 15 * time.Minute
	// heavyWait is how long a heavy request waits for a slot before the server answers 503.
	heavyWait = 2 * time.Second
	// retryAfterSeconds is the Retry-After of a 503: for want of a slot, and of every other 503 (handleError).
	retryAfterSeconds = 10
)

// DefaultHeavyConcurrency is how many heavy requests a server serves at once by default.
const DefaultHeavyConcurrency = 4

// weight says what a route's requests may cost.
type weight int

const (
	light  weight = iota // the index, one record, a page: bounded by DefaultRequestTimeout
	heavy                // a whole upload checked, a report computed: few at once, a longer deadline
	stream               // a stored upload body sent back: as long as the server's write timeout allows
)

// body says how a route reads its request body.
type body int

const (
	smallBody   body = iota // JSON or GeoJSON up to Config.MaxBody
	spooledBody             // an upload, spooled to disk by its handler up to Config.MaxUpload
	tinyBody                // a sign-in: at most maxTinyBody bytes, on a route open to anyone
)

// maxTinyBody bounds the body of a route open without credentials (a sign-in).
const maxTinyBody = 16 << 10

// routeOption sets a route's weight or body.
type routeOption func(*routeEntry)

func (w weight) apply(r *routeEntry) { r.weight = w }
func (b body) apply(r *routeEntry)   { r.body = b }

// heavyWork, streamed, upload (with the check of its parameters) and tiny are the options of routes.go.
var (
	heavyWork routeOption = heavy.apply
	streamed  routeOption = stream.apply
	upload                = func(check func(echo.Context) error) routeOption {
		return func(r *routeEntry) { r.body, r.precheck = spooledBody, check }
	}
	tiny routeOption = tinyBody.apply
)

// spooledKey holds, in a request of a spooledBody route, its body as received (receivedFrom reads it).
const spooledKey = "spooled-body"

// receivedFrom returns the upload received for the request.
func receivedFrom(c echo.Context) (*received, error) {
	f, ok := c.Get(spooledKey).(*received)
	if !ok {
		return nil, landrelease.Errorf(landrelease.EINTERNAL, "The upload's body was not received.")
	}
	return f, nil
}

// workSlots bounds the heavy requests served at once.
type workSlots chan struct{}

// take waits up to heavyWait for a slot; it returns the function that gives it back, or EUNAVAILABLE.
func (w workSlots) take(ctx context.Context) (func(), error) {
	t := time.NewTimer(heavyWait)
	defer t.Stop()
	select {
	case w <- struct{}{}:
		return func() { <-w }, nil
	case <-t.C:
		return nil, landrelease.Errorf(landrelease.EUNAVAILABLE, "The server is busy with other uploads and reports: try again in %d seconds.", retryAfterSeconds)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// limit wraps a route's handler with its limits: the body's size, a deadline on its work, and for heavy routes
// a slot among Config.HeavyConcurrency. An upload's body is received (spooled, within Config.MaxUpload and the
// server's read timeout) before its slot and its deadline are taken: a slow connection holds neither.
func (s *Server) limit(r routeEntry) echo.MiddlewareFunc {
	timeout := s.cfg.RequestTimeout
	if r.weight == heavy {
		timeout = s.cfg.HeavyTimeout
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if max := map[body]int64{smallBody: s.cfg.MaxBody, tinyBody: maxTinyBody}[r.body]; max > 0 && req.Body != nil && req.Body != http.NoBody {
				if req.ContentLength > max {
					return landrelease.Errorf(landrelease.ETOOLARGE, "The body is %d bytes; the limit is %d.", req.ContentLength, max)
				}
				req.Body = http.MaxBytesReader(c.Response(), req.Body, max)
			}
			if r.body == spooledBody {
				if r.precheck != nil { // the request's parameters, before its body is received
					if err := r.precheck(c); err != nil {
						return err
					}
				}
				f, err := s.receive(c)
				if err != nil {
					return err
				}
				defer f.Close()
				c.Set(spooledKey, f)
			}
			if r.weight == stream {
				return next(c)
			}
			if r.weight == heavy {
				release, err := s.slots.take(req.Context())
				if err != nil {
					if landrelease.ErrorCode(err) == landrelease.EUNAVAILABLE {
						s.cfg.Metrics.Refused(RefusedBusy)
					}
					c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
					return err
				}
				defer release()
			}
			ctx, cancel := context.WithTimeout(req.Context(), timeout)
			defer cancel()
			c.SetRequest(req.WithContext(ctx))
			err := next(c)
			if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return err
			}
			switch landrelease.ErrorCode(err) {
			case landrelease.EINTERNAL:
				s.cfg.Metrics.Refused(RefusedDeadline)
				return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Err: err,
					Message: fmt.Sprintf("The request took longer than its limit of %s and was stopped; nothing it had begun to write was kept.", timeout)}
			case landrelease.EUNAVAILABLE: // a statement cancelled at the deadline (57014)
				s.cfg.Metrics.Refused(RefusedDeadline)
			}
			return err
		}
	}
}
