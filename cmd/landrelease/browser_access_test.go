package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSignInToRead: on a registry whose reads are not public (the default), the map sends a visitor to
// the sign-in page, and back to the map, which draws, once signed in.
func TestBrowserSignInToRead(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := startClosed(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	a.cli("token", "create", "--user", "officer", "--role", "reporting_officer")
	a.env("LANDRELEASE_PASSWORD", "officer-pass-1")
	a.cli("password", "set", "--user", "officer")

	b := newBrowser(t, chrome)
	b.do("open the map", chromedp.Navigate(a.base+"/"))
	b.waitAcross("the sign-in page", `location.pathname === "/signin.html" && new URLSearchParams(location.search).get("next") === "/"`)
	b.signIn(a.base, "officer", "officer-pass-1", "/", "reporting_officer")
	b.waitAcross("the map with the provinces", `document.body.dataset.ready === "1" && document.querySelectorAll(".leaflet-admin-pane path").length >= 17`)
}
