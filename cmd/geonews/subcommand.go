package main

import (
	"context"
	"flag"
	"fmt"
)

// runSubcommand runs the subcommand args[0] of group from table, whose
// names are listed in order by --help.
func runSubcommand(ctx context.Context, env *Env, group string, order []string, table map[string]command, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.Stderr, "Usage: geonews %s SUBCOMMAND [flags]\n\nSubcommands:\n", group)
		for _, n := range order {
			fmt.Fprintf(env.Stderr, "  %-7s %s\n", n, table[n].summary)
		}
		fmt.Fprintf(env.Stderr, "\nEach takes --help.\n")
		if len(args) == 0 {
			return usagef("missing subcommand")
		}
		return flag.ErrHelp
	}
	cmd, ok := table[args[0]]
	if !ok {
		return usagef("unknown subcommand %q", args[0])
	}
	return cmd.run(ctx, env, args[1:])
}
