package geojson

import (
	"strconv"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// AdminProperties are the properties of a feature of the OGC collection admin-units.
type AdminProperties struct {
	Level      int     `json:"level"`
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	ParentCode *string `json:"parent_code"`
}

// AdminPage is a page of the collection admin-units, with the number of units that matched.
type AdminPage struct {
	Collection[AdminProperties]
	NumberMatched int `json:"numberMatched"`
}

// AdminUnitID is the id of a unit in the collection admin-units: its level and code, as 1-LA01, since the
// gazetteer keeps codes unique within a level only.
func AdminUnitID(u *landrelease.AdminUnit) string { return strconv.Itoa(u.Level) + "-" + u.Code }

// ParseAdminUnitID reads an AdminUnitID; ok is false when id is not one.
func ParseAdminUnitID(id string) (level int, code string, ok bool) {
	l, code, found := strings.Cut(id, "-")
	if !found || code == "" || (l != "1" && l != "2") {
		return 0, "", false
	}
	return int(l[0] - '0'), code, true
}

// AdminUnitFeature returns u as a feature of the collection admin-units.
func AdminUnitFeature(u *landrelease.AdminUnit) Feature[AdminProperties] {
	p := AdminProperties{Level: u.Level, Code: u.Code, Name: u.Name}
	if u.ParentCode != "" {
		parent := u.ParentCode
		p.ParentCode = &parent
	}
	return Feature[AdminProperties]{Type: "Feature", ID: AdminUnitID(u), Geometry: geometry(u.Geometry), Properties: p}
}

// AdminUnitPage returns the page us of the collection admin-units, of matched units in all.
func AdminUnitPage(us []*landrelease.AdminUnit, matched int, links []Link, timeStamp string) AdminPage {
	out := AdminPage{Collection: Collection[AdminProperties]{Type: "FeatureCollection", Features: make([]Feature[AdminProperties], 0, len(us)),
		Links: links, NumberReturned: len(us), TimeStamp: timeStamp}, NumberMatched: matched}
	for _, u := range us {
		out.Features = append(out.Features, AdminUnitFeature(u))
	}
	return out
}
