package geo

import (
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestPlaceValidateAlternateNames(t *testing.T) {
	many := func(extra ...string) []string {
		var names []string
		for i := range 20 {
			names = append(names, fmt.Sprintf("Name %d", i))
		}
		return append(names, extra...)
	}
	for _, tc := range []struct {
		name      string
		alts      []string
		want      []string
		wantError bool
	}{
		{"none", nil, []string{}, false},
		{"blanks and repeats dropped, order kept", []string{" Raqqa ", "", "Raqa", "Raqqa", "Raqa ", "Ar-Raqqa"}, []string{"Raqqa", "Raqa", "Ar-Raqqa"}, false},
		{"the name itself dropped", []string{"Ar Raqqah", "Raqqa"}, []string{"Raqqa"}, false},
		{"a long list too", many("Name 3", "Ar Raqqah", "Name 19", "Raqqa"), many("Raqqa"), false},
		{"invalid UTF-8", []string{"ok", "\xff"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Place{Name: "Ar Raqqah", Point: orb.Point{39, 35.95}, Source: SourceGeoNames, AlternateNames: slices.Clone(tc.alts)}
			err := p.Validate()
			if (err != nil) != tc.wantError {
				t.Fatalf("Validate: %v, want error %v", err, tc.wantError)
			}
			if err == nil && !slices.Equal(p.AlternateNames, tc.want) && !(len(tc.want) == 0 && len(p.AlternateNames) == 0) {
				t.Errorf("alternate names = %q, want %q", p.AlternateNames, tc.want)
			}
		})
	}
}
