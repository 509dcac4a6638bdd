package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// linksRoutes serves Hermes's AllTopicClientsEndpoint,
// OfflineClientsEndpoint, TrackingUrlsEndpoint and
// MetricsDashboardUrlEndpoint when the management use cases implement
// ports.LinkService.
func (m *management) linksRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.LinkService)
	if !ok {
		return
	}
	routes["GET /topics/{topic}/clients"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.TopicClients(r.Context(), r.PathValue("topic"))
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET /topics/{topic}/offline-clients-source"] = func(w http.ResponseWriter, r *http.Request) {
		src, err := svc.OfflineClientsSource(r.Context(), r.PathValue("topic"))
		m.respond(w, r, map[string]string{"source": src}, err)
	}
	tracking := func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.TrackingURLs(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET /tracking-urls/topics/{topic}"] = tracking
	routes["GET /tracking-urls/topics/{topic}/subscriptions/{subscription}"] = tracking
	dashboard := func(w http.ResponseWriter, r *http.Request) {
		url, err := svc.DashboardURL(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
		m.respond(w, r, map[string]string{"url": url}, err)
	}
	routes["GET /dashboards/topics/{topic}"] = dashboard
	routes["GET /dashboards/topics/{topic}/subscriptions/{subscription}"] = dashboard
}
