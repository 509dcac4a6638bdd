package httpapi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/ports"
)

type fakeConsumersStatus []ports.RunningSubscriptionStatus

func (f fakeConsumersStatus) RunningSubscriptions() []ports.RunningSubscriptionStatus { return f }

func TestConsumersStatus(t *testing.T) {
	t.Parallel()
	h := NewConsumersStatus(fakeConsumersStatus{
		{QualifiedName: "g.t$a", SignalTimesheet: map[string]int64{"START": 1700000000000}},
		{QualifiedName: "g.t$b", SignalTimesheet: map[string]int64{"START": 1, "UPDATE_SUBSCRIPTION": 2}},
	})
	tests := []struct{ method, path, response string }{
		{"GET", "/status/health", `{"status":"UP"}`},
		{"HEAD", "/status/health", ``},
		{"GET", "/status/subscriptions", `[{"qualifiedName":"g.t$a","signalTimesheet":{"START":1700000000000}},
			{"qualifiedName":"g.t$b","signalTimesheet":{"START":1,"UPDATE_SUBSCRIPTION":2}}]`},
		{"GET", "/status/subscriptionsCount", `2`},
	}
	for _, tt := range tests {
		rec := serve(h, tt.method, tt.path, "")
		require.Equal(t, http.StatusOK, rec.Code, tt.path)
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), tt.path)
		if tt.response != "" {
			assert.JSONEq(t, tt.response, rec.Body.String(), tt.path)
		}
	}
	assert.Equal(t, http.StatusNotFound, serve(h, "GET", "/status/other", "").Code)
	rec := serve(NewConsumersStatus(fakeConsumersStatus{}), "GET", "/status/subscriptions", "")
	assert.JSONEq(t, `[]`, rec.Body.String())
}
