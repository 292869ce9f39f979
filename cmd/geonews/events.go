package main

import (
	"context"
	"errors"
)

func runEvents(ctx context.Context, env *Env, args []string) error {
	return errors.New("events is not built yet")
}

func runBackup(ctx context.Context, env *Env, args []string) error {
	return errors.New("backup is not built yet")
}
