package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// keepMappedUnder keeps the pages of the DB file mapped into this process
// under budget bytes until ctx ends, checking every interval.
//
// bbolt reads the file through a memory map, so every page a query touches
// stays counted in the process's resident memory: serving random boxes over
// 10M events maps most of a 5 GB file. Those pages are the kernel's page
// cache, clean and shared: unmapping them (madvise MADV_DONTNEED on a
// shared file mapping) frees nothing the kernel wants to keep and loses no
// data; the next read of a page maps it again from the cache, a minor fault
// of well under a microsecond. So the server trims the mapping when it
// grows past the budget and its resident memory stays bounded whatever the
// size of the file, while the kernel keeps caching what memory allows.
func keepMappedUnder(ctx context.Context, db *bolt.DB, budget int64, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, err := mappedBytes()
		if err != nil || m <= budget || ctx.Err() != nil {
			continue // (the DB closes once ctx is done)
		}
		n, err := unmapDB(db)
		switch {
		case err != nil:
			log.Warn("unmap database pages", "err", err)
		case n == 0 && !warned:
			// Mapped pages over budget, none of them the DB's: another
			// file, or a file system whose device numbers the maps file
			// shows otherwise.
			log.Warn("mapped memory is over --max-mapped but the database's mapping was not found; the limit has no effect", "mapped_mb", m>>20)
			warned = true
		default:
			log.Debug("unmapped database pages", "mapped_mb", m>>20, "range_mb", n>>20)
		}
	}
}

// mappedBytes returns the resident pages of this process that map files
// (shared in /proc/self/statm: RssFile + RssShmem), cheaper to read than
// /proc/self/status.
func mappedBytes() (int64, error) {
	var buf [128]byte
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := f.Read(buf[:])
	if err != nil {
		return 0, err
	}
	fields := bytes.Fields(buf[:n])
	if len(fields) < 3 {
		return 0, fmt.Errorf("parse /proc/self/statm: %q", buf[:n])
	}
	pages, err := strconv.ParseInt(string(fields[2]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse /proc/self/statm: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}

// resident is the process's resident memory in bytes: all of it, its own
// (heap, stacks) and mapped files.
type resident struct{ total, anon, file int64 }

func readResident() (resident, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return resident{}, err
	}
	defer f.Close()
	var r resident
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &r.total
		case "RssAnon":
			dst = &r.anon
		case "RssFile":
			dst = &r.file
		default:
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
		if err != nil {
			return resident{}, fmt.Errorf("parse /proc/self/status %s: %w", name, err)
		}
		*dst = kb << 10
	}
	return r, sc.Err()
}

// unmapDB drops this process's mapping of the DB file's pages and returns
// the size of the ranges it advised. It runs inside a read transaction:
// bbolt remaps the file only when no transaction is open, so the mapping
// found in /proc/self/maps stays the one advised.
func unmapDB(db *bolt.DB) (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(db.Path(), &st); err != nil {
		return 0, err
	}
	var n int64
	err := db.View(func(*bolt.Tx) error {
		maps, err := os.ReadFile("/proc/self/maps")
		if err != nil {
			return err
		}
		// start-end perms offset major:minor inode path
		for _, line := range bytes.Split(maps, []byte("\n")) {
			f := bytes.Fields(line)
			if len(f) < 6 || len(f[1]) != 4 || f[1][3] != 's' {
				continue // only shared mappings: bbolt's is read-only, shared
			}
			if ino, err := strconv.ParseUint(string(f[4]), 10, 64); err != nil || ino != st.Ino {
				continue
			}
			if string(f[3]) != fmt.Sprintf("%02x:%02x", unix.Major(st.Dev), unix.Minor(st.Dev)) {
				continue
			}
			lo, hi, ok := bytes.Cut(f[0], []byte("-"))
			if !ok {
				continue
			}
			start, err1 := strconv.ParseUint(string(lo), 16, 64)
			end, err2 := strconv.ParseUint(string(hi), 16, 64)
			if err1 != nil || err2 != nil || end <= start {
				continue
			}
			if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED); errno != 0 {
				return fmt.Errorf("madvise: %w", errno)
			}
			n += int64(end - start)
		}
		return nil
	})
	return n, err
}
