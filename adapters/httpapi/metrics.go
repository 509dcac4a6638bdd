package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// metricsRoutes registers Hermes's metrics endpoints when the management
// use cases also implement ports.MetricsService (NewManagement keeps its
// signature; a service without metrics answers those paths 404):
//
//	GET /topics/{topic}/metrics                                       TopicMetrics
//	GET /topics/{topic}/subscriptions/{subscription}/metrics            SubscriptionMetrics
//	GET /topics/{topic}/subscriptions/{subscription}/metrics/persistent PersistentSubscriptionMetrics
//
// POST /query/topics/metrics and /query/subscriptions/metrics are in
// management_query.go.
func (m *management) metricsRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.MetricsService)
	if !ok {
		return
	}
	const sub = "GET /topics/{topic}/subscriptions/{subscription}/metrics"
	routes["GET /topics/{topic}/metrics"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.TopicMetrics(r.Context(), r.PathValue("topic"))
		m.respond(w, r, v, err)
	}
	routes[sub] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.SubscriptionMetrics(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, v, err)
	}
	routes[sub+"/persistent"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.PersistentSubscriptionMetrics(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, v, err)
	}
}
