package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// consoleRoutes serves GET /console (Hermes's ConsoleEndpoint) when the
// management use cases implement ports.ConsoleService.
func (m *management) consoleRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.ConsoleService)
	if !ok {
		return
	}
	routes["GET /console"] = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, svc.ConsoleConfiguration(r.Context()))
	}
}
