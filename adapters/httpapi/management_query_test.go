package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeQuery is the management fake plus the query use case; it applies
// the parsed query to one canned entity of each kind, so a test sees that
// the body reached the use case parsed.
type fakeQuery struct {
	fakeManagement
	queryErr error
}

var _ ports.QueryService = (*fakeQuery)(nil)

func keepIf[T any](q *domain.Query, v T, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	e, err := domain.EntityJSON(v)
	if err != nil {
		return nil, err
	}
	ok, err := q.Match(e)
	if err != nil || !ok {
		return []T{}, err
	}
	return []T{v}, nil
}

func (f *fakeQuery) QueryGroups(_ context.Context, q *domain.Query) ([]domain.Group, error) {
	return keepIf(q, domain.Group{GroupName: "pl.group"}, f.queryErr)
}

func (f *fakeQuery) QueryTopics(_ context.Context, q *domain.Query) ([]domain.Topic, error) {
	t := domain.NewTopic()
	t.Name, t.ContentType = "pl.group.topic", domain.ContentTypeJSON
	return keepIf(q, t, f.queryErr)
}

func (f *fakeQuery) QuerySubscriptions(_ context.Context, q *domain.Query) ([]domain.Subscription, error) {
	s := domain.NewSubscription()
	s.TopicName, s.Name, s.Endpoint = "pl.group.topic", "sub", "http://localhost/"
	return keepIf(q, s, f.queryErr)
}

func (f *fakeQuery) QueryTopicNames(_ context.Context, group string, q *domain.Query) ([]string, error) {
	_ = f.record("QueryTopicNames", group)
	return []string{"pl.group.topic"}, f.queryErr
}

func (f *fakeQuery) QuerySubscriptionNames(_ context.Context, topic string, q *domain.Query) ([]string, error) {
	_ = f.record("QuerySubscriptionNames", topic)
	return []string{"sub"}, f.queryErr
}

func (f *fakeQuery) QueryTopicMetrics(_ context.Context, q *domain.Query) ([]ports.TopicNameWithMetrics, error) {
	return keepIf(q, ports.TopicNameWithMetrics{Published: 3, Rate: ports.Decimal(1.5), Name: "pl.group.topic"}, f.queryErr)
}

func (f *fakeQuery) QuerySubscriptionMetrics(_ context.Context, q *domain.Query) ([]ports.SubscriptionNameWithMetrics, error) {
	return keepIf(q, ports.SubscriptionNameWithMetrics{TopicName: "pl.group.topic", Name: "sub", Delivered: 2,
		Lag: ports.MetricLong{Value: 4, Available: true}}, f.queryErr)
}

func (f *fakeQuery) Search(_ context.Context, text string) (ports.SearchResults, error) {
	_ = f.record("Search", text)
	return ports.SearchResults{Results: []ports.SearchItem{
		{Type: "TOPIC", Name: "pl.group.topic", Topic: &ports.SearchTopic{GroupName: "pl.group", Owner: ports.SearchOwner{ID: "team"}}},
		{Type: "SUBSCRIPTION", Name: "sub", Subscription: &ports.SearchSubscriptionItem{Endpoint: "http://localhost/",
			Topic: ports.SearchSubscriptionTopic{Name: "topic", QualifiedName: "pl.group.topic", GroupName: "pl.group"}}},
	}, TotalCount: 2}, f.queryErr
}

func TestQueryRoutes(t *testing.T) {
	t.Parallel()
	f := &fakeQuery{}
	h := NewManagement(f, nil)
	tests := []struct {
		path, body, response string
	}{
		{"/query/groups", `{"query": {}}`, `[{"groupName":"pl.group"}]`},
		{"/query/groups", `{"query": {"groupName": {"like": ".*other"}}}`, `[]`},
		{"/query/topics/metrics", `{"query": {"published": {"gt": 2}}}`,
			`[{"published":3,"rate":"1.5","deliveryRate":"unavailable","subscriptions":0,"throughput":"unavailable","volume":0,"name":"pl.group.topic"}]`},
		{"/query/subscriptions/metrics", `{"query": {"lag": {"lt": 5}}}`,
			`[{"topicName":"pl.group.topic","name":"sub","delivered":2,"discarded":0,"volume":0,"timeouts":"unavailable",` +
				`"lag":"4","rate":"unavailable","throughput":"unavailable"}]`},
		{"/topics/query?groupName=pl.group", `{"query": {}}`, `["pl.group.topic"]`},
		{"/topics/pl.group.topic/subscriptions/query", `{"query": {}}`, `["sub"]`},
	}
	for _, tt := range tests {
		rec := serve(h, "POST", tt.path, tt.body)
		require.Equal(t, http.StatusOK, rec.Code, tt.path+": "+rec.Body.String())
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		assert.JSONEq(t, tt.response, rec.Body.String(), tt.path)
	}
	rec := serve(h, "POST", "/query/topics", `{"query": {"name": "pl.group.topic", "contentType": "JSON"}}`)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"name":"pl.group.topic"`)
	rec = serve(h, "POST", "/query/subscriptions", `{"query": {"endpoint": {"like": "http://local.*"}}}`)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"topicName":"pl.group.topic"`)
	assert.Equal(t, call{"QuerySubscriptionNames", []any{"pl.group.topic"}}, f.calls[len(f.calls)-1])
}

func TestSearchRoute(t *testing.T) {
	t.Parallel()
	f := &fakeQuery{}
	rec := serve(NewManagement(f, nil), "GET", "/search/query?q=Topic", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"results":[
		{"type":"TOPIC","name":"pl.group.topic","topic":{"groupName":"pl.group","owner":{"id":"team"}}},
		{"type":"SUBSCRIPTION","name":"sub","subscription":{"endpoint":"http://localhost/",
			"topic":{"name":"topic","qualifiedName":"pl.group.topic","groupName":"pl.group"}}}],"totalCount":2}`, rec.Body.String())
	assert.Equal(t, call{"Search", []any{"Topic"}}, f.lastCall())
}

func TestQueryRouteErrors(t *testing.T) {
	t.Parallel()
	h := NewManagement(&fakeQuery{}, nil)
	for _, body := range []string{``, `{}`, `{"query": {"a": {"unknown": 1}}}`, `{"query": {"and": {}}}`, `not json`} {
		rec := serve(h, "POST", "/query/topics", body)
		requireError(t, rec, http.StatusBadRequest, codeFormat)
	}
	// A comparison of an attribute the entity lacks: Hermes's 400 OTHER.
	rec := serve(h, "POST", "/query/groups", `{"query": {"missing": {"gt": 1}}}`)
	assert.Contains(t, requireError(t, rec, http.StatusBadRequest, codeOther), "missing")

	f := &fakeQuery{queryErr: fmt.Errorf("store: %w", domain.ErrGroupNotFound)}
	rec = serve(NewManagement(f, nil), "POST", "/topics/query?groupName=nope", `{"query": {}}`)
	requireError(t, rec, http.StatusNotFound, codeGroupNotExists)
}

func TestQueryRefusesOtherMediaTypes(t *testing.T) {
	t.Parallel()
	h := NewManagement(&fakeQuery{}, nil)
	req := httptest.NewRequest("POST", "/query/groups", strings.NewReader(`{"query": {}}`))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	requireError(t, rec, http.StatusUnsupportedMediaType, codeValidation)
}

func TestNoQueryWithoutTheService(t *testing.T) {
	t.Parallel()
	rec := serve(NewManagement(&fakeManagement{}, nil), "POST", "/query/groups", `{"query": {}}`)
	requireError(t, rec, http.StatusNotFound, codeOther)
}
