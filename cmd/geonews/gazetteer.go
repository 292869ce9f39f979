package main

import (
	"context"
	"errors"
)

func runGazetteer(ctx context.Context, env *Env, args []string) error {
	return errors.New("gazetteer is not built yet")
}

func runResolve(ctx context.Context, env *Env, args []string) error {
	return errors.New("resolve is not built yet")
}
