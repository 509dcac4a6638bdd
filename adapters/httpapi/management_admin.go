package httpapi

import "net/http"

// adminRoutes adds the routes of the management features beyond groups,
// topics and subscriptions; each area serves only when the management use
// cases implement its port.
func (m *management) adminRoutes(routes map[string]http.HandlerFunc) {
	m.consoleRoutes(routes)
	m.rolesRoutes(routes)
	m.ownersRoutes(routes)
	m.modeRoutes(routes)
	m.constraintsRoutes(routes)
	m.oauthRoutes(routes)
	m.statsRoutes(routes)
	m.readinessRoutes(routes)
	m.consistencyRoutes(routes)
	m.retransmissionTaskRoutes(routes)
	m.linksRoutes(routes)
}

// adminFilters wraps the routed API in the admin areas' filters: the
// read-only mode check first, as Hermes filters before routing.
func (m *management) adminFilters(h http.Handler) http.Handler {
	return m.readOnlyFilter(m.ownedTopicsFirst(h))
}
