package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// constraintsRoutes serves Hermes's WorkloadConstraintsEndpoint when the
// management use cases implement ports.WorkloadConstraintsService. A PUT
// answers 201 when it created the constraints, 200 when it replaced them.
func (m *management) constraintsRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.WorkloadConstraintsService)
	if !ok {
		return
	}
	const base = "/workload-constraints"
	routes["GET "+base] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.AllWorkloadConstraints(r.Context())
		m.respond(w, r, v, err)
	}
	putStatus := func(created bool) int {
		if created {
			return http.StatusCreated
		}
		return http.StatusOK
	}
	routes["PUT "+base+"/topic"] = func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			TopicName   string              `json:"topicName"`
			Constraints *domain.Constraints `json:"constraints"`
		}
		err := decodeBody(w, r, &req)
		created := false
		if err == nil {
			created, err = svc.SetTopicConstraints(r.Context(), req.TopicName, orNoConstraints(req.Constraints))
		}
		m.done(w, r, putStatus(created), err)
	}
	routes["PUT "+base+"/subscription"] = func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			SubscriptionName string              `json:"subscriptionName"`
			Constraints      *domain.Constraints `json:"constraints"`
		}
		err := decodeBody(w, r, &req)
		created := false
		if err == nil {
			created, err = svc.SetSubscriptionConstraints(r.Context(), req.SubscriptionName, orNoConstraints(req.Constraints))
		}
		m.done(w, r, putStatus(created), err)
	}
	routes["DELETE "+base+"/topic/{topic}"] = func(w http.ResponseWriter, r *http.Request) {
		m.done(w, r, http.StatusOK, svc.DeleteTopicConstraints(r.Context(), r.PathValue("topic")))
	}
	routes["DELETE "+base+"/subscription/{topic}/{subscription}"] = func(w http.ResponseWriter, r *http.Request) {
		m.done(w, r, http.StatusOK, svc.DeleteSubscriptionConstraints(r.Context(), r.PathValue("topic"), r.PathValue("subscription")))
	}
}

// orNoConstraints makes absent constraints fail validation (consumersNumber 0).
func orNoConstraints(c *domain.Constraints) domain.Constraints {
	if c == nil {
		return domain.Constraints{}
	}
	return *c
}
