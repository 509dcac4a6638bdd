package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Topic previews read back from the store: off by default as in Hermes;
// when on, the newest messages as JSON text (AVRO converted), one of them
// raw, and one message by cluster, partition and offset.
func TestTopicPreview(t *testing.T) {
	t.Parallel()
	off := startHermes(t, t.TempDir())
	createTopic(t, off, "preview", "json")
	publish(t, off, "preview.json", `{"n":1}`)
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", off.management+"/topics/preview.json/preview", ""))

	h := startHermes(t, t.TempDir(), "HERMES_FRONTEND__MESSAGE_PREVIEW__ENABLED=true", "HERMES_FRONTEND__MESSAGE_PREVIEW__SIZE=2")
	m := h.management
	createTopic(t, h, "preview", "json")
	for i := range 3 {
		publish(t, h, "preview.json", fmt.Sprintf(`{"n":%d}`, i))
	}
	var previews []map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", m+"/topics/preview.json/preview", "")), &previews))
	require.Len(t, previews, 2, "preview size 2")
	for _, p := range previews {
		assert.Contains(t, []any{`{"n":1}`, `{"n":2}`}, p["content"], "the newest messages")
		assert.Equal(t, false, p["truncated"])
	}
	status, raw, header := call(t, "GET", m+"/topics/preview.json/preview/0", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "application/octet-stream", header.Get("Content-Type"))
	assert.Equal(t, previews[0]["content"], raw)
	status, body, _ := call(t, "GET", m+"/topics/preview.json/preview/9", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, `"code":"OTHER"`)
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/topics/preview.none/preview", ""))

	createAvroTopic(t, h, "preview-avro", "orders")
	publish(t, h, "preview-avro.orders", `{"id":"o-1","amount":5,"note":null,"tags":["a"]}`)
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", m+"/topics/preview-avro.orders/preview", "")), &previews))
	require.Len(t, previews, 1)
	var order map[string]any
	require.NoError(t, json.Unmarshal([]byte(previews[0]["content"].(string)), &order), previews[0]["content"])
	assert.Equal(t, "o-1", order["id"])
	assert.Equal(t, float64(5), order["amount"])

	// One message by position: find it through the consumer group-free
	// read of every partition's first offset.
	found := false
	for p := range 3 {
		status, body, _ := call(t, "GET", fmt.Sprintf("%s/topics/preview.json/preview/cluster/primary-dc/partition/%d/offset/0", m, p), "")
		if status == http.StatusOK {
			found = true
			assert.True(t, strings.Contains(body, `"n":`), body)
			assert.Contains(t, body, `"metadata"`, "the stored value: Hermes's JSON wrapper")
		} else {
			assert.Equal(t, http.StatusNotFound, status, body)
		}
	}
	assert.True(t, found, "some partition has offset 0")
	status, body, _ = call(t, "GET", m+"/topics/preview.json/preview/cluster/other-dc/partition/0/offset/0", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "Message not found for brokers cluster other-dc")
	status, body, _ = call(t, "GET", m+"/topics/preview.none/preview/cluster/primary-dc/partition/0/offset/0", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, `"code":"TOPIC_NOT_EXISTS"`)
}
