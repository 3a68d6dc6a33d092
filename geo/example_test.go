package geo_test

import (
	"errors"
	"fmt"

	"github.com/landrelease/landrelease/geo"
)

func ExampleDecode() {
	data := []byte(`{
		"type": "Polygon",
		"coordinates": [[[102.1, 18.2, 171], [102.3, 18.2, 168], [102.3, 18.4, 180], [102.1, 18.2, 171]]]
	}`)
	mp, isPolygon, err := geo.Decode(data, geo.Limits{})
	fmt.Println(mp, isPolygon, err)

	data = []byte(`{"type": "Polygon", "coordinates": [[[102.1, 18.2], [102.3, 18.2], [102.3, 18.4], [102.3, 18.1]]]}`)
	_, _, err = geo.Decode(data, geo.Limits{})
	var e *geo.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, geo.ErrUnclosed), e.Pointer, e.Position)
	}
	fmt.Println(err)
	// Output:
	// [[[[102.1 18.2] [102.3 18.2] [102.3 18.4] [102.1 18.2]]]] true <nil>
	// true /coordinates/0 [102.3 18.1]
	// geo: ring not closed at /coordinates/0: first position [102.1 18.2] differs from last [102.3 18.1]
}

func ExampleClean() {
	// A clockwise shell with a repeated vertex.
	data := []byte(`{"type": "Polygon", "coordinates": [[[102.1, 18.2], [102.3, 18.4], [102.3, 18.4], [102.3, 18.2], [102.1, 18.2]]]}`)
	mp, _, err := geo.Decode(data, geo.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	clean, fixes, err := geo.Clean(mp)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range fixes {
		fmt.Printf("%s: %s (%d)\n", f.Pointer, f.Kind, f.Count)
	}
	fmt.Println(clean)
	// Output:
	// /coordinates/0/0: repeated vertices removed (1)
	// /coordinates/0/0: winding order fixed (1)
	// [[[[102.1 18.2] [102.3 18.2] [102.3 18.4] [102.1 18.2]]]]
}

func ExampleEqual() {
	a, _, _ := geo.Decode([]byte(`{"type": "Polygon", "coordinates": [[[102.1, 18.2], [102.3, 18.2], [102.3, 18.4], [102.1, 18.2]]]}`), geo.Limits{})
	// The same polygon read back from another format's doubles, then moved by about 1 m.
	noisy, _, _ := geo.Decode([]byte(`{"type": "Polygon", "coordinates": [[[102.1, 18.2], [102.30000000000001, 18.2], [102.3, 18.4], [102.1, 18.2]]]}`), geo.Limits{})
	moved, _, _ := geo.Decode([]byte(`{"type": "Polygon", "coordinates": [[[102.1, 18.2], [102.30001, 18.2], [102.3, 18.4], [102.1, 18.2]]]}`), geo.Limits{})
	fmt.Println(geo.Equal(a, noisy), geo.Equal(a, moved))
	// Output: true false
}
