package graphite_test

import (
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func TestPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		labels ports.Labels
		want   string
	}{
		{"topic.published", ports.Labels{"topic": "orders", "group": "pl.shop"}, "p.topic.pl_shop.orders.published"},
		{"subscription.http-status-codes.2xx", ports.Labels{"group": "g", "topic": "t", "subscription": "s.1"}, "p.subscription.g.t.s_1.http-status-codes.2xx"},
		{"subscription.delivered", ports.Labels{"subscription": "s", "group": "g", "topic": "t", "status_code": "200", "dc": "dc1"}, "p.subscription.g.t.s.delivered.dc1.200"},
		{"uptime", nil, "p.uptime"},
		// the metrics the core records (docs/metrics.md)
		{"topic.http-status-codes.4xx", ports.Labels{"group": "g", "topic": "t"}, "p.topic.g.t.http-status-codes.4xx"},
		{"topic.ack-all.broker-latency", ports.Labels{"group": "g", "topic": "t"}, "p.topic.g.t.ack-all.broker-latency"},
		{"topic.message-size-bytes", ports.Labels{"group": "g", "topic": "t"}, "p.topic.g.t.message-size-bytes"},
		{"topic-not-found", nil, "p.topic-not-found"},
		{"subscription.lag", ports.Labels{"group": "g", "topic": "t", "subscription": "s"}, "p.subscription.g.t.s.lag"},
		{"subscription.inflight", ports.Labels{"group": "g", "topic": "t", "subscription": "s"}, "p.subscription.g.t.s.inflight"},
		{"topic.published", ports.Labels{"group": "../etc", "topic": "a b\nc/d*"}, "p.topic.___etc.a_b_c_d_.published"},
		{"topic.published", ports.Labels{"group": "", "topic": "ü"}, "p.topic._._.published"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, graphite.Path("p", tc.name, tc.labels), "%s %v", tc.name, tc.labels)
	}
	assert.Equal(t, "uptime", graphite.Path("", "uptime", nil))
}

// recorder is a Backend that keeps every flush.
type recorder struct {
	mu      sync.Mutex
	flushes []map[string]float64
	closed  bool
}

func (r *recorder) Write(_ time.Time, points map[string]float64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes = append(r.flushes, points)
	return nil
}

func (r *recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

func (r *recorder) last() map[string]float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flushes[len(r.flushes)-1]
}

func TestFlushedSeries(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m, err := graphite.NewWithBackend(graphite.Config{Prefix: "p"}, rec, testLogger())
	require.NoError(t, err)
	labels := ports.Labels{"group": "g", "topic": "t"}
	m.Count("topic.published", labels, 2)
	for i := range 100 {
		m.Observe("topic.latency", labels, time.Duration(i+1)*time.Millisecond)
		m.Record("topic.message-size-bytes", labels, float64(1000*(i+1)))
	}
	m.Gauge("topic.inflight", labels, 7)
	m.Flush()
	assert.Equal(t, map[string]float64{
		"p.topic.g.t.published.count":          2,
		"p.topic.g.t.latency.count":            100,
		"p.topic.g.t.latency.mean":             50.5,
		"p.topic.g.t.latency.p50":              50,
		"p.topic.g.t.latency.p99":              99,
		"p.topic.g.t.message-size-bytes.count": 100,
		"p.topic.g.t.message-size-bytes.mean":  50500, // in the values' unit, not ms
		"p.topic.g.t.message-size-bytes.p50":   50000,
		"p.topic.g.t.message-size-bytes.p99":   99000,
		"p.topic.g.t.inflight":                 7,
	}, rec.last())

	// counts are cumulative; interval statistics only when observed
	m.Count("topic.published", labels, 3)
	m.Record("topic.message-size-bytes", labels, 3)
	m.Flush()
	assert.Equal(t, map[string]float64{
		"p.topic.g.t.published.count":          5,
		"p.topic.g.t.latency.count":            100,
		"p.topic.g.t.message-size-bytes.count": 101,
		"p.topic.g.t.message-size-bytes.mean":  3,
		"p.topic.g.t.message-size-bytes.p50":   3,
		"p.topic.g.t.message-size-bytes.p99":   3,
		"p.topic.g.t.inflight":                 7,
	}, rec.last())

	// Close flushes once more, closes the backend, and later flushes write nothing
	m.Count("topic.published", labels, 1)
	require.NoError(t, m.Close())
	assert.Equal(t, 6.0, rec.last()["p.topic.g.t.published.count"])
	assert.True(t, rec.closed)
	n := len(rec.flushes)
	m.Flush()
	assert.Len(t, rec.flushes, n)
}

func TestTimerReservoirIsBounded(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m, err := graphite.NewWithBackend(graphite.Config{Prefix: "p"}, rec, testLogger())
	require.NoError(t, err)
	for range 10 * graphite.ReservoirSize {
		m.Observe("topic.latency", nil, 10*time.Millisecond)
	}
	m.Observe("topic.latency", nil, 10*time.Millisecond)
	m.Flush()
	got := rec.last()
	assert.Equal(t, float64(10*graphite.ReservoirSize+1), got["p.topic.latency.count"])
	assert.Equal(t, 10.0, got["p.topic.latency.p99"])
	assert.Equal(t, 10.0, got["p.topic.latency.mean"])
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	_, err := graphite.New(graphite.Config{Address: "no-port", Interval: -time.Second, MaxPending: -1}, testLogger())
	require.ErrorIs(t, err, domain.ErrValidation)
	_, err = graphite.New(graphite.Config{}, testLogger())
	require.NoError(t, err, "the empty config is valid")
}

// TestCarbonBufferDropsOldest: while carbon is away at most MaxPending
// points wait; when it is back the newest arrive.
func TestCarbonBufferDropsOldest(t *testing.T) {
	t.Parallel()
	addr := deadAddress(t)
	cfg := testConfig(addr)
	cfg.MaxPending, cfg.MinBackoff, cfg.MaxBackoff = 3, time.Millisecond, time.Millisecond
	c := graphite.NewCarbon(cfg, testLogger())
	ts := time.Now()
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		err := c.Write(ts, map[string]float64{p: 1})
		require.ErrorIs(t, err, domain.ErrUnavailable)
	}
	assert.Equal(t, int64(2), c.Dropped())

	carbon := startFakeCarbon(t, addr)
	// Writes of nothing reconnect and flush without queueing more points:
	// a point written per failed attempt would push out c and d too, as
	// many times as the reconnect happened to fail (the test was flaky).
	require.Eventually(t, func() bool { return c.Write(ts, nil) == nil }, wait, 10*time.Millisecond)
	require.Eventually(t, func() bool { _, ok := carbon.Value("e"); return ok }, wait, 10*time.Millisecond)
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		_, ok := carbon.Value(p)
		assert.Equal(t, p >= "c", ok, "%s: only the newest %d points survive a full buffer", p, cfg.MaxPending)
	}
	assert.Equal(t, int64(2), c.Dropped(), "nothing more dropped")
	require.NoError(t, c.Close())
}

const wait = 15 * time.Second

// requireTotal flushes until the backend has want for topic.published.
func requireTotal(t *testing.T, m *graphite.Metrics, labels ports.Labels, get func(string) (float64, bool), want float64) {
	t.Helper()
	read := reader(m, get)
	var got float64
	require.Eventually(t, func() bool {
		m.Flush()
		got, _ = read("topic.published", labels)
		return got == want
	}, wait, 100*time.Millisecond, "backend has %v, want %v", got, want)
}

// restartScenario: points flow, the backend goes away, Count calls keep
// completing, the backend comes back and the total arrives.
func restartScenario(t *testing.T, addr string, stop, start func(), get func(string) (float64, bool)) {
	m := startMetrics(t, testConfig(addr))
	labels := ports.Labels{"group": "restart", "topic": strconv.FormatInt(time.Now().UnixNano(), 36)}
	count := func(n int) {
		for range n {
			m.Count("topic.published", labels, 1)
		}
	}
	count(5)
	requireTotal(t, m, labels, get, 5)
	stop()
	count(10000)
	m.Flush()
	start()
	count(5)
	requireTotal(t, m, labels, get, 10010)
}

func TestCarbonRestartFake(t *testing.T) {
	t.Parallel()
	carbon := startFakeCarbon(t, "127.0.0.1:0")
	addr := carbon.addr
	var current *fakeCarbon
	restartScenario(t, addr, carbon.Stop, func() { current = startFakeCarbon(t, addr) },
		func(p string) (float64, bool) {
			if current != nil {
				return current.Value(p)
			}
			return carbon.Value(p)
		})
}

// TestCarbonRestartReal stops and starts the real carbon-cache; it runs
// alone (not parallel), so no other test of this package loses carbon.
func TestCarbonRestartReal(t *testing.T) {
	addr, dir := realCarbon(t)
	script := "../../test/infra/carbon.sh"
	run := func(cmd string) func() {
		return func() {
			out, err := exec.Command("bash", script, cmd).CombinedOutput()
			require.NoError(t, err, "carbon.sh %s: %s", cmd, out)
		}
	}
	t.Cleanup(run("start")) // leave carbon running even when the test fails midway
	restartScenario(t, addr, run("stop"), run("start"), whisperLast(dir))
}

func TestMetricsDropped(t *testing.T) {
	t.Parallel()
	cfg := testConfig(deadAddress(t))
	cfg.MaxPending = 2
	m, err := graphite.New(cfg, testLogger())
	require.NoError(t, err)
	for _, topic := range []string{"a", "b", "c"} {
		m.Count("topic.published", ports.Labels{"group": "g", "topic": topic}, 1)
	}
	m.Flush()
	assert.Equal(t, int64(1), m.Dropped())
	require.NoError(t, m.Close())
}

// TestHandlesAndNamesShareSeries: a handle and the name calls of the same
// metric count into one series, flushed under one name.
func TestHandlesAndNamesShareSeries(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	m, err := graphite.NewWithBackend(graphite.Config{Prefix: "p"}, rec, testLogger())
	require.NoError(t, err)
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	m.Counter("subscription.delivered", labels).Add(2)
	m.Count("subscription.delivered", labels, 3)
	m.Timer("subscription.latency", labels).Observe(4 * time.Millisecond)
	m.Observe("subscription.latency", labels, 2*time.Millisecond)
	m.Flush()
	assert.Equal(t, map[string]float64{
		"p.subscription.g.t.s.delivered.count": 5,
		"p.subscription.g.t.s.latency.count":   2,
		"p.subscription.g.t.s.latency.mean":    3,
		"p.subscription.g.t.s.latency.p50":     2,
		"p.subscription.g.t.s.latency.p99":     4,
	}, rec.last())
}
