package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/test/testenv"
)

func TestStatsReadinessConsistencyAndLinks(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(),
		"HERMES_MANAGEMENT__LINKS__TOPIC_DASHBOARD_URL=http://grafana/d/topic?var-topic={topic}",
		"HERMES_MANAGEMENT__LINKS__OFFLINE_CLIENTS_URL=http://clients/{group}/{topicName}")
	m := h.management
	createTopic(t, h, "adm", "topic")
	createSubscription(t, h, "adm.topic", "sub", "http://localhost:1/", `, "trackingMode": "trackingAll"`)

	assert.JSONEq(t, `{"topicStats":{"topicCount":1,"ackAllTopicCount":0,"trackingEnabledTopicCount":0,"avroTopicCount":0},
		"subscriptionStats":{"subscriptionCount":1,"trackingEnabledSubscriptionCount":1,"avroSubscriptionCount":0}}`,
		mustCall(t, http.StatusOK, "GET", m+"/stats", ""))

	assert.JSONEq(t, `[{"datacenter":"primary-dc","status":"READY"}]`, mustCall(t, http.StatusOK, "GET", m+"/readiness/datacenters", ""))
	mustCall(t, http.StatusAccepted, "POST", m+"/readiness/datacenters/primary-dc", `{"isReady":false}`)
	assert.JSONEq(t, `[{"datacenter":"primary-dc","status":"NOT_READY"}]`, mustCall(t, http.StatusOK, "GET", m+"/readiness/datacenters", ""))

	assert.JSONEq(t, `["adm"]`, mustCall(t, http.StatusOK, "GET", m+"/consistency/groups", ""))
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/consistency/inconsistencies/groups?groupNames=adm", ""))
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/consistency/inconsistencies/topics", ""), "every store topic has its topic")
	mustCall(t, http.StatusOK, "POST", m+"/consistency/sync/groups/adm?primaryDatacenter=primary-dc", "")
	mustCall(t, http.StatusOK, "POST", m+"/consistency/sync/topics/adm.topic/subscriptions/sub?primaryDatacenter=primary-dc", "")

	assert.JSONEq(t, `["MyTeam"]`, mustCall(t, http.StatusOK, "GET", m+"/topics/adm.topic/clients", ""))
	assert.JSONEq(t, `{"source":"http://clients/adm/topic"}`, mustCall(t, http.StatusOK, "GET", m+"/topics/adm.topic/offline-clients-source", ""))
	assert.JSONEq(t, `{"url":"http://grafana/d/topic?var-topic=adm.topic"}`, mustCall(t, http.StatusOK, "GET", m+"/dashboards/topics/adm.topic", ""))
	status, body, _ := call(t, "GET", m+"/dashboards/topics/adm.topic/subscriptions/sub", "")
	assert.Equal(t, http.StatusNotFound, status, "no subscription dashboard configured")
	assert.Equal(t, "IMPLEMENTATION_ABSENT", decode(t, body).(map[string]any)["code"])
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/tracking-urls/topics/adm.topic", ""))
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/tracking-urls/topics/adm.topic/subscriptions/sub", ""))

	publish(t, h, "adm.topic", `{"x":1}`)
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/inactive-topics", ""), "a topic that just got a message is active")
}

func TestInactiveTopics(t *testing.T) {
	t.Parallel()
	// A threshold of 1ms makes any topic with a message inactive at once.
	h := startHermes(t, t.TempDir(), "HERMES_MANAGEMENT__INACTIVE_TOPICS__THRESHOLD=1ms",
		"HERMES_MANAGEMENT__INACTIVE_TOPICS__WHITELISTED=idle.kept")
	createTopic(t, h, "idle", "topic")
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name":"idle.kept","description":"d","contentType":"JSON",
		"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"MyTeam"}}`)
	createTopic(t, h, "idle2", "empty")
	before := time.Now().UnixMilli()
	publish(t, h, "idle.topic", `{"x":1}`)
	publish(t, h, "idle.kept", `{"x":1}`)
	var got []map[string]any
	require.Eventually(t, func() bool { return pollJSON(h.management+"/inactive-topics", &got) && len(got) == 2 }, 20*time.Second, 50*time.Millisecond)
	byName := map[string]map[string]any{}
	for _, it := range got {
		assert.Equal(t, []string{"lastPublishedTsMs", "notificationTsMs", "topic", "whitelisted"}, keys(t, it))
		byName[it["topic"].(string)] = it
	}
	require.Contains(t, byName, "idle.topic")
	assert.GreaterOrEqual(t, int64(byName["idle.topic"]["lastPublishedTsMs"].(float64)), before-1000)
	assert.Equal(t, false, byName["idle.topic"]["whitelisted"])
	assert.Equal(t, true, byName["idle.kept"]["whitelisted"])
	assert.NotContains(t, byName, "idle2.empty", "a topic without messages is not inactive, as in Hermes")
}

func TestOfflineRetransmissionTasks(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	m := h.management
	createTopic(t, h, "ort", "source")
	mustCall(t, http.StatusCreated, "POST", m+"/topics", `{"name":"ort.target","description":"d","contentType":"JSON",
		"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"MyTeam"}}`)
	assert.JSONEq(t, `[]`, mustCall(t, http.StatusOK, "GET", m+"/offline-retransmission/tasks", ""))

	mustCall(t, http.StatusCreated, "POST", m+"/offline-retransmission/tasks", `{"type":"topic","sourceTopic":"ort.source","targetTopic":"ort.target",
		"startTimestamp":"2024-01-01T00:00:00Z","endTimestamp":"2024-01-02T00:00:00Z"}`)
	status, body, _ := call(t, "POST", m+"/offline-retransmission/tasks", `{"type":"topic","sourceTopic":"ort.missing","targetTopic":"ort.target",
		"startTimestamp":"2024-01-01T00:00:00Z","endTimestamp":"2024-01-02T00:00:00Z"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, `{"message":"Source topic does not exist","code":"VALIDATION_ERROR"}`, body)

	tasks := decode(t, mustCall(t, http.StatusOK, "GET", m+"/offline-retransmission/tasks", "")).([]any)
	require.Len(t, tasks, 1)
	task := tasks[0].(map[string]any)
	assert.Equal(t, []string{"createdAt", "endTimestamp", "sourceTopic", "startTimestamp", "targetTopic", "taskId", "type"}, keys(t, task))
	assert.Equal(t, "TOPIC", task["type"])
	id := task["taskId"].(string)

	for _, path := range []string{"/offline-retransmission/topics/ort.target/tasks/", "/offline-retransmission/topics/ort.source/tasks"} {
		infos := decode(t, mustCall(t, http.StatusOK, "GET", m+path, "")).([]any)
		require.Len(t, infos, 1, path)
		info := infos[0].(map[string]any)
		assert.Equal(t, []string{"jobDetailsUrl", "logsUrl", "metricsUrl", "taskId", "type"}, keys(t, info))
		assert.True(t, strings.HasSuffix(info["logsUrl"].(string), id), "links name the task")
	}
	mustCall(t, http.StatusOK, "DELETE", m+"/offline-retransmission/tasks/"+id, "")
	status, body, _ = call(t, "DELETE", m+"/offline-retransmission/tasks/"+id, "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.JSONEq(t, fmt.Sprintf(`{"message":"Retransmission task with id %s does not exist.","code":"VALIDATION_ERROR"}`, id), body)
}

// A Kafka topic no Hermes topic owns is reported and can be removed, as
// Hermes's KafkaHermesConsistencyService does.
func TestInconsistentStoreTopics(t *testing.T) {
	t.Parallel()
	port := testenv.FreePort(t)
	h := startHermes(t, t.TempDir(), fmt.Sprintf("HERMES_MESSAGE_STORE__EMBEDDED_PORT=%d", port))
	m := h.management
	createTopic(t, h, "cons", "owned")

	cl, err := kgo.NewClient(kgo.SeedBrokers(fmt.Sprintf("127.0.0.1:%d", port)))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	_, err = kadm.NewClient(cl).CreateTopic(t.Context(), 1, 1, nil, "cons.orphan")
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		var got []string
		return pollJSON(m+"/consistency/inconsistencies/topics", &got) && len(got) == 1 && got[0] == "cons.orphan"
	}, 20*time.Second, 50*time.Millisecond, "the orphan topic, and only it, is reported")
	mustCall(t, http.StatusOK, "DELETE", m+"/consistency/inconsistencies/topics?topicName=cons.orphan", "")
	require.Eventually(t, func() bool {
		var got []string
		return pollJSON(m+"/consistency/inconsistencies/topics", &got) && len(got) == 0
	}, 20*time.Second, 50*time.Millisecond)
	mustCall(t, http.StatusOK, "GET", m+"/topics/cons.owned", "")
}
