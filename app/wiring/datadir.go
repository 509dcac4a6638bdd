package wiring

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/fx"
)

// dataDirLockFile is the file, at the root of the data dir, that one
// process holds (flock) for as long as it runs.
const dataDirLockFile = "hermes.lock"

// dataDir is the data dir of this process, locked. Every adapter that
// keeps files there (file metadata, embedded broker, whisper) is built
// from it, so none opens the directory before the lock is held: the
// stores' own locks (the file metadata store has one) do not cover a
// process that uses only some of them, e.g. memory metadata with the
// embedded broker.
type dataDir string

// path returns the path of elem inside the data dir.
func (d dataDir) path(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// ErrDataDirInUse is returned when another process holds the data dir.
var ErrDataDirInUse = errors.New("data dir in use")

// lockDataDir creates and locks cfg.DataDir until the app stops. The lock
// file records who holds it, so that a refused process can name it.
// A throwaway run (in_memory) writes nothing worth guarding and is not
// locked.
func lockDataDir(lc fx.Lifecycle, cfg Config) (dataDir, error) {
	dir := cfg.DataDir
	if cfg.InMemory {
		return dataDir(dir), nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("data dir %s cannot be created: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, dataDirLockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("data dir %s: cannot open its lock file: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(f.Name())
		_ = f.Close()
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "unknown"
		}
		return "", fmt.Errorf("%w: %s is used by another hermes process (%s): stop that process, or give this one its own --data-dir: %w",
			ErrDataDirInUse, dir, who, err)
	}
	host, _ := os.Hostname()
	// Best effort: the holder's identity only improves the refusal above.
	if err := f.Truncate(0); err == nil {
		_, _ = fmt.Fprintf(f, "pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	}
	lc.Append(fx.StopHook(func() error {
		return errors.Join(syscall.Flock(int(f.Fd()), syscall.LOCK_UN), f.Close())
	}))
	return dataDir(dir), nil
}
