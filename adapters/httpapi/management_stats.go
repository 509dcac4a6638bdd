package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// statsRoutes serves Hermes's StatsEndpoint and InactiveTopicsEndpoint
// when the management use cases implement their ports.
func (m *management) statsRoutes(routes map[string]http.HandlerFunc) {
	if svc, ok := m.svc.(ports.StatsService); ok {
		routes["GET /stats"] = func(w http.ResponseWriter, r *http.Request) {
			v, err := svc.Stats(r.Context())
			m.respond(w, r, v, err)
		}
	}
	if svc, ok := m.svc.(ports.InactiveTopicsService); ok {
		routes["GET /inactive-topics"] = func(w http.ResponseWriter, r *http.Request) {
			v, err := svc.InactiveTopics(r.Context())
			m.respond(w, r, orEmpty(v), err)
		}
	}
}
