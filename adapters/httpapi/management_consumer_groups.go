package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// consumerGroupRoutes registers GET .../subscriptions/{s}/consumer-groups
// ([ConsumerGroup]) when the management use cases implement
// ports.ConsumerGroupService.
func (m *management) consumerGroupRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.ConsumerGroupService)
	if !ok {
		return
	}
	routes["GET /topics/{topic}/subscriptions/{subscription}/consumer-groups"] = func(w http.ResponseWriter, r *http.Request) {
		groups, err := svc.ConsumerGroups(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, orEmpty(groups), err)
	}
}
