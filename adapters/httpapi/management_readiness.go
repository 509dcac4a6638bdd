package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// readinessRoutes serves Hermes's ReadinessEndpoint when the management
// use cases implement ports.ReadinessService. Setting answers 202, as in
// Hermes.
func (m *management) readinessRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.ReadinessService)
	if !ok {
		return
	}
	routes["GET /readiness/datacenters"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.DatacentersReadiness(r.Context())
		m.respond(w, r, orEmpty(v), err)
	}
	routes["POST /readiness/datacenters/{datacenter}"] = func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			IsReady bool `json:"isReady"`
		}
		err := decodeBody(w, r, &req)
		if err == nil {
			err = svc.SetReadiness(r.Context(), r.PathValue("datacenter"), req.IsReady)
		}
		m.done(w, r, http.StatusAccepted, err)
	}
}
