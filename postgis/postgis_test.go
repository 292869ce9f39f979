package postgis_test

import (
	"context"
	"os"
	"testing"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geo/storetest"
	"github.com/geonews/geonews/internal/pgtest"
	"github.com/geonews/geonews/postgis"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// MustOpen opens a store on a new database of the shared test cluster.
func MustOpen(tb testing.TB) *postgis.Store {
	tb.Helper()
	s, err := postgis.Open(context.Background(), pgtest.DB(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// TestConformance holds the PostGIS store to geo's event store contract.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) geo.EventStore { return MustOpen(t) })
}
