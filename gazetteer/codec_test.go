package gazetteer

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/paulmach/orb"
)

func TestPlaceCodecRoundTrip(t *testing.T) {
	for _, p := range []*geo.Place{
		{ID: 1, Name: "A", Source: geo.SourceUser},
		{ID: 172955, Name: "Ar Raqqah", ASCIIName: "Ar Raqqah", AlternateNames: []string{"Raqqa", "الرقة"},
			Point: orb.Point{39.00788, 35.95283}, FeatureClass: "P", FeatureCode: "PPLA", Country: "SY", Admin1: "04",
			Population: 177636, Source: geo.SourceGeoNames},
		{ID: 40_000_000_001, Name: "Camp", Point: orb.Point{-180, -90}, Population: 1 << 40, Source: geo.SourceSeed},
	} {
		got, err := decodePlace(p.ID, encodePlace(p))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
		}
		// Without alternate names: the same place but for them.
		lean, err := decodePlaceAlts(p.ID, encodePlace(p), false)
		if err != nil {
			t.Fatal(err)
		}
		want := *p
		want.AlternateNames = nil
		if !reflect.DeepEqual(lean, &want) {
			t.Errorf("decode without alternate names:\n got %+v\nwant %+v", lean, &want)
		}
	}
	// A truncated record is an error, never a panic.
	b := encodePlace(&geo.Place{ID: 9, Name: "Truncated", AlternateNames: []string{"x"}, Source: geo.SourceUser})
	for n := 0; n < len(b); n++ {
		if _, err := decodePlace(9, b[:n]); err == nil {
			t.Errorf("decode of %d of %d bytes succeeded", n, len(b))
		}
		if _, err := decodePlaceAlts(9, b[:n], false); err == nil {
			t.Errorf("decode without alternate names of %d of %d bytes succeeded", n, len(b))
		}
	}
}

func TestEntryCodecRoundTrip(t *testing.T) {
	e := entry{ID: 7, Form: "Dayr az Zawr", FormKind: formAlternate, Lon: 40.14084, Lat: 35.33588,
		Population: 242565, Class: "P", Code: "PPLA", Country: "SY", Admin1: "07"}
	v, ok := viewEntry(7, encodeEntry(&e))
	got := entry{ID: v.ID, Form: string(v.Form), FormKind: v.FormKind, Lon: v.Lon, Lat: v.Lat, Population: v.Population,
		Class: string(v.Class), Code: string(v.Code), Country: string(v.Country), Admin1: string(v.Admin1)}
	if !ok || got != e {
		t.Errorf("round trip: got %+v, %v; want %+v", got, ok, e)
	}
	if _, ok := viewEntry(7, encodeEntry(&e)[:10]); ok {
		t.Error("a truncated entry decoded")
	}
}

// TestSorterSpill checks that ops come back in key order, with the later op
// last within a key, and puts with their whole values, whether they stayed in
// memory or went through runs. Half the puts share parts of their values.
func TestSorterSpill(t *testing.T) {
	for _, tc := range []struct {
		limit  int
		format string // of the key: short, or longer than the sorter's inline prefix
	}{{0, "k%03d"}, {200, "k%03d"}, {0, "a long shared prefix %03d"}, {3000, "a long shared prefix %03d"}} {
		t.Run(fmt.Sprint("limit ", tc.limit, " ", tc.format), func(t *testing.T) {
			s := opSorter{dir: t.TempDir(), limit: tc.limit}
			limit := tc.limit
			rng := rand.New(rand.NewPCG(1, 2))
			want := map[string]bool{} // key → last op is a put
			for i := 0; i < 2000; i++ {
				k := fmt.Sprintf(tc.format, rng.IntN(300))
				put := rng.IntN(2) == 0
				want[k] = put
				var err error
				if put && rng.IntN(2) == 0 { // k = head + shared + tail
					err = s.addShared('x', []byte(k), []byte(k[:1]), []byte(k[1:len(k)-2]), []byte(k[len(k)-2:]))
				} else {
					err = s.add('x', []byte(k), put, []byte(k))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if limit > 0 && len(s.runs) == 0 {
				t.Fatal("no run was spilled")
			}
			got := map[string]bool{}
			var prev string
			err := s.each(func(op indexOp) error {
				k := string(op.key[1:])
				if k < prev {
					t.Fatalf("key %q after %q", k, prev)
				}
				prev = k
				got[k] = op.put
				if v := string(op.head) + string(op.shared) + string(op.value); op.put && v != k {
					t.Fatalf("value %q for key %q", v, op.key)
				}
				return nil
			})
			s.close()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Error("the last op per key differs from the order of addition")
			}
		})
	}
}
