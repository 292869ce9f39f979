package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/geonews/geonews/geo"
	"github.com/geonews/geonews/geoparse"
)

// eachLine runs one article a line of JSON lines read from FILE (or stdin
// for "-" or none), for the --jsonl modes of geoparse and ingest: do reads
// the line (its number and bytes, blank lines skipped) and writes its
// answer to out, reporting whether the line failed. A line that cannot be
// read at all stops the run; one that fails only counts, and the count is
// reported on stderr as cmd's.
func eachLine(env *Env, cmd string, pos []string, do func(n int, line []byte, out *bufio.Writer) (failed bool, err error)) error {
	var r io.Reader = env.Stdin
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return geo.Errorf(geo.EINVALID, "%v", err)
		}
		defer f.Close()
		r = f
	}
	in := bufio.NewReaderSize(r, 1<<20)
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	failed := 0
	for n := 1; ; n++ {
		b, err := readLine(in, geoparse.MaxTextLen*2)
		if errors.Is(err, io.EOF) && len(b) == 0 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			bad, derr := do(n, b, out)
			if derr != nil {
				return derr
			}
			if bad {
				failed++
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if failed > 0 {
		fmt.Fprintf(env.Stderr, "geonews %s: %d lines had errors (see their \"error\")\n", cmd, failed)
	}
	return nil
}
