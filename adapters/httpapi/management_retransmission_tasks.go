package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// retransmissionTaskRoutes serves Hermes's OfflineRetransmissionEndpoint
// when the management use cases implement
// ports.OfflineRetransmissionService. The topic's task list answers with
// and without the trailing slash the console sends.
func (m *management) retransmissionTaskRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.OfflineRetransmissionService)
	if !ok {
		return
	}
	const base = "/offline-retransmission"
	routes["POST "+base+"/tasks"] = func(w http.ResponseWriter, r *http.Request) {
		var req ports.RetransmissionRequest
		err := decodeBody(w, r, &req)
		if err == nil {
			_, err = svc.CreateRetransmissionTask(r.Context(), req)
		}
		m.done(w, r, http.StatusCreated, err)
	}
	routes["GET "+base+"/tasks"] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.RetransmissionTasks(r.Context())
		m.respond(w, r, orEmpty(v), err)
	}
	routes["DELETE "+base+"/tasks/{id}"] = func(w http.ResponseWriter, r *http.Request) {
		m.done(w, r, http.StatusOK, svc.DeleteRetransmissionTask(r.Context(), r.PathValue("id")))
	}
	topicTasks := func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.TopicRetransmissionTasks(r.Context(), r.PathValue("topic"))
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET "+base+"/topics/{topic}/tasks"] = topicTasks
	routes["GET "+base+"/topics/{topic}/tasks/{$}"] = topicTasks
}

// partitionOffsetJSON is Hermes's PartitionOffset, whose topic is a
// KafkaTopicName object: {"topic": {"value": name}, "partition", "offset"}.
type partitionOffsetJSON struct {
	Topic struct {
		Value string `json:"value"`
	} `json:"topic"`
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"`
}

// offsetSummary renders a retransmission result as Hermes's
// MultiDCOffsetChangeSummary: offsets by cluster name.
func offsetSummary(offsets map[string][]ports.PartitionOffset) map[string][]partitionOffsetJSON {
	out := make(map[string][]partitionOffsetJSON, len(offsets))
	for cluster, list := range offsets {
		rendered := make([]partitionOffsetJSON, 0, len(list))
		for _, o := range list {
			p := partitionOffsetJSON{Partition: o.Partition, Offset: o.Offset}
			p.Topic.Value = o.Topic
			rendered = append(rendered, p)
		}
		out[cluster] = rendered
	}
	return out
}
