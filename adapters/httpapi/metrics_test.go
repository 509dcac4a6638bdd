package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeMetrics is the management fake plus the metrics use case.
type fakeMetrics struct {
	fakeManagement
	topicMetrics ports.TopicMetrics
	subMetrics   ports.SubscriptionMetrics
}

var _ ports.MetricsService = (*fakeMetrics)(nil)

func (f *fakeMetrics) TopicMetrics(_ context.Context, topic string) (ports.TopicMetrics, error) {
	return f.topicMetrics, f.record("TopicMetrics", topic)
}

func (f *fakeMetrics) SubscriptionMetrics(_ context.Context, topic, sub string) (ports.SubscriptionMetrics, error) {
	return f.subMetrics, f.record("SubscriptionMetrics", topic, sub)
}

func (f *fakeMetrics) PersistentSubscriptionMetrics(_ context.Context, topic, sub string) (ports.PersistentSubscriptionMetrics, error) {
	return ports.PersistentSubscriptionMetrics{Delivered: f.subMetrics.Delivered, Discarded: f.subMetrics.Discarded, Volume: f.subMetrics.Volume},
		f.record("PersistentSubscriptionMetrics", topic, sub)
}

func TestMetricsRoutes(t *testing.T) {
	t.Parallel()
	f := &fakeMetrics{
		topicMetrics: ports.TopicMetrics{Published: 7, Volume: 70, Rate: ports.Decimal(0.5), DeliveryRate: ports.Decimal(0), Subscriptions: 1},
		subMetrics: ports.SubscriptionMetrics{Delivered: 5, Discarded: 1, Volume: 50, Rate: ports.Decimal(2), Codes2xx: ports.Decimal(2),
			Lag: ports.MetricLong{Value: 3, Available: true}, State: domain.StateActive},
	}
	h := NewManagement(f, nil)
	tests := []struct {
		path, response string
		call           call
	}{
		{"/topics/pl.group.topic/metrics",
			`{"published":7,"volume":70,"rate":"0.5","deliveryRate":"0.0","subscriptions":1,"throughput":"unavailable"}`,
			call{"TopicMetrics", []any{"pl.group.topic"}}},
		{subPath + "/metrics",
			`{"delivered":5,"discarded":1,"volume":50,"timeouts":"unavailable","otherErrors":"unavailable","codes2xx":"2.0",
			"codes4xx":"unavailable","codes5xx":"unavailable","retries":"unavailable","rate":"2.0","throughput":"unavailable",
			"batchRate":"unavailable","lag":"3","state":"ACTIVE"}`,
			call{"SubscriptionMetrics", []any{"pl.group.topic", "sub"}}},
		{subPath + "/metrics/persistent", `{"delivered":5,"discarded":1,"volume":50}`,
			call{"PersistentSubscriptionMetrics", []any{"pl.group.topic", "sub"}}},
	}
	for _, tt := range tests {
		rec := serve(h, "GET", tt.path, "")
		require.Equal(t, http.StatusOK, rec.Code, tt.path)
		assert.JSONEq(t, tt.response, rec.Body.String(), tt.path)
		assert.Equal(t, tt.call, f.lastCall(), tt.path)
	}
}

func TestMetricsRouteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path   string
		err    error
		status int
		code   string
	}{
		{subPath + "/metrics", domain.Errorf(domain.ErrSubscriptionNotFound, "Subscription not found"), http.StatusBadRequest, codeSubNotExists},
		{subPath + "/metrics/persistent", domain.Errorf(domain.ErrValidation, "bad name"), http.StatusBadRequest, codeValidation},
		{"/topics/pl.group.topic/metrics", fmt.Errorf("store: %w", domain.ErrUnavailable), http.StatusServiceUnavailable, codeOther},
	}
	for _, tt := range tests {
		f := &fakeMetrics{fakeManagement: fakeManagement{err: tt.err}}
		requireError(t, serve(NewManagement(f, nil), "GET", tt.path, ""), tt.status, tt.code)
	}
}

// TestNoMetricsWithoutTheService: a plain ports.Management has no metrics
// routes.
func TestNoMetricsWithoutTheService(t *testing.T) {
	t.Parallel()
	rec := serve(NewManagement(&fakeManagement{}, nil), "GET", "/topics/pl.group.topic/metrics", "")
	assert.Equal(t, http.StatusNotFound, rec.Code)
}
