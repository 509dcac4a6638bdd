package httpapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/ports"
)

type healthOf ports.HealthReport

func (h healthOf) Health() ports.HealthReport { return ports.HealthReport(h) }

func TestManagementHealthReportsChecks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		report ports.HealthReport
		status int
		body   string
	}{
		{"up", ports.HealthReport{Status: ports.HealthUp}, 200, `{"status":"UP"}`},
		{"degraded", ports.HealthReport{Status: ports.HealthDegraded, Checks: []ports.HealthState{{Name: "metadata", Status: ports.HealthDegraded, Problem: "p"}}},
			200, `{"status":"DEGRADED","checks":[{"name":"metadata","status":"DEGRADED","problem":"p"}]}`},
		{"down", ports.HealthReport{Status: ports.HealthDown, Checks: []ports.HealthState{{Name: "message_store", Status: ports.HealthDown, Problem: "disk full"}}},
			503, `{"status":"DOWN","checks":[{"name":"message_store","status":"DOWN","problem":"disk full"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := struct {
				*fakeManagement
				ports.HealthService
			}{&fakeManagement{}, healthOf(tc.report)}
			rec := serve(NewManagement(svc, nil), "GET", "/status/health", "")
			require.Equal(t, tc.status, rec.Code)
			assert.JSONEq(t, tc.body, rec.Body.String())
		})
	}
}

type fixedCheck ports.HealthState

func (c fixedCheck) Health() ports.HealthState { return ports.HealthState(c) }

func TestCollectHealthIsTheWorstCheck(t *testing.T) {
	t.Parallel()
	up := fixedCheck{Name: "a", Status: ports.HealthUp}
	degraded := fixedCheck{Name: "b", Status: ports.HealthDegraded, Problem: "x"}
	down := fixedCheck{Name: "c", Status: ports.HealthDown, Problem: "y"}

	r := ports.CollectHealth(nil)
	assert.Equal(t, ports.HealthUp, r.Status)
	assert.True(t, r.Ready())

	r = ports.CollectHealth([]ports.HealthCheck{up, degraded})
	assert.Equal(t, ports.HealthDegraded, r.Status)
	assert.True(t, r.Ready())
	assert.Equal(t, []ports.HealthState{ports.HealthState(degraded)}, r.Checks)

	r = ports.CollectHealth([]ports.HealthCheck{down, up, degraded})
	assert.Equal(t, ports.HealthDown, r.Status)
	assert.False(t, r.Ready())
	assert.Len(t, r.Checks, 2)
}
