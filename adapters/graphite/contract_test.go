package graphite_test

import (
	"io"
	"log/slog"
	"math"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gowhisper "github.com/go-graphite/go-whisper"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/metrics"
	"github.com/hermes-go/hermes/test/testenv"
)

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testConfig flushes every 100 ms and retries carbon quickly.
func testConfig(addr string) graphite.Config {
	return graphite.Config{Address: addr, Interval: 100 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
}

// startMetrics returns started Metrics that are closed at the end of the test.
func startMetrics(t *testing.T, cfg graphite.Config) *graphite.Metrics {
	t.Helper()
	m, err := graphite.New(cfg, testLogger())
	require.NoError(t, err)
	m.Start()
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// deadAddress returns a loopback address nothing listens on.
func deadAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// reader reads a metric as the suite wants it from a store of series:
// <path>.count for counters and timers, <path> for gauges.
func reader(m *graphite.Metrics, get func(series string) (float64, bool)) func(string, ports.Labels) (float64, bool) {
	return func(name string, labels ports.Labels) (float64, bool) {
		p := m.Path(name, labels)
		if v, ok := get(p + ".count"); ok {
			return v, true
		}
		return get(p)
	}
}

func unreachable(t *testing.T) ports.Metrics { return startMetrics(t, testConfig(deadAddress(t))) }

func TestMetricsContractFakeCarbon(t *testing.T) {
	metrics.Run(t, func(t *testing.T) metrics.Harness {
		carbon := startFakeCarbon(t, "127.0.0.1:0")
		m := startMetrics(t, testConfig(carbon.addr))
		return metrics.Harness{Metrics: m, Flush: m.Flush, Read: reader(m, carbon.Value), Unreachable: unreachable}
	}, metrics.Features{Backend: true})
}

// realCarbon returns the address and whisper dir of the carbon-cache that
// test/infra/carbon.sh started, or skips (fails under CI=true).
func realCarbon(t *testing.T) (addr, dir string) {
	v := testenv.RequireAll(t, `eval "$(bash test/infra/carbon.sh start >&2 && bash test/infra/carbon.sh env)"`,
		"HERMES_TEST_CARBON", "HERMES_TEST_WHISPER_DIR")
	return v[0], v[1]
}

// whisperLast returns the newest value carbon wrote for series, opening
// the file anew each time (carbon may create it between polls).
func whisperLast(dir string) func(string) (float64, bool) {
	return func(series string) (float64, bool) {
		w, err := gowhisper.Open(filepath.Join(dir, strings.ReplaceAll(series, ".", "/")+".wsp"))
		if err != nil {
			return 0, false
		}
		defer func() { _ = w.Close() }()
		now := int(time.Now().Unix())
		ts, err := w.Fetch(now-600, now)
		if err != nil || ts == nil {
			return 0, false
		}
		vals := ts.Values()
		for i := len(vals) - 1; i >= 0; i-- {
			if !math.IsNaN(vals[i]) {
				return vals[i], true
			}
		}
		return 0, false
	}
}

func TestMetricsContractRealCarbon(t *testing.T) {
	addr, dir := realCarbon(t)
	metrics.Run(t, func(t *testing.T) metrics.Harness {
		m := startMetrics(t, testConfig(addr))
		return metrics.Harness{Metrics: m, Flush: m.Flush, Read: reader(m, whisperLast(dir)), Unreachable: unreachable}
	}, metrics.Features{Backend: true})
}
