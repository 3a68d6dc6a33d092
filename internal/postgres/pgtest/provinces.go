package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// LaoProvincesFile is the path of testdata/admin1-LA.geojson, the 17 provinces of Lao PDR (Natural Earth).
func LaoProvincesFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "admin1-LA.geojson")
}

// LaoProvinces reads the 17 provinces as level 1 admin units coded by adm1_code.
func LaoProvinces(tb testing.TB) []*landrelease.AdminUnit {
	tb.Helper()
	f, err := os.Open(LaoProvincesFile())
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	units, err := geojson.ReadAdminUnits(f, 1, geojson.AdminFields{Code: "adm1_code", Name: "name"})
	if err != nil {
		tb.Fatal(err)
	}
	return units
}

// ImportLaoProvinces imports the 17 provinces into db as an administrator and returns them.
func ImportLaoProvinces(tb testing.TB, db *postgres.DB) []*landrelease.AdminUnit {
	tb.Helper()
	units := LaoProvinces(tb)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})
	if err := postgres.NewAdminUnitService(db).ImportAdminUnits(admin, 1, units); err != nil {
		tb.Fatal(err)
	}
	return units
}
