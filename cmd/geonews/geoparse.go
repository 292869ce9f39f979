package main

import (
	"context"
	"errors"
)

func runGeoparse(ctx context.Context, env *Env, args []string) error {
	return errors.New("geoparse is not built yet")
}

func runIngest(ctx context.Context, env *Env, args []string) error {
	return errors.New("ingest is not built yet")
}
