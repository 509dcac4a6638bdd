package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getWithAccept(t *testing.T, url, accept string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// Subscription health on the real binary: a subscriber that refuses
// everything builds up lag while the topic is published to, which (with
// max_lag_in_seconds 0) is Hermes's LAGGING problem.
func TestSubscriptionHealth(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_METRICS__INTERVAL=200ms",
		"HERMES_MANAGEMENT__SUBSCRIPTION_HEALTH__MAX_LAG_IN_SECONDS=0")
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(refusing.Close)
	createTopic(t, h, "health", "orders")
	createSubscription(t, h, "health.orders", "fine", newSubscriber(t).URL, "")
	createSubscription(t, h, "health.orders", "refusing", refusing.URL, "")
	m := h.management

	var health map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", m+"/topics/health.orders/subscriptions/fine/health", "")), &health))
	assert.Contains(t, []any{"HEALTHY", "NO_DATA"}, health["status"])
	assert.Equal(t, []any{}, health["problems"])
	status, got, _ := call(t, "GET", m+"/topics/health.orders/subscriptions/none/health", "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, got, `"code":"SUBSCRIPTION_NOT_EXISTS"`)

	// While messages are published, "fine" may lag by what it has not
	// committed yet (commits come every commit period, as in Hermes), so
	// wait for "refusing" to be listed, then for "fine" to catch up.
	var unhealthy []map[string]any
	named := func(name string) map[string]any {
		for _, u := range unhealthy {
			if u["name"] == name {
				return u
			}
		}
		return nil
	}
	require.Eventually(t, func() bool {
		publish(t, h, "health.orders", `{"n":1}`)
		unhealthy = nil
		return pollJSON(m+"/unhealthy?respectMonitoringSeverity=false", &unhealthy) && named("refusing") != nil
	}, 60*time.Second, 200*time.Millisecond)
	require.Eventually(t, func() bool {
		unhealthy = nil
		return pollJSON(m+"/unhealthy?respectMonitoringSeverity=false", &unhealthy) && len(unhealthy) == 1 && named("refusing") != nil
	}, 60*time.Second, 200*time.Millisecond)
	u := unhealthy[0]
	assert.Equal(t, "refusing", u["name"])
	assert.Equal(t, "health.orders", u["topicName"])
	assert.Equal(t, "NON_IMPORTANT", u["severity"])
	problems, _ := u["problems"].([]any)
	require.Len(t, problems, 1)
	problem, _ := problems[0].(map[string]any)
	assert.Equal(t, "LAGGING", problem["code"])
	assert.Regexp(t, `^Lag is growing on subscription health\.orders\$refusing, current value is \d+ messages$`, problem["description"])

	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", m+"/topics/health.orders/subscriptions/refusing/health", "")), &health))
	assert.Equal(t, "UNHEALTHY", health["status"])

	// NON_IMPORTANT subscriptions are skipped unless asked for.
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/unhealthy", ""))
	code, contentType, body := getWithAccept(t, m+"/unhealthy?respectMonitoringSeverity=false&ownerSourceName=Plaintext&ownerId=MyTeam", "text/plain")
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, strings.HasPrefix(contentType, "text/plain"), contentType)
	assert.Regexp(t, `^refusing - Lag is growing on subscription health\.orders\$refusing`, body)
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/unhealthy?respectMonitoringSeverity=false&ownerSourceName=Plaintext&ownerId=Other", ""))
	status, got, _ = call(t, "GET", m+"/unhealthy?ownerSourceName=Nope&ownerId=MyTeam", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, got, `"code":"OWNER_NOT_FOUND"`)
}
