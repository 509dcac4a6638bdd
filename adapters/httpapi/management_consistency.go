package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// consistencyRoutes serves Hermes's ConsistencyEndpoint when the
// management use cases implement ports.ConsistencyService.
func (m *management) consistencyRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.ConsistencyService)
	if !ok {
		return
	}
	const base = "/consistency"
	routes["GET "+base+"/groups"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.ConsistencyGroups(r.Context())
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET "+base+"/inconsistencies/groups"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.InconsistentGroups(r.Context(), r.URL.Query()["groupNames"])
		m.respond(w, r, orEmpty(v), err)
	}
	sync := func(w http.ResponseWriter, r *http.Request) {
		group := r.PathValue("group")
		m.done(w, r, http.StatusOK, svc.Sync(r.Context(), group, r.PathValue("topic"), r.PathValue("subscription"), r.URL.Query().Get("primaryDatacenter")))
	}
	routes["POST "+base+"/sync/groups/{group}"] = sync
	routes["POST "+base+"/sync/topics/{topic}"] = sync
	routes["POST "+base+"/sync/topics/{topic}/subscriptions/{subscription}"] = sync
	routes["GET "+base+"/inconsistencies/topics"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.InconsistentStoreTopics(r.Context())
		m.respond(w, r, orEmpty(v), err)
	}
	routes["DELETE "+base+"/inconsistencies/topics"] = func(w http.ResponseWriter, r *http.Request) {
		m.done(w, r, http.StatusOK, svc.RemoveStoreTopic(r.Context(), r.URL.Query().Get("topicName")))
	}
}
