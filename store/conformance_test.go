package store_test

import (
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geo/storetest"
)

// TestConformance holds the bbolt store to geo's event store contract.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) geo.EventStore { s, _ := MustOpenStore(t); return s })
}
