//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keepMappedUnder does nothing here: trimming the DB's mapping reads
// /proc, which only Linux has.
func keepMappedUnder(ctx context.Context, db *bolt.DB, budget int64, interval time.Duration, log *slog.Logger) {
}

type resident struct{ total, anon, file int64 }

func readResident() (resident, error) { return resident{}, errors.New("resident memory: Linux only") }
