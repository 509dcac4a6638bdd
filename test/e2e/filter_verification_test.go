package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func verifyFilters(t *testing.T, h *hermes, topic, filters, message string) map[string]any {
	t.Helper()
	body := fmt.Sprintf(`{"filters": %s, "message": %q}`, filters, base64.StdEncoding.EncodeToString([]byte(message)))
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "POST", h.management+"/filters/"+topic, body)), &res))
	return res
}

// POST /filters/{topic}: Hermes's MessageFiltersVerificationInput in,
// MessageFiltersVerificationResult out, for JSON and AVRO topics.
func TestFiltersVerification(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	createTopic(t, h, "filters", "json")
	createAvroTopic(t, h, "filters-avro", "orders")

	jsonFilter := `[{"type": "jsonpath", "path": "$.items[?(@.type == 'x')].name", "matcher": "a.*"}]`
	assert.Equal(t, map[string]any{"status": "MATCHED"},
		verifyFilters(t, h, "filters.json", jsonFilter, `{"items":[{"type":"x","name":"ab"},{"type":"y","name":"zz"}]}`))
	assert.Equal(t, map[string]any{"status": "NOT_MATCHED"},
		verifyFilters(t, h, "filters.json", jsonFilter, `{"items":[{"type":"x","name":"b"}]}`))
	notJSON := verifyFilters(t, h, "filters.json", jsonFilter, `not json`)
	assert.Equal(t, "NOT_MATCHED", notJSON["status"])
	assert.NotEmpty(t, notJSON["errorMessage"], "the filter could not be evaluated")
	assert.Equal(t, "NOT_MATCHED", verifyFilters(t, h, "filters.json", `[{"type": "header", "header": "X", "matcher": ".*"}]`, `{}`)["status"],
		"the verified message has no headers")
	assert.Equal(t, "MATCHED", verifyFilters(t, h, "filters.json", `[]`, `{}`)["status"])

	avroFilter := `[{"type": "avropath", "path": ".id", "matcher": "o-1"}]`
	order := `{"id":"o-1","amount":5,"note":null,"tags":[]}`
	assert.Equal(t, map[string]any{"status": "MATCHED"}, verifyFilters(t, h, "filters-avro.orders", avroFilter, order))
	assert.Equal(t, "NOT_MATCHED", verifyFilters(t, h, "filters-avro.orders", avroFilter, `{"id":"o-2","amount":5,"tags":[]}`)["status"])
	invalid := verifyFilters(t, h, "filters-avro.orders", avroFilter, "xyz")
	assert.Equal(t, "ERROR", invalid["status"])
	assert.Contains(t, invalid["errorMessage"], "Failed to parse json to map format.")

	status, got, _ := call(t, "POST", h.management+"/filters/filters.none", `{"filters": [], "message": "e30="}`)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, got, `"code":"TOPIC_NOT_EXISTS"`)
	status, got, _ = call(t, "POST", h.management+"/filters/filters.json", `{"filters": [{"type": "jsonpath", "path": "$[", "matcher": "x"}], "message": "e30="}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, got, `"code":"VALIDATION_ERROR"`)
}
