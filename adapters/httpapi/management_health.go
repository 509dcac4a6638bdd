package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// health answers GET /status/health: Hermes's {"status":"UP"}, plus the
// checks that are not up when the service implements ports.HealthService.
// A DOWN process answers 503 so that a probe reading only the status code
// sees it; UP and DEGRADED answer 200.
func (m *management) health(w http.ResponseWriter, _ *http.Request) {
	report := ports.HealthReport{Status: ports.HealthUp}
	if svc, ok := m.svc.(ports.HealthService); ok {
		report = svc.Health()
	}
	status := http.StatusOK
	if !report.Ready() {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, report)
}
