package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hermes's BroadcastDeliveryTest on the real binary. A BROADCAST
// subscription's endpoint is its subscribers' addresses joined by ';'
// (the resolver Hermes's integration tests plug in).

// broadcastTo creates a BROADCAST subscription to subscribers and
// returns its metrics path.
func broadcastTo(t *testing.T, h *hermes, topic string, subscribers ...*subscriber) string {
	t.Helper()
	urls := make([]string, len(subscribers))
	for i, s := range subscribers {
		urls[i] = s.URL + "/hook"
	}
	createSubscription(t, h, topic, "s", strings.Join(urls, ";"), `, "mode": "BROADCAST", "subscriptionPolicy": {"messageBackoff": 10}`)
	return h.management + "/topics/" + topic + "/subscriptions/s/metrics"
}

// shouldPublishAndConsumeMessageByAllServices.
func TestBroadcastDeliversToEverySubscriber(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "broadcast", "all")
	subs := []*subscriber{newSubscriber(t), newSubscriber(t), newSubscriber(t), newSubscriber(t)}
	metrics := broadcastTo(t, h, "broadcast.all", subs...)
	publish(t, h, "broadcast.all", `{"n":1}`)

	for _, s := range subs {
		got := s.waitFor(t, 1)
		assert.Equal(t, `{"n":1}`, got[0].Body)
		assert.Equal(t, "0", got[0].Header.Get("Hermes-Retry-Count"))
	}
	var m struct {
		Delivered int64 `json:"delivered"`
	}
	require.Eventually(t, func() bool { return pollJSON(metrics, &m) && m.Delivered == 1 }, 30*time.Second, 50*time.Millisecond,
		"one message delivered, whatever its addresses: %d", m.Delivered)
}

// shouldPublishAndRetryOnlyForUndeliveredConsumers.
func TestBroadcastRetriesOnlyUndeliveredSubscribers(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "broadcast", "retry")
	ok1, ok2, ok3 := newSubscriber(t), newSubscriber(t), newSubscriber(t)
	retrying := newSubscriber(t, http.StatusServiceUnavailable)
	broadcastTo(t, h, "broadcast.retry", ok1, ok2, ok3, retrying)
	publish(t, h, "broadcast.retry", `{"n":1}`)

	got := retrying.waitFor(t, 2)
	assert.Equal(t, "1", got[1].Header.Get("Hermes-Retry-Count"))
	// A marker published after the retry went through shows that nothing
	// more was coming for the first message.
	publish(t, h, "broadcast.retry", `{"n":2}`)
	for _, s := range []*subscriber{ok1, ok2, ok3, retrying} {
		require.Eventually(t, func() bool { return bodyCount(s, `{"n":2}`) == 1 }, 30*time.Second, 10*time.Millisecond)
	}
	for _, s := range []*subscriber{ok1, ok2, ok3} {
		assert.Equal(t, 1, bodyCount(s, `{"n":1}`), "a subscriber that took it is not sent it again")
	}
	assert.Equal(t, 2, bodyCount(retrying, `{"n":1}`))
}

// shouldNotRetryForBadRequestsFromConsumers.
func TestBroadcastDoesNotRetryABadRequest(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "broadcast", "bad")
	ok1, ok2, ok3 := newSubscriber(t), newSubscriber(t), newSubscriber(t)
	refusing := newSubscriber(t, http.StatusBadRequest)
	metrics := broadcastTo(t, h, "broadcast.bad", ok1, ok2, ok3, refusing)
	publish(t, h, "broadcast.bad", `{"n":1}`)

	for _, s := range []*subscriber{ok1, ok2, ok3, refusing} {
		s.waitFor(t, 1)
	}
	var m struct {
		Discarded int64 `json:"discarded"`
	}
	require.Eventually(t, func() bool { return pollJSON(metrics, &m) && m.Discarded == 1 }, 30*time.Second, 50*time.Millisecond,
		"discarded: %d", m.Discarded)
	publish(t, h, "broadcast.bad", `{"n":2}`)
	require.Eventually(t, func() bool { return bodyCount(refusing, `{"n":2}`) == 1 }, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, 1, bodyCount(refusing, `{"n":1}`), "a 400 is not retried")
}

// Each address of a BROADCAST endpoint is checked as an endpoint.
func TestBroadcastEndpointIsValidatedPerAddress(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "broadcast", "valid")
	status, body, _ := call(t, "POST", h.management+"/topics/broadcast.valid/subscriptions", `{
"topicName": "broadcast.valid", "name": "s", "description": "d", "mode": "BROADCAST",
"endpoint": "http://a.example/x;http://b_c.example/y",
"owner": {"source": "Plaintext", "id": "MyTeam"}}`)
	assert.Equal(t, http.StatusBadRequest, status, body)
	assert.Contains(t, body, `"code":"VALIDATION_ERROR"`)
}
