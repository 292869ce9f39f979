package geoparse

import (
	"context"
	"strings"
	"testing"
)

// TestResolveWithGazetteer checks document-level choices against the real
// gazetteer (skipped without one): what a comma between two names means,
// and which reading of a name the news means when the text says nothing more.
func TestResolveWithGazetteer(t *testing.T) {
	p := New(openGazetteer(t), nil)
	tests := []struct {
		name, text, mention string
		country, code       string // expected place's country and feature code ("" = any)
	}{
		{"city, state settles the state", "The company bought offices in Atlanta, Georgia, last week.", "Georgia", "US", "ADM1"},
		{"city, state settles the city", "The company bought offices in Atlanta, Georgia, last week.", "Atlanta", "US", "PPLA"},
		{"a list is no pair", "Officials warned Armenia, Azerbaijan, Georgia, Iraq, Iran, and Syria.", "Iraq", "IQ", ""},
		{"a list ending in and is no pair", "Cases were found in Washington, Pennsylvania and California.", "Pennsylvania", "US", "ADM1"},
		{"the capital over the state", "Officials in Washington said the talks would resume.", "Washington", "US", "PPLC"},
		{"an abbreviation names the state", "The firm moved from Seattle, Wash., to Boise.", "Wash.", "US", "ADM1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mentionIn(t, p, tc.text, tc.mention)
			if m.Place == nil {
				t.Fatalf("%q: unresolved (%s)", m.Text, m.Reason)
			}
			if got, want := m.Place.Country, tc.country; got != want {
				t.Errorf("%q: country %s, want %s (%s: %s)", m.Text, got, want, m.Place.Name, m.Reason)
			}
			if tc.code != "" && m.Place.FeatureCode != tc.code {
				t.Errorf("%q: %s %s, want %s (%s)", m.Text, m.Place.Name, m.Place.FeatureCode, tc.code, m.Reason)
			}
			if tc.mention == "Wash." && m.Place.Admin1 != "WA" {
				t.Errorf("%q: %s (%s), want the state of Washington", m.Text, m.Place.Name, m.Place.Admin1)
			}
		})
	}
}

// TestFacilities checks that given spans naming buildings the gazetteer
// lacks are placed in the town their name begins with, else the nearest
// town the text names (skipped without the real gazetteer).
func TestFacilities(t *testing.T) {
	p := New(openGazetteer(t), nil)
	text := "Protesters gathered in Vancouver, Canada, outside the Vancouver Art Gallery. Others met in Toronto at St. Michael's Hospital."
	var spans []Span // the text is ASCII: byte offsets are code points
	from := 0
	for _, s := range []string{"Vancouver", "Canada", "Vancouver Art Gallery", "Toronto", "St. Michael's Hospital"} {
		i := from + strings.Index(text[from:], s)
		spans = append(spans, Span{Start: i, End: i + len(s)})
		from = i + len(s)
	}
	ms, err := p.ParseSpans(context.Background(), text, spans)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Vancouver", "Canada", "Vancouver", "Toronto", "Toronto"}
	for i, m := range ms {
		if m.Place == nil {
			t.Errorf("%q: unresolved (%s)", m.Text, m.Reason)
			continue
		}
		if got := m.Place.Name; got != want[i] {
			t.Errorf("%q: %s, want %s (%s)", m.Text, got, want[i], m.Reason)
		}
	}
}

// TestStretchedForeign checks that a name whose only readings are loose or
// alternate matches for small places in a country the text does not name
// is not placed there, and that a given span then falls to the nearest town
// (skipped without the real gazetteer).
func TestStretchedForeign(t *testing.T) {
	p := New(openGazetteer(t), nil)
	text := "Egypt mourned on Monday. In Cairo, Egypt's capital, crowds gathered in Abbasiya after the blast."
	var spans []Span
	for _, s := range []string{"Egypt", "Cairo", "Egypt", "Abbasiya"} {
		from := 0
		if len(spans) > 0 {
			from = spans[len(spans)-1].End
		}
		i := from + strings.Index(text[from:], s)
		spans = append(spans, Span{Start: i, End: i + len(s)})
	}
	ms, err := p.ParseSpans(context.Background(), text, spans)
	if err != nil {
		t.Fatal(err)
	}
	m := ms[len(ms)-1]
	if m.Place == nil || m.Place.Country != "EG" {
		t.Fatalf("%q: %v, want a place in Egypt (%s)", m.Text, m.Place, m.Reason)
	}
}
