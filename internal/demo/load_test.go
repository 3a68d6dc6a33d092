package demo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/demo"
	lr "github.com/landrelease/landrelease/internal/landrelease"
)

// registry is an in-memory stand-in for the registry's services: it keeps hazard areas and releases and records
// every other write, in order; like a database, it refuses writes once their context is done. The methods the loader must not call panic (nil embedded interfaces).
type registry struct {
	lr.HazardAreaService
	lr.LandReleaseService
	lr.AdminUnitService
	lr.SettingService
	lr.Article4Service

	mu       sync.Mutex
	calls    []string                   // the writes before the hazard areas', in order
	hazards  map[string]*lr.HazardArea  // current versions
	order    []string                   // local ids of hazard areas in creation order
	events   map[string][]event         // per hazard area: its creation, releases and updates, in order
	releases map[string]*lr.LandRelease // by local id
	nextID   int64

	closeOnRelease bool                                // a release closes its hazard area, as a full one does
	failDeadline   error                               // AddDeadline's error
	failRelease    func(r *lr.LandRelease) error       // CreateLandRelease's error
	onCreate       func(h *lr.HazardArea, n int) error // called after the nth hazard area is created, under mu
}

type event struct {
	kind string    // create, release or update
	on   time.Time // the release's completion or the update's ChangedOn
	id   string    // the release's local id
}

func newRegistry() *registry {
	return &registry{hazards: map[string]*lr.HazardArea{}, events: map[string][]event{}, releases: map[string]*lr.LandRelease{}}
}

func (r *registry) ImportAdminUnits(_ context.Context, level int, units []*lr.AdminUnit) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("admin units level %d: %d", level, len(units)))
	return nil
}

func (r *registry) SetSetting(_ context.Context, key, value string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "setting "+key+"="+value)
	return nil
}

func (r *registry) AddDeadline(_ context.Context, d lr.Deadline) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "deadline "+d.Kind+" "+d.Deadline.Format(time.DateOnly))
	return r.failDeadline
}

func (r *registry) SetTarget(_ context.Context, t lr.Target) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("target %d %d", t.Year, t.AreaM2))
	return nil
}

func (r *registry) FindHazardArea(_ context.Context, id string, t lr.Temporal) (*lr.HazardArea, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hazards[id]
	if !ok || t != (lr.Temporal{}) {
		return nil, lr.Errorf(lr.ENOTFOUND, "no hazard area %s", id)
	}
	c := *h
	return &c, nil
}

func (r *registry) FindHazardAreas(_ context.Context, f lr.HazardAreaFilter) ([]*lr.HazardArea, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.Status != lr.StatusAll || f.Limit <= 0 {
		return nil, fmt.Errorf("unexpected filter %+v", f)
	}
	var page []*lr.HazardArea
	for _, id := range r.order { // in ID order
		if h := r.hazards[id]; h.ID > f.After && len(page) < f.Limit {
			c := *h
			page = append(page, &c)
		}
	}
	return page, nil
}

func (r *registry) CreateHazardArea(ctx context.Context, h *lr.HazardArea) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	if _, ok := r.hazards[h.LocalID]; ok {
		r.mu.Unlock()
		return lr.Errorf(lr.ECONFLICT, "local_id %s is taken", h.LocalID)
	}
	r.nextID++
	c := *h
	c.ID, c.Version, c.Status = r.nextID, 1, lr.StatusOpen
	r.hazards[h.LocalID] = &c
	r.order = append(r.order, h.LocalID)
	r.events[h.LocalID] = append(r.events[h.LocalID], event{kind: "create", on: h.IdentifiedOn})
	defer r.mu.Unlock()
	if r.onCreate != nil { // under the lock: no other write slips in before it has acted (it may not call r)
		return r.onCreate(h, len(r.order))
	}
	return nil
}

func (r *registry) UpdateHazardArea(ctx context.Context, id string, c lr.HazardAreaChange) (*lr.HazardArea, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.hazards[id]
	switch {
	case !ok:
		return nil, lr.Errorf(lr.ENOTFOUND, "no hazard area %s", id)
	case c.IfVersion != cur.Version:
		return nil, lr.Errorf(lr.EPRECONDITION, "version %d, not %d", cur.Version, c.IfVersion)
	case c.ChangedOn == nil:
		return nil, errors.New("a reclassification is not a correction: ChangedOn is nil")
	}
	next := *c.HazardArea
	next.LocalID, next.ID, next.Version = id, cur.ID, cur.Version+1
	r.hazards[id] = &next
	r.events[id] = append(r.events[id], event{kind: "update", on: *c.ChangedOn})
	return &next, nil
}

func (r *registry) CreateLandRelease(ctx context.Context, rel *lr.LandRelease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.failRelease != nil {
		if err := r.failRelease(rel); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.hazards[rel.HazardArea]
	if !ok {
		return lr.Invalid("parent unknown")
	}
	r.releases[rel.LocalID] = rel
	r.events[rel.HazardArea] = append(r.events[rel.HazardArea], event{kind: "release", on: rel.CompletedOn, id: rel.LocalID})
	if r.closeOnRelease {
		h.Status = lr.StatusClosed
	}
	return nil
}

// loader returns a Loader writing into reg, with its messages in out.
func loader(reg *registry, workers int, out *bytes.Buffer) *demo.Loader {
	return &demo.Loader{Hazards: reg, Releases: reg, Units: reg, Settings: reg, Article4: reg, Workers: workers, Out: out}
}

func loadOptions(n int) demo.LoadOptions {
	return demo.LoadOptions{Options: demo.Options{Hazards: n, Seed: 7, Today: today}, State: "Lao PDR", EntryIntoForce: "2010-08-01"}
}

var loadedLine = regexp.MustCompile(`^loaded (\d+) admin units, (\d+) hazard areas and (\d+) land releases in \S+\n$`)

// checkLoaded checks that out ends with Load's summary of units, hazard areas and releases.
func checkLoaded(t *testing.T, out string, units, hazards, releases int) {
	t.Helper()
	lines := strings.SplitAfter(out, "\n")
	if len(lines) < 2 {
		t.Fatalf("output %q: no summary", out)
	}
	last := lines[len(lines)-2]
	want := fmt.Sprintf("loaded %d admin units, %d hazard areas and %d land releases in ", units, hazards, releases)
	if !loadedLine.MatchString(last) || !strings.HasPrefix(last, want) {
		t.Errorf("summary %q, want %q…", last, want)
	}
}

// TestLoad checks what Load writes and in which order: admin units, settings, Article 4, then every generated
// hazard area with its releases in completion order and its reclassification in its place among them.
func TestLoad(t *testing.T) {
	const n = 200
	d, err := demo.Generate(laos(t), loadOptions(n).Options)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Reclassifications) == 0 {
		t.Fatal("no reclassification among the generated hazard areas: choose another seed")
	}
	reg, out := newRegistry(), &bytes.Buffer{}
	if err := loader(reg, 1, out).Load(context.Background(), laos(t), loadOptions(n)); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("admin units level 1: %d", len(laos(t))),
		"setting state_name=Lao PDR", "setting entry_into_force=2010-08-01", "setting public_read=true",
		"deadline original 2020-08-01", "deadline extension 2025-08-01",
	}
	for y := 2021; y <= 2027; y++ {
		want = append(want, fmt.Sprintf("target %d 6000000", y))
	}
	if !reflect.DeepEqual(reg.calls, want) {
		t.Errorf("writes before the hazard areas:\n%s\nwant:\n%s", strings.Join(reg.calls, "\n"), strings.Join(want, "\n"))
	}
	var ids []string
	for _, h := range d.Hazards {
		ids = append(ids, h.LocalID)
	}
	if !reflect.DeepEqual(reg.order, ids) {
		t.Errorf("one worker created the hazard areas in another order than generated")
	}
	if len(reg.releases) != len(d.Releases) {
		t.Errorf("%d releases loaded, %d generated", len(reg.releases), len(d.Releases))
	}
	rcs := map[string]demo.Reclassification{}
	for _, rc := range d.Reclassifications {
		rcs[rc.LocalID] = rc
	}
	if len(reg.events) != n || len(d.Reclassifications) == 0 {
		t.Fatalf("writes to %d hazard areas, %d reclassifications generated; want %d and some", len(reg.events), len(d.Reclassifications), n)
	}
	updates := 0
	for id, evs := range reg.events {
		if evs[0].kind != "create" {
			t.Errorf("%s: %s before its creation", id, evs[0].kind)
		}
		rc, has := rcs[id]
		var last time.Time
		reclassified := false
		for _, ev := range evs[1:] {
			switch ev.kind {
			case "release":
				if ev.on.Before(last) {
					t.Errorf("%s: release %s completed on %s recorded after one of %s", id, ev.id, ev.on.Format(time.DateOnly), last.Format(time.DateOnly))
				}
				last = ev.on
				if has && !reclassified && !ev.on.Before(rc.On) {
					t.Errorf("%s: release %s of %s recorded before the reclassification of %s", id, ev.id, ev.on.Format(time.DateOnly), rc.On.Format(time.DateOnly))
				}
			case "update":
				updates++
				if !has || reclassified || !ev.on.Equal(rc.On) {
					t.Errorf("%s: an update on %s; reclassification %v", id, ev.on.Format(time.DateOnly), has)
				}
				if last.After(rc.On) {
					t.Errorf("%s: reclassified on %s after a release of %s", id, rc.On.Format(time.DateOnly), last.Format(time.DateOnly))
				}
				reclassified = true
			default:
				t.Errorf("%s: %s twice", id, ev.kind)
			}
		}
		if has && !reclassified {
			t.Errorf("%s: not reclassified", id)
		}
		if h := reg.hazards[id]; has && (h.Kind != lr.KindCHA || h.Evidence != rc.Evidence || len(rc.Devices) > 0 && !reflect.DeepEqual(h.Devices, rc.Devices)) {
			t.Errorf("%s reclassified as %s with %s evidence and devices %v; want CHA, %s, %v", id, h.Kind, h.Evidence, h.Devices, rc.Evidence, rc.Devices)
		}
	}
	if updates != len(d.Reclassifications) {
		t.Errorf("%d reclassifications recorded, %d generated", updates, len(d.Reclassifications))
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("output %q: want the summary only", out)
	}
	checkLoaded(t, out.String(), len(laos(t)), n, len(d.Releases))
}

// TestLoadReclassifyClosed checks that an area closed by a release before its evidence came in stays as it is,
// and that one still open is reclassified.
func TestLoadReclassifyClosed(t *testing.T) {
	const n = 200
	d, err := demo.Generate(laos(t), loadOptions(n).Options)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]time.Time{} // the first release of each area
	for _, r := range d.Releases {
		if f, ok := first[r.HazardArea]; !ok || r.CompletedOn.Before(f) {
			first[r.HazardArea] = r.CompletedOn
		}
	}
	reg := newRegistry()
	reg.closeOnRelease = true
	if err := loader(reg, 3, &bytes.Buffer{}).Load(context.Background(), laos(t), loadOptions(n)); err != nil {
		t.Fatal(err)
	}
	var open, closed int
	for _, rc := range d.Reclassifications {
		updated := false
		for _, ev := range reg.events[rc.LocalID] {
			updated = updated || ev.kind == "update"
		}
		f, released := first[rc.LocalID]
		want := !released || rc.On.Before(f) || rc.On.Equal(f)
		if updated != want {
			t.Errorf("%s reclassified on %s, first released on %s: updated %v, want %v", rc.LocalID, rc.On.Format(time.DateOnly), f.Format(time.DateOnly), updated, want)
		}
		if want {
			open++
		} else {
			closed++
		}
	}
	if open == 0 || closed == 0 {
		t.Errorf("%d reclassifications of open areas, %d of closed ones: the test needs both", open, closed)
	}
}

// TestLoadHazardsOnly checks that HazardsOnly loads the same hazard areas without releases or
// reclassifications, and that fewer than one worker means one.
func TestLoadHazardsOnly(t *testing.T) {
	const n = 50
	reg, out := newRegistry(), &bytes.Buffer{}
	opt := loadOptions(n)
	opt.HazardsOnly = true
	if err := loader(reg, 0, out).Load(context.Background(), laos(t), opt); err != nil {
		t.Fatal(err)
	}
	whole := newRegistry()
	if err := loader(whole, 4, &bytes.Buffer{}).Load(context.Background(), laos(t), loadOptions(n)); err != nil {
		t.Fatal(err)
	}
	if got, want := sorted(reg.order), sorted(whole.order); !reflect.DeepEqual(got, want) {
		t.Errorf("hazard areas only: %d, not the %d of the whole demo", len(got), len(want))
	}
	if len(reg.events) != n {
		t.Errorf("writes to %d hazard areas, want %d", len(reg.events), n)
	}
	for id, evs := range reg.events {
		if len(evs) != 1 {
			t.Errorf("%s: %d writes, want its creation only", id, len(evs))
		}
	}
	checkLoaded(t, out.String(), len(laos(t)), n, 0)
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// TestLoadIfEmpty checks what IfEmpty decides from the hazard areas the registry holds.
func TestLoadIfEmpty(t *testing.T) {
	const n = 60
	opt := loadOptions(n)
	opt.IfEmpty = true
	d, err := demo.Generate(laos(t), opt.Options)
	if err != nil {
		t.Fatal(err)
	}
	// holding returns a registry holding the generated hazard areas hs, and one of another demo when other.
	holding := func(hs []*lr.HazardArea, other bool) *registry {
		reg := newRegistry()
		for _, h := range hs {
			if err := reg.CreateHazardArea(context.Background(), h); err != nil {
				t.Fatal(err)
			}
		}
		if other {
			if err := reg.CreateHazardArea(context.Background(), &lr.HazardArea{LocalID: "LA-XX-2020-0001"}); err != nil {
				t.Fatal(err)
			}
		}
		return reg
	}
	for _, c := range []struct {
		name    string
		reg     *registry
		out     string // the first line
		created int    // hazard areas Load creates
	}{
		{"empty", holding(nil, false), "loaded ", n},
		{"other", holding(nil, true), "the registry holds other hazard areas: demo data not loaded\n", 0},
		{"some and other", holding(d.Hazards[:10], true), "the registry holds other hazard areas: demo data not loaded\n", 0},
		{"all", holding(d.Hazards, false), "the demo data is loaded already\n", 0},
		{"some", holding(d.Hazards[:25], false), "finishing an interrupted demo load: 25 hazard areas are there\n", n - 25},
		{"every other", holding(everyOther(d.Hazards), false), fmt.Sprintf("finishing an interrupted demo load: %d hazard areas are there\n", n/2), n / 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(c.reg.order)
			out := &bytes.Buffer{}
			if err := loader(c.reg, 2, out).Load(context.Background(), laos(t), opt); err != nil {
				t.Fatal(err)
			}
			if line, _, _ := strings.Cut(out.String(), "\n"); !strings.HasPrefix(line+"\n", c.out) {
				t.Errorf("output %q, want %q", out, c.out)
			}
			if got := len(c.reg.order) - before; got != c.created {
				t.Errorf("%d hazard areas created, want %d", got, c.created)
			}
			if c.created == 0 && len(c.reg.calls) > 0 {
				t.Errorf("wrote %v to a registry it does not load", c.reg.calls)
			}
			if c.created > 0 {
				checkLoaded(t, out.String(), len(laos(t)), c.created, len(c.reg.releases))
				if len(c.reg.order) != n {
					t.Errorf("the registry holds %d hazard areas, the demo %d", len(c.reg.order), n)
				}
			}
		})
	}
}

func everyOther(hs []*lr.HazardArea) []*lr.HazardArea {
	var out []*lr.HazardArea
	for i := 0; i < len(hs); i += 2 {
		out = append(out, hs[i])
	}
	return out
}

// TestLoadIfEmptyPages checks that IfEmpty reads every page of the registry's hazard areas: a hazard area of
// another demo after the first thousand stops the load.
func TestLoadIfEmptyPages(t *testing.T) {
	const n = 1100
	opt := loadOptions(n)
	opt.IfEmpty = true
	d, err := demo.Generate(laos(t), opt.Options)
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry()
	for _, h := range d.Hazards[:1050] {
		if err := reg.CreateHazardArea(context.Background(), h); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.CreateHazardArea(context.Background(), &lr.HazardArea{LocalID: "LA-XX-2020-0001"}); err != nil {
		t.Fatal(err)
	}
	out := &bytes.Buffer{}
	if err := loader(reg, 2, out).Load(context.Background(), laos(t), opt); err != nil {
		t.Fatal(err)
	}
	if want := "the registry holds other hazard areas: demo data not loaded\n"; out.String() != want || len(reg.calls) > 0 {
		t.Errorf("output %q, writes %v; want %q and none", out, reg.calls, want)
	}
}

// TestLoadHazardError checks that a failing hazard area stops the load with a HazardError naming it.
func TestLoadHazardError(t *testing.T) {
	const n = 200
	d, err := demo.Generate(laos(t), loadOptions(n).Options)
	if err != nil {
		t.Fatal(err)
	}
	bad := d.Releases[len(d.Releases)/4]
	refused := lr.Invalid("overlaps another release", lr.Detail{Field: "geometry", Reason: "overlap"})
	reg, out := newRegistry(), &bytes.Buffer{}
	reg.failRelease = func(r *lr.LandRelease) error {
		if r.LocalID == bad.LocalID {
			return refused
		}
		return nil
	}
	err = loader(reg, 4, out).Load(context.Background(), laos(t), loadOptions(n))
	var he *demo.HazardError
	if !errors.As(err, &he) || he.LocalID != bad.HazardArea || !errors.Is(err, refused) {
		t.Fatalf("Load: %v; want a HazardError of %s wrapping %v", err, bad.HazardArea, refused)
	}
	if want := "hazard area " + bad.HazardArea + ": " + refused.Error(); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if len(reg.order) == n {
		t.Error("every hazard area was loaded after one failed")
	}
	if out.Len() > 0 {
		t.Errorf("a failed load wrote %q", out)
	}
}

// TestLoadDeadlines checks that a deadline recorded already is kept, and that another error stops the load.
func TestLoadDeadlines(t *testing.T) {
	reg := newRegistry()
	reg.failDeadline = lr.Errorf(lr.ECONFLICT, "deadline recorded")
	if err := loader(reg, 1, &bytes.Buffer{}).Load(context.Background(), laos(t), loadOptions(10)); err != nil {
		t.Fatalf("Load with the deadlines recorded: %v", err)
	}
	if len(reg.order) != 10 {
		t.Errorf("%d hazard areas loaded, want 10", len(reg.order))
	}
	reg = newRegistry()
	reg.failDeadline = lr.Errorf(lr.EFORBIDDEN, "not an administrator")
	err := loader(reg, 1, &bytes.Buffer{}).Load(context.Background(), laos(t), loadOptions(10))
	if !errors.Is(err, reg.failDeadline) {
		t.Errorf("Load: %v, want %v", err, reg.failDeadline)
	}
	if len(reg.order) != 0 || strings.HasPrefix(reg.calls[len(reg.calls)-1], "target") {
		t.Errorf("after a refused deadline: %d hazard areas, last write %q", len(reg.order), reg.calls[len(reg.calls)-1])
	}
}

// TestLoadInterrupted cancels a load half-way, as Ctrl-C does, and checks that it leaves whole hazard areas
// and that a load with IfEmpty then finishes the demo as a load never interrupted does.
func TestLoadInterrupted(t *testing.T) {
	const n = 200
	whole := newRegistry()
	if err := loader(whole, 4, &bytes.Buffer{}).Load(context.Background(), laos(t), loadOptions(n)); err != nil {
		t.Fatal(err)
	}

	reg := newRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg.onCreate = func(_ *lr.HazardArea, k int) error {
		if k == n/3 {
			cancel()
		}
		return nil
	}
	opt := loadOptions(n)
	opt.IfEmpty = true
	out := &bytes.Buffer{}
	if err := loader(reg, 4, out).Load(ctx, laos(t), opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("the interrupted load returned %v", err)
	}
	if out.Len() > 0 {
		t.Errorf("the interrupted load wrote %q", out)
	}
	h := len(reg.order)
	if h < n/3 || h >= n {
		t.Fatalf("interrupted after %d of %d hazard areas", h, n)
	}
	for _, id := range reg.order {
		if got, want := len(reg.events[id]), len(whole.events[id]); got != want {
			t.Errorf("%s: %d writes after the interruption, %d in a whole load", id, got, want)
		}
	}

	reg.onCreate = nil
	out.Reset()
	if err := loader(reg, 4, out).Load(context.Background(), laos(t), opt); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("finishing an interrupted demo load: %d hazard areas are there\n", h); !strings.HasPrefix(out.String(), want) {
		t.Errorf("second run: %q, want %q…", out, want)
	}
	checkLoaded(t, out.String(), len(laos(t)), n-h, len(whole.releases)-countReleases(reg, reg.order[:h]))
	if !reflect.DeepEqual(sorted(reg.order), sorted(whole.order)) || len(reg.releases) != len(whole.releases) {
		t.Errorf("after the second run: %d hazard areas, %d releases; a whole load gives %d, %d", len(reg.order), len(reg.releases), len(whole.order), len(whole.releases))
	}
	if len(whole.events) != n {
		t.Fatalf("a whole load wrote to %d hazard areas, want %d", len(whole.events), n)
	}
	for id, evs := range whole.events {
		if !reflect.DeepEqual(reg.events[id], evs) {
			t.Errorf("%s: %v after an interrupted load, %v after a whole one", id, reg.events[id], evs)
		}
	}

	out.Reset()
	if err := loader(reg, 4, out).Load(context.Background(), laos(t), opt); err != nil || out.String() != "the demo data is loaded already\n" {
		t.Errorf("third run: %v, %q", err, out)
	}
}

// countReleases counts the releases of the hazard areas ids in reg.
func countReleases(reg *registry, ids []string) int {
	k := 0
	for _, id := range ids {
		for _, ev := range reg.events[id] {
			if ev.kind == "release" {
				k++
			}
		}
	}
	return k
}
