package kafka

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hermes-go/hermes/ports"
)

var _ ports.HealthCheck = (*Embedded)(nil)

// EmbeddedOption tunes StartEmbedded.
type EmbeddedOption func(*Embedded)

// WithEmbeddedLogger routes the broker's own warnings into log and logs
// the data dir's write outages there (once per outage). Default
// slog.Default().
func WithEmbeddedLogger(log *slog.Logger) EmbeddedOption {
	return func(e *Embedded) { e.log = log }
}

// ProbeInterval is how often the embedded broker re-tests its data dir
// while it cannot write to it, to notice that it can again (space freed,
// permissions fixed) without waiting for a publish.
const ProbeInterval = time.Second

// probeFile is written and removed in the data dir by each probe; its size
// is one file system block, so a disk too full for it is too full for a
// batch of records.
const (
	probeFile = ".write-probe"
	probeSize = 4096
)

// writeHealth is whether the embedded broker can persist what it is sent.
// kfake answers a record it failed to write with UNKNOWN_SERVER_ERROR and
// only says why in a warning, so the warning is what marks the outage; a
// probe of the data dir ends it.
type writeHealth struct {
	mu    sync.Mutex
	cause error // nil: writes work
	since time.Time
}

// Health implements ports.HealthCheck: DOWN while the data dir cannot take
// writes, with the reason (never its path).
func (e *Embedded) Health() ports.HealthState {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	s := ports.HealthState{Name: "message_store", Status: ports.HealthUp}
	if e.health.cause != nil {
		s.Status = ports.HealthDown
		s.Problem = fmt.Sprintf("embedded message store cannot write to its data dir since %s: %s",
			e.health.since.UTC().Format(time.RFC3339), reason(e.health.cause))
	}
	return s
}

// WriteFailure returns why the data dir cannot take writes, nil when it
// can.
func (e *Embedded) WriteFailure() error {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	return e.health.cause
}

// writeFailed records an outage; the first failure of an outage is logged
// and starts the probe.
func (e *Embedded) writeFailed(err error) {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	if e.health.cause != nil {
		return
	}
	e.health.cause, e.health.since = err, time.Now()
	e.log.Error("embedded message store cannot write to its data dir: publishes answer 503 and readiness is DOWN until it can",
		"data_dir", e.dataDir, "err", err)
	select {
	case e.probe <- struct{}{}:
	default: // a probe is already due
	}
}

// writeWorks ends an outage.
func (e *Embedded) writeWorks() {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	if e.health.cause == nil {
		return
	}
	e.log.Info("embedded message store writes to its data dir again", "data_dir", e.dataDir,
		"outage", time.Since(e.health.since).Round(time.Millisecond).String())
	e.health.cause = nil
}

// runProbe owns the probing goroutine: it tests the data dir once at start
// and then every ProbeInterval while an outage lasts, until ctx ends.
func (e *Embedded) runProbe(ctx context.Context) {
	defer close(e.probeDone)
	t := time.NewTicker(ProbeInterval)
	defer t.Stop()
	for {
		if err := probeDir(e.dataDir); err != nil {
			e.writeFailed(err)
		} else {
			e.writeWorks()
		}
		if e.WriteFailure() == nil {
			select { // wait for the next outage
			case <-ctx.Done():
				return
			case <-e.probe:
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probeDir writes, syncs and removes a small file in dir.
func probeDir(dir string) error {
	path := filepath.Join(dir, probeFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(make([]byte, probeSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(path); err == nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	return err
}

// reason is err without file system paths: the errno of a path error
// ("no space left on device"), else err's text.
func reason(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// kfakeLogger routes kfake's logs into slog. Warnings about persisting
// (kfake's "persist ..." lines: a batch, a group entry or a state file it
// could not write) mark a write outage instead of being logged one by one.
type kfakeLogger struct{ e *Embedded }

func (l kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	if level == kfake.LogLevelWarn || level == kfake.LogLevelError {
		if strings.HasPrefix(format, "persist") {
			for _, a := range args {
				if err, ok := a.(error); ok {
					l.e.writeFailed(err)
					return
				}
			}
		}
	}
	lv := slog.LevelDebug
	if level == kfake.LogLevelError {
		lv = slog.LevelWarn
	}
	if !l.e.log.Enabled(context.Background(), lv) {
		return
	}
	l.e.log.Log(context.Background(), lv, "embedded broker: "+fmt.Sprintf(format, args...))
}
