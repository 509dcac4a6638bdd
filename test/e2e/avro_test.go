package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const avroSchema = `{"type":"record","name":"Order","namespace":"pl.example.avro","fields":[
{"name":"id","type":"string"},
{"name":"amount","type":"long"},
{"name":"note","type":["null","string"],"default":null},
{"name":"tags","type":{"type":"array","items":"string"}},
{"name":"__metadata","type":["null",{"type":"map","values":"string"}],"default":null}]}`

func createAvroTopic(t *testing.T, h *hermes, group, topic string) {
	t.Helper()
	mustCall(t, http.StatusCreated, "POST", h.management+"/groups", fmt.Sprintf(`{"groupName": %q}`, group))
	schema, _ := json.Marshal(avroSchema)
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", fmt.Sprintf(`{
"name": "%s.%s", "description": "Avro topic", "contentType": "AVRO",
"retentionTime": {"duration": 1}, "owner": {"source": "Plaintext", "id": "MyTeam"},
"schema": %s}`, group, topic, schema))
}

// A JSON publish on an AVRO topic reaches a JSON subscription as equal
// JSON and an AVRO subscription as Avro binary carrying Hermes's metadata.
func TestAvroTopicDeliversJSONAndAvro(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	createAvroTopic(t, h, "avro-group", "orders")
	const qualified = "avro-group.orders"

	got := mustCall(t, http.StatusOK, "GET", h.management+"/topics/"+qualified, "")
	var topic struct {
		ContentType string `json:"contentType"`
		Schema      string `json:"schema"`
	}
	require.NoError(t, json.Unmarshal([]byte(got), &topic))
	assert.Equal(t, "AVRO", topic.ContentType)
	assert.JSONEq(t, avroSchema, topic.Schema)
	assert.JSONEq(t, avroSchema, mustCall(t, http.StatusOK, "GET", h.management+"/topics/"+qualified+"/schema", ""))

	jsonSub, avroSub := newSubscriber(t), newSubscriber(t)
	createSubscription(t, h, qualified, "as-json", jsonSub.URL+"/", "")
	createSubscription(t, h, qualified, "as-avro", avroSub.URL+"/", `, "contentType": "AVRO"`)
	filtered := newSubscriber(t)
	createSubscription(t, h, qualified, "filtered", filtered.URL+"/", `, "filters": [{"type": "avropath", "path": ".tags[*]", "matcher": "b|c", "matchingStrategy": "any"}]`)

	const body = `{"id":"o-1","amount":1234,"note":"gift","tags":["a","b"]}`
	id := publish(t, h, qualified, body)

	asJSON := jsonSub.waitFor(t, 1)[0]
	assert.JSONEq(t, body, asJSON.Body)
	assert.Equal(t, "application/json", asJSON.Header.Get("Content-Type"))
	assert.Equal(t, id, asJSON.Header.Get("Hermes-Message-Id"))

	asAvro := avroSub.waitFor(t, 1)[0]
	assert.Equal(t, "avro/binary", asAvro.Header.Get("Content-Type"))
	assert.Equal(t, "1", asAvro.Header.Get("Schema-Version"))
	assert.Equal(t, "1", asAvro.Header.Get("Schema-Id"))
	var record map[string]any
	require.NoError(t, avro.Unmarshal(avro.MustParse(avroSchema), []byte(asAvro.Body), &record))
	assert.Equal(t, "o-1", record["id"])
	assert.Equal(t, int64(1234), record["amount"])
	// avropath filters see the Avro record: only the message with a tag b or c passes.
	other := publish(t, h, qualified, `{"id":"o-2","amount":1,"tags":["x"]}`)
	jsonSub.waitFor(t, 2)
	got2 := filtered.waitFor(t, 1)
	for _, r := range got2 {
		assert.Equal(t, id, r.Header.Get("Hermes-Message-Id"), "message %s should have been filtered", other)
	}
	meta, ok := record["__metadata"].(map[string]any)["map"].(map[string]any)
	require.True(t, ok, "metadata written: %v", record["__metadata"])
	assert.Equal(t, id, meta["messageId"])
	assert.NotEmpty(t, meta["timestamp"])
}

func TestAvroTopicRefusesBadRequests(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	createAvroTopic(t, h, "avro-group", "strict")
	url := h.frontend + "/topics/avro-group.strict"

	send := func(contentType, version, body string) (int, map[string]string) {
		req := mustRequest(t, "POST", url, body)
		req.Header.Set("Content-Type", contentType)
		if version != "" {
			req.Header.Set("Schema-Version", version)
		}
		resp, err := publishClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var e map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	status, e := send("application/json", "7", `{"id":"x","amount":1,"tags":[]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "SCHEMA_VERSION_DOES_NOT_EXIST", e["code"])

	status, e = send("application/json", "", `{"id":"x","amount":"one","tags":[]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "VALIDATION_ERROR", e["code"])
	assert.Contains(t, e["message"], "Field amount")

	status, e = send("text/plain", "", `{"id":"x","amount":1,"tags":[]}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "VALIDATION_ERROR", e["code"])

	status, _ = send("application/json; charset=UTF-8", "1", `{"id":"x","amount":1,"tags":[]}`)
	assert.Equal(t, http.StatusCreated, status)

	// An AVRO topic without a schema is refused; one without __metadata too.
	status, got, _ := call(t, "POST", h.management+"/topics", `{"name": "avro-group.noschema", "description": "d", "contentType": "AVRO",
"retentionTime": {"duration": 1}, "owner": {"source": "Plaintext", "id": "MyTeam"}}`)
	assert.Equal(t, http.StatusBadRequest, status, got)
	status, got, _ = call(t, "POST", h.management+"/topics/avro-group.strict/schema", `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`)
	assert.Equal(t, http.StatusBadRequest, status, got)
	assert.Contains(t, got, "FORMAT_ERROR")
}
