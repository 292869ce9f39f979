package gazetteer

import (
	"reflect"
	"testing"
	"time"
)

func TestCorrectionCodecRoundTrip(t *testing.T) {
	for _, c := range []*Correction{
		{ID: 1, Action: CorrectNotPlace, Name: "Welch", Country: "US"},
		{ID: 2, Action: CorrectMove, Name: "Springfield", Country: "US", PlaceID: 4250542, EventID: "6dd1e24a",
			URL: "https://example.org/a", FromPlaceID: 4409896, Created: time.Date(2026, 12, 6, 5, 0, 0, 123, time.UTC),
			Before: []byte(`{"id":"6dd1e24a"}`), After: time.Date(2026, 12, 6, 5, 0, 1, 0, time.UTC)},
		{ID: 1 << 40, Action: CorrectMove, Name: "الرقة", Country: "SY", PlaceID: -1, Created: time.Unix(0, 1).UTC()},
	} {
		got, err := decodeCorrection(c.ID, encodeCorrection(c))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
		}
	}
	// A truncated or longer record is an error, never a panic.
	b := encodeCorrection(&Correction{ID: 3, Action: CorrectMove, Name: "Raqqa", Country: "SY", PlaceID: 9, Before: []byte("xyz")})
	for n := 0; n < len(b); n++ {
		if _, err := decodeCorrection(3, b[:n]); err == nil {
			t.Errorf("decode of %d of %d bytes succeeded", n, len(b))
		}
	}
	if _, err := decodeCorrection(3, append(b, 0)); err == nil {
		t.Error("decode with a trailing byte succeeded")
	}
}
