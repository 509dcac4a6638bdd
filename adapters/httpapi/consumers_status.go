package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/ports"
)

// NewConsumersStatus returns the consumers' status server (Hermes's
// ConsumerHttpServer on consumer.healthCheckPort, 8000 by default), the
// liveness probe of a process that runs only the consumers module:
//
//	/status/health              {"status":"UP"}
//	/status/subscriptions       [RunningSubscriptionStatus]
//	/status/subscriptionsCount  the number of running subscriptions
//	/status/workload            ports.WorkloadStatus, when status balances
//	                            its workload (a Hermes-Go addition)
//	/openapi.json               its OpenAPI document (openapi/consumers.yaml)
//
// Like Hermes's, it answers any method. /status/prometheus is added by
// the wiring next to the other servers' (it is the process's registry).
func NewConsumersStatus(status ports.ConsumersStatus) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/status/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
	})
	mux.HandleFunc("/status/subscriptions", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, status.RunningSubscriptions())
	})
	mux.HandleFunc("/status/subscriptionsCount", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, len(status.RunningSubscriptions()))
	})
	if r, ok := status.(ports.WorkloadStatusReporter); ok {
		mux.HandleFunc("/status/workload", func(w http.ResponseWriter, _ *http.Request) {
			ws, on := r.WorkloadStatus()
			if !on {
				writeError(w, http.StatusNotFound, codeOther, "workload balancing is off: this instance runs every subscription")
				return
			}
			writeJSON(w, http.StatusOK, ws)
		})
	}
	mux.HandleFunc("/openapi.json", serveOpenAPI(ConsumersOpenAPI))
	return mux
}
