// Package api serves the registry over HTTP with echo: GeoJSON in and out (RFC 7946), one JSON error body,
// optimistic concurrency with ETag and If-Match.
package api

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// Config holds the server's dependencies and limits.
type Config struct {
	Hazards  landrelease.HazardAreaService
	Releases landrelease.LandReleaseService
	Admin    landrelease.AdminUnitService
	Users    landrelease.UserService
	Reports  landrelease.ReportService
	Article4 landrelease.Article4Service
	// WorkPlan keeps the work plan's productivity, costs and mix, and computes plans; WorkPlanFormat finds a plan's
	// encoder by format name (csv, json, xlsx, html).
	WorkPlan       landrelease.WorkPlanService
	WorkPlanFormat landrelease.WorkPlanFormat
	// Extension keeps the extension request's text and drafts the request; ExtensionFormat finds a draft's
	// encoder by format name (json, xlsx, html).
	Extension       landrelease.ExtensionService
	ExtensionFormat landrelease.ExtensionFormat
	// Completion computes completion summaries and keeps completion dates; CompletionFormat finds a summary's
	// encoder by format name (csv, json, html).
	Completion       landrelease.CompletionService
	CompletionFormat landrelease.CompletionFormat
	// Spatial answers point, near, bbox and intersecting queries from memory.
	Spatial landrelease.SpatialIndex
	// CRS transforms the OGC collections' geometries into the coordinate reference systems of OGC API - Features
	// Part 2 beyond CRS84 and EPSG:4326 (ogc_crs.go); without it only those two are offered.
	CRS landrelease.Reprojector
	// ReportFormat finds a report encoder by format name (csv, json, xlsx, html).
	ReportFormat landrelease.ReportFormat
	// Ready reports nil when the service can answer (database reachable, indexes loaded).
	Ready func(ctx context.Context) error
	// Status, when set, returns members /healthz adds to its answer (the replica's lag, say).
	Status func() map[string]any
	Logger *slog.Logger
	// MaxBody bounds a request body in bytes (default 16 MiB), except uploads.
	MaxBody int64
	// MaxUpload bounds an upload's body in bytes (default 256 MiB).
	MaxUpload int64
	Uploads   landrelease.UploadService
	// Mappings keeps the property mappings saved by name, beside the presets (mapping.go): an upload's mapping
	// parameter names one of them. Without it, the mapping routes answer 503 and an upload's mapping is sent
	// with it or not at all.
	Mappings landrelease.MappingService
	// Geometry bounds one geometry (defaults of geo.Limits).
	Geometry geo.Limits
	// Web serves the web application at /, when set.
	Web http.Handler
	// Settings tells whether reads are open to anyone (public_read); without it they need credentials.
	Settings landrelease.SettingService
	// Audit reads the audit trail; Exports records the exports of the record in it.
	Audit   landrelease.AuditService
	Exports landrelease.ExportRecorder
	// Exporter writes the collections' exports (export.go); without it, exports answer 503.
	Exporter landrelease.Exporter
	// Archiver writes the archive administrators download as a ZIP (archive.go); without it, the archive
	// answers 503. ArchiveTempDir is where each archive is written before it is sent ("" for the system's).
	Archiver       landrelease.Archiver
	ArchiveTempDir string
	// Now is the server's clock (default time.Now): today's date for reports, the timeStamp of pages.
	Now func() time.Time
	// RequestTimeout bounds a request's work, HeavyTimeout that of a heavy one (an upload checked or approved, a
	// report), and HeavyConcurrency how many heavy ones are served at once (limits.go; 0: the defaults).
	RequestTimeout   time.Duration
	HeavyTimeout     time.Duration
	HeavyConcurrency int
	// TrustedProxies are the proxies whose X-Forwarded-For gives the client's address (for the audit trail and
	// sign-in throttling); from any other peer the header is ignored (clientAddress).
	TrustedProxies []netip.Prefix
	// Metrics is told of every request and of the limits' 503s (observe.go); nil tells nobody.
	Metrics Observer
}

// Server is the HTTP API.
type Server struct {
	cfg         Config
	echo        *echo.Echo
	signIns     *throttle
	features    *geojson.FeatureCache // encoded features of the index path (encode.go)
	bodies      *sync.Pool            // response buffers of the index path (encode.go)
	mapFeatures *geojson.MapCache     // map JSON of the index's hazard areas per scale (mapview.go)
	publicRead  *publicRead           // the public_read setting, cached (access.go)
	tokens      *tokenCache           // verified bearer tokens (auth.go)
	sessions    *sessionCache         // verified sessions (auth.go)
	slots       workSlots             // heavy requests being served (limits.go)
	table       []routeEntry          // every route with its access, as routes.go registers them
	html        *template.Template    // the HTML view of the OGC resources (ogc_html.go)
	openAPI     []byte                // the OpenAPI document, as JSON (ogc_openapi.go)
	draining    atomic.Bool           // /healthz says draining (Drain, observe.go)
}

// New returns a Server with every route registered.
func New(cfg Config) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 16 << 20
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 256 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.HeavyTimeout <= 0 {
		cfg.HeavyTimeout = DefaultHeavyTimeout
	}
	if cfg.HeavyConcurrency <= 0 {
		cfg.HeavyConcurrency = DefaultHeavyConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nobody{}
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{cfg: cfg, echo: e, signIns: newThrottle(signInLimits), features: geojson.NewFeatureCache(featureCacheBytes),
		bodies: newBodies(), mapFeatures: geojson.NewMapCache(mapCacheBytes)}
	s.html = htmlPages()
	s.openAPI = openAPIDocument()
	outage := newDBOutage(cfg.Logger)
	s.tokens = newTokenCache()
	s.tokens.outage = outage
	s.sessions = newSessionCache()
	s.sessions.outage = outage
	s.slots = make(workSlots, cfg.HeavyConcurrency)
	s.publicRead = &publicRead{settings: cfg.Settings, log: func(msg string, args ...any) { cfg.Logger.Warn(msg, args...) }, outage: outage}
	e.HTTPErrorHandler = s.handleError
	e.Use(s.observe, s.recover, s.logRequests, s.authenticate)
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// errorBody is the one JSON error body of the API.
type errorBody struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Details []landrelease.Detail `json:"details,omitempty"`
	} `json:"error"`
	// Report is the feature-by-feature report of a rejected upload.
	Report *landrelease.UploadReport `json:"report,omitempty"`
}

// statuses maps error codes to HTTP statuses; this is the only place that picks an error status.
var statuses = map[string]int{
	landrelease.EBADREQUEST:           http.StatusBadRequest,
	landrelease.EINVALID:              http.StatusUnprocessableEntity,
	landrelease.ENOTFOUND:             http.StatusNotFound,
	landrelease.ECONFLICT:             http.StatusConflict,
	landrelease.EPRECONDITION:         http.StatusPreconditionFailed,
	landrelease.EPRECONDITIONREQUIRED: http.StatusPreconditionRequired,
	landrelease.EUNAUTHORIZED:         http.StatusUnauthorized,
	landrelease.EFORBIDDEN:            http.StatusForbidden,
	landrelease.ETOOLARGE:             http.StatusRequestEntityTooLarge,
	landrelease.EUNSUPPORTEDMEDIA:     http.StatusUnsupportedMediaType,
	landrelease.EMETHOD:               http.StatusMethodNotAllowed,
	landrelease.ETOOMANY:              http.StatusTooManyRequests,
	landrelease.EUNAVAILABLE:          http.StatusServiceUnavailable,
	landrelease.EINTERNAL:             http.StatusInternalServerError,
}

// echoCodes maps echo's own errors (unknown route, wrong method, body too large) to error codes.
var echoCodes = map[int]string{
	http.StatusNotFound:              landrelease.ENOTFOUND,
	http.StatusMethodNotAllowed:      landrelease.EMETHOD,
	http.StatusRequestEntityTooLarge: landrelease.ETOOLARGE,
	http.StatusBadRequest:            landrelease.EBADREQUEST,
	http.StatusUnsupportedMediaType:  landrelease.EUNSUPPORTEDMEDIA,
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := echoCodes[he.Code]
		if !ok {
			code = landrelease.EINTERNAL
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			msg = m
		}
		if he.Code == http.StatusMethodNotAllowed {
			msg = "Method " + c.Request().Method + " is not allowed on " + c.Request().URL.Path + "."
		}
		err = &landrelease.Error{Code: code, Message: msg, Err: he.Internal}
	}
	code := landrelease.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.cfg.Logger.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = landrelease.ErrorMessage(err)
	body.Error.Details = landrelease.ErrorDetails(err)
	var re *landrelease.ReportError
	if errors.As(err, &re) {
		body.Report = re.Report
	}
	if status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
		// Every 503 says when to come back: the slots of heavy work, a deadline, a database that cannot write.
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if err := c.JSON(status, body); err != nil {
		s.cfg.Logger.Error("write error response", "err", err)
	}
}

func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.cfg.Logger.Error("panic", "method", c.Request().Method, "path", c.Request().URL.Path, "panic", r)
				err = landrelease.Errorf(landrelease.EINTERNAL, "Internal error.")
			}
		}()
		return next(c)
	}
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		user := ""
		if u := landrelease.UserFromContext(c.Request().Context()); u != nil {
			user = u.Name
		}
		s.cfg.Logger.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
			slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path),
			slog.Int("status", c.Response().Status), slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", time.Since(start)), slog.String("user", user))
		return nil
	}
}
