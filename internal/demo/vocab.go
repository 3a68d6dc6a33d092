package demo

import (
	"math/rand/v2"
	"strings"

	lr "github.com/landrelease/landrelease/internal/landrelease"
)

// table is a fixed weighted choice. Order matters for determinism, so it is a slice, never a map.
type table[T any] struct {
	vals  []T
	cum   []float64
	total float64
}

type wv[T any] struct {
	v T
	w float64
}

func newTable[T any](items ...wv[T]) table[T] {
	t := table[T]{vals: make([]T, len(items)), cum: make([]float64, len(items))}
	for i, it := range items {
		t.total += it.w
		t.vals[i] = it.v
		t.cum[i] = t.total
	}
	return t
}

func (t *table[T]) pick(r *rand.Rand) T {
	x := r.Float64() * t.total
	for i, c := range t.cum {
		if x < c {
			return t.vals[i]
		}
	}
	return t.vals[len(t.vals)-1]
}

// Submunitions found in Lao PDR: the BLU-26 family ("bombies") dominates, then BLU-63, M42 and BLU-61.
var cmrDevices = newTable(
	wv[string]{"BLU-26", 40},
	wv[string]{"BLU-63", 14},
	wv[string]{"M42", 10},
	wv[string]{"BLU-61", 8},
	wv[string]{"BLU-36", 6},
	wv[string]{"BLU-59", 4},
	wv[string]{"BLU-97", 3},
	wv[string]{"M46", 3},
	wv[string]{"M77", 2},
	wv[string]{"M85", 1},
	wv[string]{"AO-1SCh", 1},
	wv[string]{"PTAB-2.5M", 1},
	wv[string]{"ShOAB-0.5", 1},
	wv[string]{"9N210", 0.5},
	wv[string]{"9N235", 0.5},
)

// Other explosive ordnance common in Lao PDR.
var otherDevices = newTable(
	wv[string]{"Mk-82 bomb", 4},
	wv[string]{"60mm mortar", 4},
	wv[string]{"81mm mortar", 3},
	wv[string]{"M79 40mm grenade", 4},
	wv[string]{"105mm projectile", 3},
	wv[string]{"2.75in rocket", 2},
)

var contaminations = newTable(
	wv[lr.Contamination]{lr.ContaminationCMR, 85},
	wv[lr.Contamination]{lr.ContaminationMixed, 10},
	wv[lr.Contamination]{lr.ContaminationOther, 5},
)

var directCategories = newTable(
	wv[string]{"items_seen", 45},
	wv[string]{"accident_known_location", 15},
	wv[string]{"reliable_record", 15},
	wv[string]{"detonation", 10},
	wv[string]{"signs_or_fences_seen", 15},
)

var indirectCategories = newTable(
	wv[string]{"former_combat_zone", 25},
	wv[string]{"verbal_report", 25},
	wv[string]{"old_survey", 15},
	wv[string]{"productive_land_not_in_use", 15},
	wv[string]{"accident_unknown_location", 10},
	wv[string]{"unreliable_record", 10},
)

var markingCHA = newTable(
	wv[lr.Marking]{lr.MarkingMarked, 60},
	wv[lr.Marking]{lr.MarkingNone, 30},
	wv[lr.Marking]{lr.MarkingFenced, 10},
)

var markingSHA = newTable(
	wv[lr.Marking]{lr.MarkingNone, 78},
	wv[lr.Marking]{lr.MarkingMarked, 20},
	wv[lr.Marking]{lr.MarkingFenced, 2},
)

var priorities = newTable(
	wv[lr.Priority]{lr.PriorityHigh, 25},
	wv[lr.Priority]{lr.PriorityMedium, 45},
	wv[lr.Priority]{lr.PriorityLow, 30},
)

var landUses = newTable(
	wv[lr.LandUse]{lr.LandUseAgriculture, 55},
	wv[lr.LandUse]{lr.LandUseForest, 15},
	wv[lr.LandUse]{lr.LandUseGrazing, 10},
	wv[lr.LandUse]{lr.LandUseResidential, 8},
	wv[lr.LandUse]{lr.LandUseInfrastructure, 5},
	wv[lr.LandUse]{lr.LandUseWater, 2},
	wv[lr.LandUse]{lr.LandUseOther, 5},
)

var organisations = newTable(
	wv[string]{"UXO Lao", 40},
	wv[string]{"NPA", 15},
	wv[string]{"MAG", 15},
	wv[string]{"HALO Trust", 15},
	wv[string]{"HI", 8},
	wv[string]{"Army Humanitarian Team 58", 7},
)

var depths = newTable(
	wv[int]{25, 60},
	wv[int]{30, 15},
	wv[int]{50, 20},
	wv[int]{100, 5},
)

var cancelCriteria = []string{
	"Non-technical survey: no evidence of contamination; land in productive use for years without incident.",
	"Non-technical survey: villagers and district authorities report no items or accidents here.",
	"Non-technical survey: outside the strike footprint established from direct evidence.",
	"Non-technical survey: old survey record not confirmed on site.",
}

var reduceCriteria = []string{
	"Technical survey: 50 m x 50 m boxes searched with detectors to 25 cm, no CMR found.",
	"Technical survey: evidence-point search found no CMR beyond the footprint.",
	"Technical survey: sampling lanes at 10 m intervals, no items found.",
	"Technical survey: cluster approach, no further evidence within 50 m of the last item.",
}

var notes = []string{
	"Reported by the village chief.",
	"Items found while ploughing rice paddy.",
	"Near a school path.",
	"Strike footprint along a ridge.",
	"Access difficult in the wet season.",
	"Bombies seen by farmers near the stream.",
	"Former anti-aircraft position nearby.",
	"Land needed for a new village fishpond.",
}

// provinceWeights ranks Lao provinces by contamination: the eight heavily contaminated provinces get most
// strike sites. Keys are folded (lower case, no diacritics) spellings of the name.
var provinceWeights = map[string]float64{
	"xiangkhoang": 10, "xiangkhouang": 10, "xieng khouang": 10, "xiengkhouang": 10,
	"savannakhet": 10,
	"houaphan":    8, "houaphanh": 8, "huaphan": 8,
	"salavan": 7, "saravan": 7, "saravane": 7, "salavane": 7,
	"khammouan": 6, "khammouane": 6, "khammuan": 6,
	"champasak": 5, "champassak": 5, "champasack": 5,
	"attapu": 5, "attapeu": 5, "attopeu": 5,
	"xekong": 5, "sekong": 5, "xekhong": 5,
	"bolikhamxai": 2, "bolikhamsai": 2, "borikhamxay": 2,
	"louangphrabang": 2, "luang prabang": 2, "luangprabang": 2,
}

var folder = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ý", "y", "ÿ", "y",
)

func fold(s string) string { return strings.TrimSpace(folder.Replace(strings.ToLower(s))) }

// ProvinceWeight returns the relative number of strike sites put in u: heavy for the most contaminated
// Lao provinces (matched on Name or Properties["name_en"], case- and accent-insensitively), 1 otherwise.
func ProvinceWeight(u *lr.AdminUnit) float64 {
	if w, ok := provinceWeights[fold(u.Name)]; ok {
		return w
	}
	if s, ok := u.Properties["name_en"].(string); ok {
		if w, ok := provinceWeights[fold(s)]; ok {
			return w
		}
	}
	return 1
}
