package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// managementHealth returns management's health report.
func managementHealth(h *hermes) (status string, checks map[string]string) {
	var report struct {
		Status string
		Checks []struct{ Name, Status, Problem string }
	}
	checks = map[string]string{}
	if resp, err := http.Get(h.management + "/status/health"); err == nil {
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(&report)
	}
	for _, c := range report.Checks {
		checks[c.Name] = c.Status + ": " + c.Problem
	}
	return report.Status, checks
}

// unreadableGauge returns the Prometheus line of the unreadable entries
// gauge, "" when absent.
func unreadableGauge(h *hermes) string {
	resp, err := http.Get(h.management + "/status/prometheus")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, "#") && strings.Contains(line, "metadata_unreadable_entries") {
			return line
		}
	}
	return ""
}

// Issue 15, defect 8: one truncated subscription.json stalled every
// subscription of its topic, with one ERROR line at start as the only
// sign, and repairing the file did not help without a restart. Now the
// sibling keeps delivering, the broken one is reported (management GET,
// health, metrics, log), and the repaired file is picked up while running.
func TestUnreadableSubscriptionIsIsolated(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startHermes(t, dir)
	healthy, broken := newSubscriber(t), newSubscriber(t)
	createTopic(t, h, "unreadable", "t")
	createSubscription(t, h, "unreadable.t", "healthy", healthy.URL, "")
	createSubscription(t, h, "unreadable.t", "broken", broken.URL, "")
	publish(t, h, "unreadable.t", `{"n":1}`)
	healthy.waitForBodies(t, 1, 30*time.Second)
	broken.waitForBodies(t, 1, 30*time.Second)
	h.stop()

	file := filepath.Join(dir, "metadata", "groups", "unreadable", "topics", "t", "subscriptions", "broken", "subscription.json")
	good, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, good[:len(good)/2], 0o644))

	h.start()
	publish(t, h, "unreadable.t", `{"n":2}`)
	got := healthy.waitForBodies(t, 2, 30*time.Second)
	assert.Equal(t, `{"n":2}`, got[len(got)-1].Body, "the healthy sibling keeps delivering")

	status, body, _ := call(t, "GET", h.management+"/topics/unreadable.t/subscriptions/broken", "")
	assert.Equal(t, http.StatusServiceUnavailable, status, body)
	var e struct{ Message, Code string }
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	assert.Equal(t, "OTHER", e.Code)
	assert.Contains(t, e.Message, "unreadable")
	assert.NotContains(t, e.Message, dir, "no internal paths")
	mustCall(t, http.StatusOK, "GET", h.management+"/topics/unreadable.t/subscriptions/healthy", "")

	require.Eventually(t, func() bool {
		s, checks := managementHealth(h)
		return s == "DEGRADED" && strings.Contains(checks["metadata_entries"], "unreadable.t$broken")
	}, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, http.StatusOK, tryCall("GET", h.frontend+"/status/ready", ""), "a degraded process stays ready")
	require.Eventually(t, func() bool { return strings.HasSuffix(unreadableGauge(h), " 1") }, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, 1, strings.Count(h.log.String(), "metadata entry is unreadable"), h.log.String())

	// Repaired while running: picked up without a restart, and the broken
	// subscription's position was kept, so it gets what it missed.
	require.NoError(t, os.WriteFile(file, good, 0o644))
	broken.waitForBodies(t, 2, 30*time.Second)
	require.Eventually(t, func() bool { s, _ := managementHealth(h); return s == "UP" }, 30*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return strings.HasSuffix(unreadableGauge(h), " 0") }, 30*time.Second, 20*time.Millisecond)
	mustCall(t, http.StatusOK, "GET", h.management+"/topics/unreadable.t/subscriptions/broken", "")
}
