package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Drifts from Hermes the console tripped over, checked on the real binary.
func TestTopicAndRetransmissionJSONAsHermes(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	m := h.management
	createTopic(t, h, "drift", "topic")
	createSubscription(t, h, "drift.topic", "sub", "http://localhost:1/", "")

	topic := decode(t, mustCall(t, http.StatusOK, "GET", m+"/topics/drift.topic", "")).(map[string]any)
	assert.Equal(t, map[string]any{"enabled": false, "retentionTime": map[string]any{"duration": 0.0, "infinite": false}}, topic["offlineStorage"],
		"Hermes's default offline storage, duration included")
	assert.NotContains(t, topic, "schemaIdAwareSerializationEnabled", "gone from Hermes's Topic")
	// Hermes renders no schema for a JSON topic (null is left out) and
	// answers its schema endpoint with 204.
	assert.NotContains(t, topic, "schema")
	mustCall(t, http.StatusNoContent, "GET", m+"/topics/drift.topic/schema", "")

	publish(t, h, "drift.topic", `{"x":1}`)
	summary := decode(t, mustCall(t, http.StatusOK, "PUT", m+"/topics/drift.topic/subscriptions/sub/retransmission?dryRun=true",
		`{"retransmissionDate":"2020-01-01T00:00:00Z"}`)).(map[string]any)
	require.Contains(t, summary, "primary-dc")
	offsets := summary["primary-dc"].([]any)
	require.NotEmpty(t, offsets)
	first := offsets[0].(map[string]any)
	assert.Equal(t, []string{"offset", "partition", "topic"}, keys(t, first))
	assert.Equal(t, map[string]any{"value": "drift.topic"}, first["topic"], "Hermes's KafkaTopicName object")
}
