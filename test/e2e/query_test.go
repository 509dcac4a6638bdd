package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeList decodes a JSON array of objects.
func decodeList(t *testing.T, body string) []map[string]any {
	t.Helper()
	var v []map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v
}

func names(items []map[string]any, field string) []any {
	out := []any{}
	for _, it := range items {
		out = append(out, it[field])
	}
	return out
}

// Hermes's query language and search on the real binary: the endpoints,
// their status codes and the JSON field names of Hermes's classes.
func TestQueryLanguageAndSearch(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	createTopic(t, h, "query", "alphaTopicSuffix")
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name": "query.beta", "contentType": "JSON", "retentionTime": {"duration": 1},
		"description": "d", "owner": {"source": "Plaintext", "id": "Team Beta"}}`)
	createSubscription(t, h, "query.alphaTopicSuffix", "sub-one", "http://login:password@localhost:1/one", "")
	createSubscription(t, h, "query.beta", "sub-two", "http://localhost:1/two", "")
	m := h.management

	groups := decodeList(t, mustCall(t, http.StatusOK, "POST", m+"/query/groups", `{"query": {"groupName": "query"}}`))
	assert.Equal(t, []map[string]any{{"groupName": "query"}}, groups)

	topics := decodeList(t, mustCall(t, http.StatusOK, "POST", m+"/query/topics", `{"query": {"name": {"like": ".*TopicSuffix"}}}`))
	require.Len(t, topics, 1)
	for _, field := range []string{"name", "description", "owner", "retentionTime", "ack", "trackingEnabled", "contentType", "maxMessageSize"} {
		assert.Contains(t, topics[0], field)
	}
	topics = decodeList(t, mustCall(t, http.StatusOK, "POST", m+"/query/topics",
		`{"query": {"and": [{"owner.id": {"like": ".*Beta"}}, {"contentType": "JSON"}]}}`))
	assert.Equal(t, []any{"query.beta"}, names(topics, "name"))

	subs := decodeList(t, mustCall(t, http.StatusOK, "POST", m+"/query/subscriptions", `{"query": {"name": {"like": "sub-.*"}}}`))
	assert.ElementsMatch(t, []any{"sub-one", "sub-two"}, names(subs, "name"))
	for _, s := range subs {
		assert.NotContains(t, s["endpoint"], "password", "endpoints are masked")
		for _, field := range []string{"topicName", "endpoint", "state", "subscriptionPolicy", "owner", "trackingMode", "deliveryType"} {
			assert.Contains(t, s, field)
		}
	}

	assert.JSONEq(t, `["query.beta"]`, mustCall(t, http.StatusOK, "POST", m+"/topics/query?groupName=query", `{"query": {"name": {"ne": "query.alphaTopicSuffix"}}}`))
	assert.JSONEq(t, `["sub-one"]`, mustCall(t, http.StatusOK, "POST", m+"/topics/query.alphaTopicSuffix/subscriptions/query", `{"query": {}}`))

	var topicMetrics []map[string]any
	require.Eventually(t, func() bool {
		status, body, _ := call(t, "POST", m+"/query/topics/metrics", `{"query": {"name": {"in": ["query.beta"]}}}`)
		return status == http.StatusOK && json.Unmarshal([]byte(body), &topicMetrics) == nil && len(topicMetrics) == 1
	}, 20*time.Second, 100*time.Millisecond)
	for _, field := range []string{"published", "rate", "deliveryRate", "subscriptions", "throughput", "volume", "name"} {
		assert.Contains(t, topicMetrics[0], field)
	}
	subMetrics := decodeList(t, mustCall(t, http.StatusOK, "POST", m+"/query/subscriptions/metrics", `{"query": {"name": "sub-two", "lag": {"lt": 100}}}`))
	require.Len(t, subMetrics, 1)
	for _, field := range []string{"topicName", "name", "delivered", "discarded", "volume", "timeouts", "lag", "rate", "throughput"} {
		assert.Contains(t, subMetrics[0], field)
	}
	assert.Equal(t, "query.beta", subMetrics[0]["topicName"])

	for _, body := range []string{`{}`, `{"query": {"name": {"unknown": 1}}}`, `{"query": {"and": {"a": 1}}}`, `x`} {
		status, got, _ := call(t, "POST", m+"/query/topics", body)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, got, `"code":"FORMAT_ERROR"`, body)
	}
	status, got, _ := call(t, "POST", m+"/query/groups", `{"query": {"missing": {"gt": 1}}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, got, `"code":"OTHER"`)
	status, got, _ = call(t, "POST", m+"/topics/query?groupName=none", `{"query": {}}`)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, got, `"code":"GROUP_NOT_EXISTS"`)

	var search map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", m+"/search/query?q=SUB-T", "")), &search))
	assert.Equal(t, map[string]any{"totalCount": float64(1), "results": []any{map[string]any{
		"type": "SUBSCRIPTION", "name": "sub-two", "subscription": map[string]any{"endpoint": "http://localhost:1/two",
			"topic": map[string]any{"name": "beta", "qualifiedName": "query.beta", "groupName": "query"}}}}}, search)
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", m+"/search/query?q=team%20beta", "")), &search))
	assert.Equal(t, []any{map[string]any{"type": "TOPIC", "name": "query.beta",
		"topic": map[string]any{"groupName": "query", "owner": map[string]any{"id": "Team Beta"}}}}, search["results"])
	assert.JSONEq(t, `{"results":[],"totalCount":0}`, mustCall(t, http.StatusOK, "GET", m+"/search/query", ""))
}
