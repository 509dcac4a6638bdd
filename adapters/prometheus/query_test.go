package prometheus_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakePrometheus answers GET /api/v1/query with a vector holding the
// values set for the query (an empty vector for other queries), and
// records the queries.
type fakePrometheus struct {
	mu      sync.Mutex
	values  map[string][]string
	queries []string
}

func (f *fakePrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodGet || r.URL.Path != "/prom/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query().Get("query")
	f.queries = append(f.queries, q)
	var samples []string
	for _, v := range f.values[q] {
		samples = append(samples, fmt.Sprintf(`{"metric":{},"value":[1700000000.5,%q]}`, v))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[%s]}}`, strings.Join(samples, ","))
}

func startPrometheus(t *testing.T, values map[string][]string) (*fakePrometheus, *prometheus.Query) {
	t.Helper()
	f := &fakePrometheus{values: values}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	q, err := prometheus.NewQuery(prometheus.QueryConfig{URL: srv.URL + "/prom/"})
	require.NoError(t, err)
	return f, q
}

var subLabels = ports.Labels{"group": "g", "topic": "t", "subscription": "s"}

// TestQueriesAreHermes checks the PromQL sent for the figures of
// hermes-api.md §6.
func TestQueriesAreHermes(t *testing.T) {
	t.Parallel()
	f, q := startPrometheus(t, nil)
	topic := ports.Labels{"group": "g", "topic": "t"}
	reads := []struct {
		read   func(context.Context, string, ports.Labels) (float64, error)
		name   string
		labels ports.Labels
		want   string
	}{
		{q.Total, "topic.published", topic, `sum(hermes_frontend_topic_published_total{group="g", topic="t"})`},
		{q.Rate, "topic.requests", topic, `sum(irate(hermes_frontend_topic_requests_total{group="g", topic="t"}[1m]))`},
		{q.Rate, "topic.volume", topic, `sum(irate(hermes_frontend_topic_throughput_bytes_total{group="g", topic="t"}[1m]))`},
		{q.Rate, "subscription.delivered", subLabels, `sum(irate(hermes_consumers_subscription_delivered_total{group="g", subscription="s", topic="t"}[1m]))`},
		{q.Rate, "subscription.throughput", subLabels, `sum(irate(hermes_consumers_subscription_throughput_bytes_total{group="g", subscription="s", topic="t"}[1m]))`},
		{q.Rate, "subscription.http-status-codes.5xx", subLabels, `sum(irate(hermes_consumers_subscription_http_status_codes_total{group="g", status_code=~"5.*", subscription="s", topic="t"}[1m]))`},
	}
	for _, r := range reads {
		v, err := r.read(t.Context(), r.name, r.labels)
		require.NoError(t, err, r.name)
		assert.Zero(t, v, "an empty vector reads 0")
	}
	want := make([]string, len(reads))
	for i, r := range reads {
		want[i] = r.want
	}
	assert.Equal(t, want, f.queries)
}

func TestQuerySumsTheVector(t *testing.T) {
	t.Parallel()
	_, q := startPrometheus(t, map[string][]string{
		`sum(irate(hermes_consumers_subscription_delivered_total{group="g", subscription="s", topic="t"}[1m]))`: {"1.5", "2.25"},
	})
	v, err := q.Rate(t.Context(), "subscription.delivered", subLabels)
	require.NoError(t, err)
	assert.InDelta(t, 3.75, v, 1e-9)
}

func TestQueryUnavailable(t *testing.T) {
	t.Parallel()
	answers := map[string]struct {
		status int
		body   string
	}{
		"error status":  {http.StatusBadRequest, `{"status":"error","errorType":"bad_data","error":"parse error"}`},
		"not JSON":      {http.StatusOK, `<html>`},
		"matrix":        {http.StatusOK, `{"status":"success","data":{"resultType":"matrix","result":[]}}`},
		"bad value":     {http.StatusOK, `{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}}`},
		"numeric value": {http.StatusOK, `{"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}}`},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(answer.status)
				_, _ = w.Write([]byte(answer.body))
			}))
			t.Cleanup(srv.Close)
			q, err := prometheus.NewQuery(prometheus.QueryConfig{URL: srv.URL})
			require.NoError(t, err)
			_, err = q.Total(t.Context(), "subscription.delivered", subLabels)
			assert.ErrorIs(t, err, domain.ErrUnavailable)
		})
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	q, err := prometheus.NewQuery(prometheus.QueryConfig{URL: dead})
	require.NoError(t, err)
	_, err = q.Rate(t.Context(), "subscription.delivered", subLabels)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "nothing listening")

	for _, bad := range []string{"", "prometheus:9090", "http://"} {
		_, err = prometheus.NewQuery(prometheus.QueryConfig{URL: bad})
		assert.ErrorIs(t, err, domain.ErrValidation, bad)
	}
}
