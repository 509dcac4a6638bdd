package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const seedMessage = `{
"message": "Hello world!",
"more": "1112223334444555"
}`

func createTopic(t *testing.T, h *hermes, group, topic string) {
	t.Helper()
	mustCall(t, http.StatusCreated, "POST", h.management+"/groups", fmt.Sprintf(`{"groupName": %q}`, group))
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", fmt.Sprintf(`{
"name": "%s.%s",
"description": "This is my topic",
"contentType": "JSON",
"retentionTime": {"duration": 1},
"owner": {"source": "Plaintext", "id": "MyTeam"}
}`, group, topic))
}

func createSubscription(t *testing.T, h *hermes, qualified, name, endpoint, extra string) {
	t.Helper()
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics/"+qualified+"/subscriptions", fmt.Sprintf(`{
"topicName": %q,
"name": %q,
"description": "This is my subscription",
"endpoint": %q,
"owner": {"source": "Plaintext", "id": "MyTeam"}%s
}`, qualified, name, endpoint, extra))
}

func publish(t *testing.T, h *hermes, qualified, body string) string {
	t.Helper()
	status, got, header := call(t, "POST", h.frontend+"/topics/"+qualified, body)
	require.Equal(t, http.StatusCreated, status, got)
	id := header.Get("Hermes-Message-Id")
	require.NotEmpty(t, id)
	return id
}

// The seed walkthrough, verbatim: group, topic, subscription, publish; the
// subscriber gets the body byte-identical with the Hermes headers.
func TestSeedWalkthrough(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	sub := newSubscriber(t)
	createTopic(t, h, "my-group", "my-topic")
	createSubscription(t, h, "my-group.my-topic", "my-Subscription", sub.URL+"/", `, "subscriptionIdentityHeadersEnabled": true`)

	id := publish(t, h, "my-group.my-topic", seedMessage)

	got := sub.waitFor(t, 1)[0]
	assert.Equal(t, seedMessage, got.Body)
	assert.Equal(t, id, got.Header.Get("Hermes-Message-Id"))
	assert.Equal(t, "0", got.Header.Get("Hermes-Retry-Count"))
	assert.Equal(t, "my-group.my-topic", got.Header.Get("Hermes-Topic-Name"))
	assert.Equal(t, "my-Subscription", got.Header.Get("Hermes-Subscription-Name"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))

	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, 200, "GET", h.management+"/topics/my-group.my-topic/subscriptions/my-Subscription", "")), &s))
	assert.Equal(t, "ACTIVE", s["state"], "consumers activate a PENDING subscription")
}

// 500 twice then 200: three deliveries with the retry count counting up.
func TestRetriesServerErrors(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	sub := newSubscriber(t, 500, 500)
	createTopic(t, h, "retry", "server")
	createSubscription(t, h, "retry.server", "s", sub.URL, `, "subscriptionPolicy": {"messageBackoff": 10}`)
	publish(t, h, "retry.server", `{"n":1}`)

	got := sub.waitFor(t, 3)
	for i, r := range got[:3] {
		assert.Equal(t, `{"n":1}`, r.Body)
		assert.Equal(t, strconv.Itoa(i), r.Header.Get("Hermes-Retry-Count"))
	}
	// A message published after the 200 arrives with no further attempt.
	publish(t, h, "retry.server", `{"n":2}`)
	require.Eventually(t, func() bool { return bodyCount(sub, `{"n":2}`) > 0 }, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, 3, bodyCount(sub, `{"n":1}`), "a 200 ends the retries")
}

// bodyCount is how many requests of s carried body.
func bodyCount(s *subscriber, body string) int {
	n := 0
	for _, r := range s.requests() {
		if r.Body == body {
			n++
		}
	}
	return n
}

// A 400 is not retried; the next message is still delivered.
func TestClientErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	sub := newSubscriber(t, 400)
	createTopic(t, h, "retry", "client")
	createSubscription(t, h, "retry.client", "s", sub.URL, `, "subscriptionPolicy": {"messageBackoff": 10}`)
	publish(t, h, "retry.client", `{"n":1}`)
	// The second only after the first arrived: with more than one message
	// in flight their order is not kept, and the subscriber answers 400 to
	// the first request it gets.
	sub.waitFor(t, 1)
	publish(t, h, "retry.client", `{"n":2}`)

	got := sub.waitFor(t, 2)
	assert.Equal(t, `{"n":1}`, got[0].Body)
	assert.Equal(t, `{"n":2}`, got[1].Body)
	publish(t, h, "retry.client", `{"n":3}`)
	require.Eventually(t, func() bool { return bodyCount(sub, `{"n":3}`) > 0 }, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, 1, bodyCount(sub, `{"n":1}`), "a 400 is not retried")

	last := mustCall(t, 200, "GET", h.management+"/topics/retry.client/subscriptions/s/undelivered/last", "")
	assert.Contains(t, last, `"status":"DISCARDED"`)
}

// Suspended subscriptions receive nothing until resumed, then what was
// published meanwhile. After a restart on the same data directory topics
// and subscriptions are there, and what was published while suspended is
// delivered on resume without redelivering what was delivered before.
func TestSuspendResumeAcrossRestart(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	h := startHermes(t, dataDir)
	sub, marker := newSubscriber(t), newSubscriber(t)
	createTopic(t, h, "pl.allegro.sr", "orders")
	createSubscription(t, h, "pl.allegro.sr.orders", "s", sub.URL, "")
	// A second subscription shows when a message has been delivered
	// wherever it is delivered at all.
	createSubscription(t, h, "pl.allegro.sr.orders", "marker", marker.URL, "")
	publish(t, h, "pl.allegro.sr.orders", `{"n":1}`)
	sub.waitFor(t, 1)
	marker.waitFor(t, 1)

	// The consumers log when a suspension has stopped a delivery.
	stopped := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool {
			count := 0
			for _, line := range strings.Split(h.log.String(), "\n") {
				if strings.Contains(line, "subscription suspended; delivery stopped") && strings.Contains(line, "pl.allegro.sr.orders$s") {
					count++
				}
			}
			return count >= n
		}, 30*time.Second, 20*time.Millisecond, "the consumer never stopped")
	}
	state := h.management + "/topics/pl.allegro.sr.orders/subscriptions/s/state"
	mustCall(t, 200, "PUT", state, `"SUSPENDED"`)
	assert.Equal(t, `"SUSPENDED"`, mustCall(t, 200, "GET", state, ""))
	stopped(1)
	publish(t, h, "pl.allegro.sr.orders", `{"n":2}`)
	marker.waitFor(t, 2)
	assert.Len(t, sub.requests(), 1, "suspended subscription gets nothing")

	mustCall(t, 200, "PUT", state, `"ACTIVE"`)
	got := sub.waitFor(t, 2)
	assert.Equal(t, `{"n":2}`, got[1].Body)

	mustCall(t, 200, "PUT", state, `"SUSPENDED"`)
	stopped(2)
	publish(t, h, "pl.allegro.sr.orders", `{"n":3}`)
	h.stop()

	h.start()
	state = h.management + "/topics/pl.allegro.sr.orders/subscriptions/s/state"
	assert.Contains(t, mustCall(t, 200, "GET", h.management+"/topics", ""), "pl.allegro.sr.orders")
	assert.Equal(t, `"SUSPENDED"`, mustCall(t, 200, "GET", state, ""))
	mustCall(t, 200, "PUT", state, `"ACTIVE"`)
	got = sub.waitFor(t, 3)
	assert.Equal(t, `{"n":3}`, got[2].Body)
	publish(t, h, "pl.allegro.sr.orders", `{"n":4}`)
	require.Eventually(t, func() bool { return bodyCount(sub, `{"n":4}`) > 0 }, 30*time.Second, 10*time.Millisecond)
	for _, n := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		assert.Equal(t, 1, bodyCount(sub, n), "nothing delivered before the restart is delivered again: %s", n)
	}
}
