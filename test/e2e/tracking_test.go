package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// trackerEnvs are the tracker configurations to run against: memory
// always, MongoDB and Elasticsearch when the test scripts started them.
func trackerEnvs(t *testing.T) map[string][]string {
	envs := map[string][]string{"memory": {"HERMES_TRACKER__KIND=memory"}}
	backends := map[string]string{"mongo": "HERMES_TEST_MONGO", "elasticsearch": "HERMES_TEST_ELASTICSEARCH"}
	for kind, variable := range backends {
		addr, ok := testenv.Lookup(t, variable, "make test starts it")
		if !ok {
			continue
		}
		key := map[string]string{"mongo": "HERMES_TRACKER__MONGO__URI", "elasticsearch": "HERMES_TRACKER__ELASTICSEARCH__URL"}[kind]
		envs[kind] = []string{"HERMES_TRACKER__KIND=" + kind, key + "=" + addr, "HERMES_TRACKER__MONGO__DATABASE=e2e" + strings.ReplaceAll(t.Name(), "/", "_")}
	}
	return envs
}

type trace struct {
	MessageID    string `json:"messageId"`
	Status       string `json:"status"`
	Subscription string `json:"subscription"`
	Reason       string `json:"reason"`
}

// A tracked topic and a subscriber failing once: the trace shows the
// publish SUCCESS and the deliveries FAILED then SUCCESS; a message the
// subscriber refuses with 400 appears in undelivered.
func TestMessageTraces(t *testing.T) {
	t.Parallel()
	for kind, env := range trackerEnvs(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := startHermes(t, t.TempDir(), env...)
			sub := newSubscriber(t, 500, 200, 400)
			// Tracking stores outlive test runs: a group of its own per run.
			group := "tracked" + strconv.FormatInt(time.Now().UnixNano(), 36)
			topic := group + ".orders"
			mustCall(t, http.StatusCreated, "POST", h.management+"/groups", `{"groupName":"`+group+`"}`)
			mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name":"`+topic+`","description":"d","contentType":"JSON",
"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"},"trackingEnabled":true}`)
			createSubscription(t, h, topic, "s", sub.URL, `, "trackingMode": "trackingAll", "subscriptionPolicy": {"messageBackoff": 10}`)
			assert.Contains(t, mustCall(t, 200, "GET", h.management+"/topics?tracked=true", ""), topic)

			id := publish(t, h, topic, `{"n":1}`)
			sub.waitFor(t, 2)
			var statuses []string
			require.Eventually(t, func() bool {
				var traces []trace
				if !pollJSON(h.management+"/topics/"+topic+"/subscriptions/s/events/"+id+"/trace", &traces) {
					return false
				}
				statuses = statuses[:0]
				for _, tr := range traces {
					statuses = append(statuses, tr.Status)
				}
				return strings.Contains(strings.Join(statuses, ","), "SUCCESS,INFLIGHT,FAILED,SUCCESS") ||
					strings.Contains(strings.Join(statuses, ","), "SUCCESS,INFLIGHT,FAILED,INFLIGHT,SUCCESS")
			}, 20*time.Second, 100*time.Millisecond, "trace statuses %v", statuses)
			assert.Equal(t, "INFLIGHT", statuses[0], "the published trace starts INFLIGHT")

			refused := publish(t, h, topic, `{"n":2}`)
			sub.waitFor(t, 3)
			require.Eventually(t, func() bool {
				var undelivered []trace
				return pollJSON(h.management+"/topics/"+topic+"/subscriptions/s/undelivered", &undelivered) &&
					len(undelivered) == 1 && undelivered[0].MessageID == refused && undelivered[0].Status == "DISCARDED"
			}, 20*time.Second, 100*time.Millisecond)
			last := mustCall(t, 200, "GET", h.management+"/topics/"+topic+"/subscriptions/s/undelivered/last", "")
			assert.Contains(t, last, refused)
			assert.Contains(t, last, "status code: 400")
		})
	}
}

// The tracking store stopped mid-run: publishing and delivery go on.
func TestTrackingStoreDown(t *testing.T) {
	t.Parallel()
	// Only a sign that FerretDB is installed: the test starts its own.
	testenv.Require(t, "HERMES_TEST_MONGO", "bash test/infra/ferretdb.sh start")
	mongo := privateService(t, "ferretdb", "HERMES_MONGO_PORT", "HERMES_FERRETDB_DEBUG_PORT")
	h := startHermes(t, t.TempDir(), "HERMES_TRACKER__KIND=mongo", "HERMES_TRACKER__MONGO__URI=mongodb://"+mongo.addr+"/")
	sub := newSubscriber(t)
	mustCall(t, http.StatusCreated, "POST", h.management+"/groups", `{"groupName":"down"}`)
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name":"down.orders","description":"d","contentType":"JSON",
"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"},"trackingEnabled":true}`)
	createSubscription(t, h, "down.orders", "s", sub.URL, `, "trackingMode": "trackingAll"`)
	publish(t, h, "down.orders", `{"n":0}`)
	sub.waitFor(t, 1)

	mongo.stop()
	for i := 1; i <= 20; i++ {
		publish(t, h, "down.orders", `{"n":`+strconv.Itoa(i)+`}`)
	}
	sub.waitFor(t, 21)
}
