package e2e

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keys returns the sorted field names of a JSON object.
func keys(t *testing.T, v any) []string {
	t.Helper()
	obj, ok := v.(map[string]any)
	require.True(t, ok, "want a JSON object, got %T", v)
	return slices.Sorted(maps.Keys(obj))
}

// decode parses a JSON body.
func decode(t *testing.T, body string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v
}

// The field names below are those of Hermes's ConsoleProperties and its
// nested classes (their getters, as Jackson renders them), which the
// console reads at startup.
func TestConsoleConfiguration(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_CONSOLE__CONSOLE__TITLE=e2e hermes")
	c := decode(t, mustCall(t, http.StatusOK, "GET", h.management+"/console", "")).(map[string]any)
	assert.Equal(t, []string{"auth", "consistency", "console", "costs", "dashboard", "group", "metrics", "owner", "subscription", "topic"}, keys(t, c))
	obj := func(v any, path ...string) map[string]any {
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v.(map[string]any)
	}
	assert.Equal(t, []string{"contactLink", "criticalEnvironment", "environmentName", "knownEnvironments", "title"}, keys(t, c["console"]))
	assert.Equal(t, "e2e hermes", obj(c, "console")["title"], "from our config")
	assert.Equal(t, []string{"docs", "metrics"}, keys(t, c["dashboard"]))
	assert.Equal(t, []string{"fetchingDashboardUrlEnabled"}, keys(t, c["metrics"]))
	assert.Equal(t, []string{"authorizationEndpoint", "clientId", "enabled", "scope", "tokenEndpoint", "url"}, keys(t, obj(c, "auth")["oauth"]))
	assert.Equal(t, []any{map[string]any{"name": "Plaintext", "placeholder": "Name of the owner"}}, obj(c, "owner")["sources"])
	assert.Equal(t, []string{"contentTypes", "defaults", "messagePreviewEnabled", "offlineClientsEnabled", "offlineRetransmission", "readOnlyModeEnabled", "retentionUnits"}, keys(t, c["topic"]))
	assert.Equal(t, []string{"ack", "contentType", "offlineStorage", "retentionTime"}, keys(t, obj(c, "topic", "defaults")))
	assert.Equal(t, map[string]any{"duration": 1.0, "retentionUnit": "DAYS"}, obj(c, "topic", "defaults", "offlineStorage")["retentionTime"])
	assert.Equal(t, []string{"description", "enabled", "fromViewDocsUrl", "globalTaskQueueUrl", "monitoringDocsUrl"}, keys(t, obj(c, "topic")["offlineRetransmission"]))
	assert.Equal(t, []string{"defaults", "deliveryTypes", "endpointAddressResolverMetadata", "requestTimeoutWarningThreshold"}, keys(t, c["subscription"]))
	assert.Equal(t, []string{"deliveryType", "subscriptionPolicy"}, keys(t, obj(c, "subscription", "defaults")))
	assert.Equal(t, []string{"messageTtl", "requestTimeout"}, keys(t, obj(c, "subscription", "defaults", "subscriptionPolicy")))
	assert.Equal(t, []string{"maxGroupBatchSize"}, keys(t, c["consistency"]))
	assert.Equal(t, []string{"nonAdminCreationEnabled"}, keys(t, c["group"]))
	assert.Equal(t, []string{"enabled", "globalDetailsUrl", "subscriptionDetailsUrl", "subscriptionIframeUrl", "topicDetailsUrl", "topicIframeUrl"}, keys(t, c["costs"]))
}

func TestRolesOwnersAndMode(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	m := h.management
	assert.JSONEq(t, `["admin","any"]`, mustCall(t, http.StatusOK, "GET", m+"/roles", ""))
	assert.JSONEq(t, `["admin","any","topicOwner"]`, mustCall(t, http.StatusOK, "GET", m+"/roles/topics/g.t", ""))
	assert.JSONEq(t, `["admin","any","topicOwner","subscriptionOwner"]`, mustCall(t, http.StatusOK, "GET", m+"/roles/topics/g.t/subscriptions/s", ""))

	createTopic(t, h, "owned", "topic")
	createSubscription(t, h, "owned.topic", "sub", "http://localhost:1/", "")
	assert.JSONEq(t, `[{"name":"Plaintext","autocomplete":false,"deprecated":false}]`, mustCall(t, http.StatusOK, "GET", m+"/owners/sources", ""))
	assert.JSONEq(t, `{"id":"MyTeam","name":"MyTeam"}`, mustCall(t, http.StatusOK, "GET", m+"/owners/sources/Plaintext/MyTeam", ""))
	status, body, _ := call(t, "GET", m+"/owners/sources/Plaintext?search=My", "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "OWNER_SOURCE_DOESNT_SUPPORT_AUTOCOMPLETE", decode(t, body).(map[string]any)["code"])
	status, body, _ = call(t, "GET", m+"/owners/sources/Nope/MyTeam", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "OWNER_SOURCE_NOT_FOUND", decode(t, body).(map[string]any)["code"])

	topics := decode(t, mustCall(t, http.StatusOK, "GET", m+"/topics/owner/Plaintext/MyTeam", "")).([]any)
	require.Len(t, topics, 1)
	assert.Equal(t, "owned.topic", topics[0].(map[string]any)["name"])
	assert.Contains(t, keys(t, topics[0]), "owner")
	subs := decode(t, mustCall(t, http.StatusOK, "GET", m+"/subscriptions/owner/Plaintext/MyTeam", "")).([]any)
	require.Len(t, subs, 1)
	assert.Equal(t, "sub", subs[0].(map[string]any)["name"])
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/topics/owner/Plaintext/Nobody", ""))

	assert.Equal(t, "readWrite", mustCall(t, http.StatusOK, "GET", m+"/mode", ""))
	mustCall(t, http.StatusBadRequest, "POST", m+"/mode?mode=nonsense", "")
	mustCall(t, http.StatusOK, "POST", m+"/mode?mode=readOnly", "")
	assert.Equal(t, "readOnlyAdmin", mustCall(t, http.StatusOK, "GET", m+"/mode", ""))
	status, body, _ = call(t, "POST", m+"/groups", `{"groupName":"refused"}`)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.JSONEq(t, `{"message":"Action forbidden due to read-only mode","code":"OTHER"}`, body)
	mustCall(t, http.StatusOK, "GET", m+"/groups", "")
	mustCall(t, http.StatusOK, "POST", m+"/mode?mode=readWrite", "")
	mustCall(t, http.StatusCreated, "POST", m+"/groups", `{"groupName":"accepted"}`)
}
