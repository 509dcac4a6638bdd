package prometheus_test

import (
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/ports"
)

var update = flag.Bool("update", false, "rewrite testdata/exposition.txt from this run")

// TestExpositionText pins the whole text a scrape returns for a mix of
// every kind of series, made through both the name API and series
// handles: names, HELP and TYPE lines, labels, bucket bounds, sums and
// counts. testdata/exposition.txt was written by the implementation on
// client_golang's vectors, which this package's own collectors replaced.
func TestExpositionText(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{}, testLogger())
	topic := ports.Labels{"group": "pl.shop", "topic": "orders"}
	sub := ports.Labels{"group": "pl.shop", "topic": "orders", "subscription": "s-1"}
	other := ports.Labels{"group": "pl.shop", "topic": "orders", "subscription": "s-2"}
	m.Count("topic.requests", topic, 3)
	m.Count("topic.volume", topic, 1500)
	m.Count("topic.http-status-codes.201", topic, 2)
	m.Count("topic.http-status-codes.400", topic, 1)
	m.Observe("topic.ack-leader.latency", topic, 20*time.Millisecond)
	m.Observe("topic.ack-leader.latency", topic, 3*time.Second)
	m.Observe("topic.ack-leader.latency", topic, time.Minute)
	m.Record("topic.message-size-bytes", topic, 1000)
	m.Record("topic.message-size-bytes", topic, 1<<30)
	m.Count("topic-not-found", nil, 1)
	m.Gauge("workload.running", nil, 7)
	for _, l := range []ports.Labels{sub, other} {
		delivered := m.Counter("subscription.delivered", l)
		delivered.Add(2)
		delivered.Add(0)
		m.Timer("subscription.latency", l).Observe(4 * time.Millisecond)
		m.Distribution("subscription.batch-size", l).Record(12)
		m.Gauge("subscription.lag", l, 5)
		m.Gauge("subscription.lag", l, 4.5)
		m.Gauge("subscription.output-rate", l, 0)
		m.Count("subscription.http-status-codes.2xx", l, 1)
	}
	m.Counter("subscription.throughput", sub).Add(512)
	m.Counter("subscription.retries", sub) // made, never used: not exported

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/status/prometheus", nil))
	require.Equal(t, 200, rec.Code)
	golden := filepath.Join("testdata", "exposition.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, rec.Body.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), rec.Body.String())
}
