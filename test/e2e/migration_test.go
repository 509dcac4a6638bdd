package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func schemaJSON() string {
	b, _ := json.Marshal(avroSchema)
	return string(b)
}

// TopicManagementTest: a JSON topic moves to AVRO with contentType AVRO
// and migratedFromJsonType together, with the schema in the same update
// or registered before; an invalid schema there is SCHEMA_BAD_REQUEST;
// any other content type change, and going back, are refused.
func TestJSONToAvroMigrationManagement(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "migration", "withschema")
	topics := h.management + "/topics/"
	for _, name := range []string{"registered", "invalid"} {
		mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name": "migration.`+name+`", "description": "d", "contentType": "JSON", "retentionTime": {"duration": 1},
"owner": {"source": "Plaintext", "id": "team"}}`)
	}

	status, body, _ := call(t, "PUT", topics+"migration.invalid", `{"contentType": "AVRO", "migratedFromJsonType": true, "schema": "invalid..."}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	assert.Contains(t, body, `"code":"SCHEMA_BAD_REQUEST"`)

	status, body, _ = call(t, "PUT", topics+"migration.invalid", `{"contentType": "AVRO"}`)
	require.Equal(t, http.StatusBadRequest, status, "content type alone: %s", body)

	mustCall(t, http.StatusOK, "PUT", topics+"migration.withschema", `{"contentType": "AVRO", "migratedFromJsonType": true, "schema": `+schemaJSON()+`}`)
	var topic struct {
		ContentType          string `json:"contentType"`
		MigratedFromJSONType bool   `json:"migratedFromJsonType"`
	}
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", topics+"migration.withschema", "")), &topic))
	assert.Equal(t, "AVRO", topic.ContentType)
	assert.True(t, topic.MigratedFromJSONType)
	status, body, _ = call(t, "PUT", topics+"migration.withschema", `{"contentType": "JSON", "migratedFromJsonType": false}`)
	require.Equal(t, http.StatusBadRequest, status, "back to JSON: %s", body)

	// Only Avro schemas are validated: validate=true on a JSON topic is refused.
	status, body, _ = call(t, "POST", topics+"migration.registered/schema?validate=true", avroSchema)
	require.Equal(t, http.StatusBadRequest, status, body)
	mustCall(t, http.StatusCreated, "POST", topics+"migration.registered/schema?validate=false", avroSchema)
	mustCall(t, http.StatusOK, "PUT", topics+"migration.registered", `{"contentType": "AVRO", "migratedFromJsonType": true}`)
}

// StatsTest's setup: an AVRO subscription on a JSON topic is accepted, as
// in Hermes, and gets the JSON it is published as.
func TestAvroSubscriptionOnJSONTopic(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "migration", "plain")
	sub := newSubscriber(t)
	createSubscription(t, h, "migration.plain", "avro", sub.URL, `, "contentType": "AVRO"`)
	publish(t, h, "migration.plain", `{"hello":"world"}`)
	got := sub.waitFor(t, 1)[0]
	assert.JSONEq(t, `{"hello":"world"}`, got.Body)
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
}

// PublishingAvroTest#shouldPublishAndConsumeJsonMessageAfterMigrationFromJsonToAvro:
// a JSON subscription keeps getting JSON across the migration, messages
// published before it (still waiting for a suspended subscription) and
// after it alike, in order.
func TestDeliveryAcrossJSONToAvroMigration(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true", "HERMES_MESSAGE_STORE__PARTITIONS=1")
	createTopic(t, h, "migration", "orders")
	live, late := newSubscriber(t), newSubscriber(t)
	createSubscription(t, h, "migration.orders", "live", live.URL, "")
	createSubscription(t, h, "migration.orders", "late", late.URL, oneAtATime)
	state := h.management + "/topics/migration.orders/subscriptions/late/state"
	mustCall(t, http.StatusOK, "PUT", state, `"SUSPENDED"`)

	const before = `{"id":"o-1","amount":1,"note":"json","tags":["a"]}`
	publish(t, h, "migration.orders", before)
	assert.JSONEq(t, before, live.waitFor(t, 1)[0].Body)

	mustCall(t, http.StatusOK, "PUT", h.management+"/topics/migration.orders", `{"contentType": "AVRO", "migratedFromJsonType": true, "schema": `+schemaJSON()+`}`)
	// The frontend takes the topic change from the metadata watch.
	const after = `{"id":"o-2","amount":2,"tags":["b"]}`
	require.Eventually(t, func() bool {
		// Missing required fields: JSON before the migration, refused after.
		return tryCall("POST", h.frontend+"/topics/migration.orders", `{"amount":2}`) == http.StatusBadRequest
	}, 30*time.Second, 50*time.Millisecond, "the frontend does not check the schema yet")
	publish(t, h, "migration.orders", after)

	// The topic change restarts the live subscription's worker; a send
	// still in flight then is cancelled and delivered again (at least
	// once), so the first message may come twice, before the second.
	got := live.waitForBodies(t, 2, 30*time.Second)
	last := got[len(got)-1]
	assert.JSONEq(t, `{"id":"o-2","amount":2,"note":null,"tags":["b"]}`, last.Body)
	assert.Equal(t, "application/json", last.Header.Get("Content-Type"))

	mustCall(t, http.StatusOK, "PUT", state, `"ACTIVE"`)
	gotLate := late.waitFor(t, 2)
	assert.JSONEq(t, before, gotLate[0].Body, "published before the migration: JSON as published")
	assert.JSONEq(t, `{"id":"o-2","amount":2,"note":null,"tags":["b"]}`, gotLate[1].Body)
	for _, r := range gotLate {
		assert.False(t, strings.Contains(r.Body, "__metadata"), r.Body)
	}
}
