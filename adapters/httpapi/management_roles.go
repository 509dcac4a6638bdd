package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// rolesRoutes serves Hermes's RolesEndpoint when the management use cases
// implement ports.RoleService.
func (m *management) rolesRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.RoleService)
	if !ok {
		return
	}
	roles := func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.Roles(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET /roles"] = roles
	routes["GET /roles/topics/{topic}"] = roles
	routes["GET /roles/topics/{topic}/subscriptions/{subscription}"] = roles
}
