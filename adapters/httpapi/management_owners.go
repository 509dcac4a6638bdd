package httpapi

import (
	"net/http"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// ownersRoutes serves Hermes's OwnersEndpoint and the topic and
// subscription ownership lists when the management use cases implement
// ports.OwnerService. GET /topics/owner/{source}/{id} goes to ownerTopics
// through ownedTopicsFirst: as a ServeMux pattern it would clash with
// /topics/{topic}/subscriptions/{subscription}.
func (m *management) ownersRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.OwnerService)
	if !ok {
		return
	}
	routes["GET /owners/sources"] = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, orEmpty(svc.OwnerSources(r.Context())))
	}
	routes["GET /owners/sources/{source}"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.SearchOwners(r.Context(), r.PathValue("source"), r.URL.Query().Get("search"))
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET /owners/sources/{source}/{id}"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.Owner(r.Context(), r.PathValue("source"), r.PathValue("id"))
		m.respond(w, r, v, err)
	}
	routes["GET /subscriptions/owner/{source}/{id}"] = func(w http.ResponseWriter, r *http.Request) {
		subs, err := svc.SubscriptionsOwnedBy(r.Context(), r.PathValue("source"), r.PathValue("id"))
		masked := make([]domain.Subscription, 0, len(subs))
		for _, s := range subs {
			masked = append(masked, s.Masked())
		}
		m.respond(w, r, masked, err)
	}
}

// ownedTopicsFirst answers GET /topics/owner/{source}/{id} before next
// routes the request; other requests go to next.
func (m *management) ownedTopicsFirst(next http.Handler) http.Handler {
	svc, ok := m.svc.(ports.OwnerService)
	if !ok {
		return next
	}
	owned := m.authorized(ownedTopicsPattern, func(w http.ResponseWriter, r *http.Request) {
		topics, err := svc.TopicsOwnedBy(r.Context(), r.PathValue("source"), r.PathValue("id"))
		m.respond(w, r, orEmpty(topics), err)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, found := strings.CutPrefix(r.URL.EscapedPath(), "/topics/owner/")
		parts := strings.Split(rest, "/")
		if !found || r.Method != http.MethodGet || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			next.ServeHTTP(w, r)
			return
		}
		r.SetPathValue("source", unescapeSegment(parts[0]))
		r.SetPathValue("id", unescapeSegment(parts[1]))
		owned(w, r)
	})
}
