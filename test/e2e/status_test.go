package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The consumers' status server (Hermes's port 8000) lists what the process
// delivers, and every server serves Prometheus by default.
func TestConsumersStatusServer(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	require.NotEmpty(t, h.consumers)
	assert.JSONEq(t, `{"status":"UP"}`, mustCall(t, http.StatusOK, "GET", h.consumers+"/status/health", ""))
	assert.JSONEq(t, `0`, mustCall(t, http.StatusOK, "GET", h.consumers+"/status/subscriptionsCount", ""))

	sub := newSubscriber(t)
	createTopic(t, h, "status", "orders")
	createSubscription(t, h, "status.orders", "s", sub.URL, "")
	var running []map[string]any
	require.Eventually(t, func() bool {
		running = nil
		return pollJSON(h.consumers+"/status/subscriptions", &running) && len(running) == 1
	}, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, "status.orders$s", running[0]["qualifiedName"])
	signals, ok := running[0]["signalTimesheet"].(map[string]any)
	require.True(t, ok, "%v", running[0])
	assert.Greater(t, signals["START"], float64(time.Now().Add(-time.Hour).UnixMilli()))
	assert.JSONEq(t, `1`, mustCall(t, http.StatusOK, "GET", h.consumers+"/status/subscriptionsCount", ""))

	mustCall(t, http.StatusOK, "PUT", h.management+"/topics/status.orders/subscriptions/s/state", `"SUSPENDED"`)
	require.Eventually(t, func() bool {
		running = nil
		return pollJSON(h.consumers+"/status/subscriptions", &running) && len(running) == 0
	}, 20*time.Second, 50*time.Millisecond)

	// Prometheus is on by default, on every server.
	for _, base := range []string{h.frontend, h.management, h.consumers} {
		status, body, header := call(t, "GET", base+"/status/prometheus", "")
		require.Equal(t, http.StatusOK, status, base)
		assert.True(t, strings.HasPrefix(header.Get("Content-Type"), "text/plain"), header.Get("Content-Type"))
		assert.Contains(t, body, "# TYPE", base)
	}
}

// A process that runs only the consumers answers liveness probes.
func TestConsumersOnlyProcessAnswersLiveness(t *testing.T) {
	t.Parallel()
	h := startModules(t, "consumers", "HERMES_DATA_DIR="+t.TempDir())
	var health map[string]string
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", h.consumers+"/status/health", "")), &health))
	assert.Equal(t, map[string]string{"status": "UP"}, health)
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", h.consumers+"/status/subscriptions", ""))
}
