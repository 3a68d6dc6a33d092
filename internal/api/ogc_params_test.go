package api

import (
	"net/url"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

func TestDatetime(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"", "", false},
		{"2024-05-01", "2024-05-01", false},
		{"2024-05-01T00:00:00Z", "2024-05-01", false},
		{"2024-05-01T23:30:00-02:00", "2024-05-02", false}, // its date in UTC
		{"2024-05-01T03:00:00+07:00", "2024-04-30", false},
		{"2024-05-01T10:00:00.123456Z", "2024-05-01", false},
		{"../2024-05-01", "", true},
		{"2024-05-01/..", "", true},
		{"2024-01-01/2024-05-01", "", true},
		{"..", "", true},
		{"2024-13-01", "", true},
		{"yesterday", "", true},
		{"2024-05-01T10:00", "", true},
	} {
		got, err := datetime(url.Values{"datetime": {tc.in}})
		if tc.bad {
			wantParamError(t, err, landrelease.EBADREQUEST, "datetime")
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("datetime %q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestOGCLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		bad  bool
	}{
		{"", 0, false},
		{"1", 1, false},
		{"10000", 10000, false},
		{"10001", landrelease.MaxPageSize, false}, // clamped, as OGC API - Features requires
		{"99999999999999999999999", landrelease.MaxPageSize, false},
		{"0", 0, true},
		{"-5", 0, true},
		{"-99999999999999999999999", 0, true},
		{"ten", 0, true},
		{"1.5", 0, true},
	} {
		got, err := ogcLimit(url.Values{"limit": {tc.in}})
		if tc.bad {
			wantParamError(t, err, landrelease.EBADREQUEST, "limit")
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("limit %q: %d %v, want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestPrefersHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		"": false,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true, // a browser
		"application/json":                        false,
		"application/geo+json, text/html;q=0.5":   false,
		"text/html;q=0.5, application/json;q=0.9": false,
		"text/html, application/geo+json;q=0.1":   true,
		"text/html;q=0":                           false,
		"*/*":                                     false, // GDAL, curl
		"garbage;;, text/html":                    true,
	} {
		if got := prefersHTML(accept); got != want {
			t.Errorf("Accept %q: prefers HTML %v, want %v", accept, got, want)
		}
	}
}

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]crsRef{
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84": crsCRS84,
		"http://www.opengis.net/def/crs/OGC/0/CRS84":   crsCRS84,
		"[OGC:CRS84]": crsCRS84,
		"http://www.opengis.net/def/crs/EPSG/0/4326":  {epsgPrefix + "4326", 4326},
		"http://www.opengis.net/def/crs/EPSG/0/32648": {epsgPrefix + "32648", 32648},
		"[EPSG:3857]": {epsgPrefix + "3857", 3857},
		"EPSG:32647":  {epsgPrefix + "32647", 32647},
		"http://www.opengis.net/def/crs/EPSG/0/032648": {},
		"http://www.opengis.net/def/crs/EPSG/0/-1":     {},
		"http://www.opengis.net/def/crs/EPSG/0/":       {},
		"https://www.opengis.net/def/crs/EPSG/0/4326":  {},
		"EPSG:4326;DROP": {},
		"CRS84":          {},
	} {
		got, ok := parseCRS(in)
		if ok != (want != crsRef{}) || got != want {
			t.Errorf("parseCRS(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
}

func TestUTMZones(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    orb.Bound
		want []int
	}{
		{"Lao PDR", orb.Bound{Min: orb.Point{100.08, 13.91}, Max: orb.Point{107.70, 22.50}}, []int{32647, 32648}},
		{"one zone", orb.Bound{Min: orb.Point{103.1, 19.4}, Max: orb.Point{103.2, 19.5}}, []int{32648}},
		{"on a zone's edge", orb.Bound{Min: orb.Point{102, 19}, Max: orb.Point{108, 20}}, []int{32648, 32649}},
		{"across the equator", orb.Bound{Min: orb.Point{100, -1}, Max: orb.Point{101, 1}}, []int{32647, 32747}},
		{"south", orb.Bound{Min: orb.Point{-70, -40}, Max: orb.Point{-69, -39}}, []int{32719}},
		{"the antimeridian's east edge", orb.Bound{Min: orb.Point{179, 0}, Max: orb.Point{180, 1}}, []int{32660}},
	} {
		if got := utmZones(tc.b); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRawBBox(t *testing.T) {
	for in, want := range map[string]*[4]float64{
		"":                                  nil,
		"11475000,2200000,11477800,2205000": {11475000, 2200000, 11477800, 2205000},
		"19.4,103.1,19.5,103.2":             {19.4, 103.1, 19.5, 103.2},
		"-1e3, -2e3 ,1e3,2e3":               {-1000, -2000, 1000, 2000},
	} {
		got, err := rawBBox(url.Values{"bbox": {in}})
		if err != nil || (got == nil) != (want == nil) || (got != nil && *got != *want) {
			t.Errorf("bbox %q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"1,2,3", "1,2,3,4,5", "a,b,c,d", "3,2,1,4", "1,4,3,2", "NaN,0,1,1", "0,0,1e400,1"} {
		_, err := rawBBox(url.Values{"bbox": {bad}})
		wantParamError(t, err, landrelease.EBADREQUEST, "bbox")
	}
}
