package whisper_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	// the embedded writer is the graphite aggregation over a Store; the
	// test composes them as app/wiring does
	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/metrics"
)

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newMetrics returns started graphite Metrics writing to a Store in dir.
func newMetrics(t *testing.T, dir string) (*graphite.Metrics, *whisper.Store) {
	t.Helper()
	store, err := whisper.Open(whisper.Config{Dir: dir}, testLogger())
	require.NoError(t, err)
	m, err := graphite.NewWithBackend(graphite.Config{Interval: 100 * time.Millisecond}, store, testLogger())
	require.NoError(t, err)
	m.Start()
	t.Cleanup(func() { _ = m.Close() })
	return m, store
}

// last returns the newest value stored for series.
func last(store *whisper.Store, series string) (float64, bool) {
	points, err := store.Read(series, time.Now().Add(-time.Hour), time.Now())
	if err != nil || len(points) == 0 {
		return 0, false
	}
	return points[len(points)-1].Value, true
}

func TestMetricsContract(t *testing.T) {
	metrics.Run(t, func(t *testing.T) metrics.Harness {
		m, store := newMetrics(t, t.TempDir())
		return metrics.Harness{
			Metrics: m,
			Flush:   m.Flush,
			Read: func(name string, labels ports.Labels) (float64, bool) {
				p := m.Path(name, labels)
				if v, ok := last(store, p+".count"); ok {
					return v, true
				}
				return last(store, p)
			},
			Unreachable: func(t *testing.T) ports.Metrics {
				// the store's directory turns into a file: every write fails
				dir := filepath.Join(t.TempDir(), "metrics")
				m, _ := newMetrics(t, dir)
				require.NoError(t, os.RemoveAll(dir))
				require.NoError(t, os.WriteFile(dir, nil, 0o600))
				return m
			},
		}
	}, metrics.Features{Backend: true})
}
