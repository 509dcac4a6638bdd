package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The consumer group of a delivering subscription, read from the store,
// in Hermes's ConsumerGroup JSON.
func TestConsumerGroups(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	sub := newSubscriber(t)
	createTopic(t, h, "groups", "orders")
	createSubscription(t, h, "groups.orders", "s", sub.URL, "")
	publish(t, h, "groups.orders", `{"n":1}`)
	sub.waitFor(t, 1)
	url := h.management + "/topics/groups.orders/subscriptions/s/consumer-groups"

	var groups []map[string]any
	require.Eventually(t, func() bool {
		groups = nil
		return pollJSON(url, &groups) && len(groups) == 1 && groups[0]["state"] == "Stable"
	}, 30*time.Second, 100*time.Millisecond, "%v", groups)
	g := groups[0]
	assert.Equal(t, "primary-dc", g["clusterName"])
	assert.NotEmpty(t, g["groupId"])
	members, _ := g["members"].([]any)
	require.Len(t, members, 1)
	m, _ := members[0].(map[string]any)
	for _, field := range []string{"consumerId", "clientId", "host", "partitions"} {
		assert.Contains(t, m, field)
	}
	parts, _ := m["partitions"].([]any)
	require.NotEmpty(t, parts)
	p, _ := parts[0].(map[string]any)
	for _, field := range []string{"partition", "topic", "currentOffset", "logEndOffset", "lag", "offsetMetadata", "contentType"} {
		assert.Contains(t, p, field)
	}
	assert.Equal(t, "JSON", p["contentType"])

	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", h.management+"/topics/groups.orders/subscriptions/none/consumer-groups", ""))
	status, body, _ := call(t, "GET", h.management+"/topics/groups.none/subscriptions/s/consumer-groups", "")
	assert.Equal(t, http.StatusNotFound, status)
	var e map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &e))
	assert.Equal(t, "TOPIC_NOT_EXISTS", e["code"])
}
