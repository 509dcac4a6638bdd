package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchItem is one item of a Hermes batch body.
type batchItem struct {
	Message  json.RawMessage `json:"message"`
	Metadata struct {
		ID               string            `json:"id"`
		Timestamp        int64             `json:"timestamp"`
		ExternalMetadata map[string]string `json:"externalMetadata"`
	} `json:"metadata"`
}

func decodeBatch(t *testing.T, body string) []batchItem {
	t.Helper()
	var items []batchItem
	require.NoError(t, json.Unmarshal([]byte(body), &items), body)
	return items
}

const batchPolicy = `, "deliveryType": "BATCH", "subscriptionPolicy": {"batchSize": %d, "batchTime": %d, "batchVolume": %d, "requestTimeout": %d, "messageBackoff": 100, "messageTtl": 60}`

func batchSubscription(size, timeMillis, volume, requestTimeout int) string {
	return fmt.Sprintf(batchPolicy, size, timeMillis, volume, requestTimeout)
}

// BatchDeliveryTest#shouldDeliverMessagesInBatch: each item carries the
// message and its metadata (the id the publisher got, the publishing
// timestamp).
func TestBatchItemsCarryMessageAndMetadata(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true", "HERMES_MESSAGE_STORE__PARTITIONS=1")
	sub := newSubscriber(t)
	createTopic(t, h, "batches", "items")
	createSubscription(t, h, "batches.items", "s", sub.URL, batchSubscription(2, 1<<30, 1024, 1000))
	before := time.Now().UnixMilli()
	ids := []string{publish(t, h, "batches.items", `{"n":1}`), publish(t, h, "batches.items", `{"n":2}`)}

	got := sub.waitFor(t, 1)
	items := decodeBatch(t, got[0].Body)
	require.Len(t, items, 2, got[0].Body)
	for i, want := range []string{`{"n":1}`, `{"n":2}`} {
		assert.JSONEq(t, want, string(items[i].Message))
		assert.Equal(t, ids[i], items[i].Metadata.ID)
		assert.GreaterOrEqual(t, items[i].Metadata.Timestamp, before)
		assert.NotNil(t, items[i].Metadata.ExternalMetadata)
	}
}

// BatchDeliveryTest#shouldDeliverBatchInGivenVolume: a batchVolume that
// holds one wrapped message only sends a batch of one, without waiting
// for batchSize or batchTime.
func TestBatchVolumeForOneMessageSendsIt(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true", "HERMES_MESSAGE_STORE__PARTITIONS=1")
	sub := newSubscriber(t)
	createTopic(t, h, "batches", "volume")
	createSubscription(t, h, "batches.volume", "s", sub.URL, batchSubscription(100, 1<<30, 150, 1000))
	publish(t, h, "batches.volume", `{"hello":"world"}`)
	publish(t, h, "batches.volume", `{"hello":"world"}`)

	got := sub.waitFor(t, 1)
	items := decodeBatch(t, got[0].Body)
	require.Len(t, items, 1, got[0].Body)
	assert.JSONEq(t, `{"hello":"world"}`, string(items[0].Message))
}

// slowBodySubscriber answers its first request with the status and
// headers at once and then a body trickled a byte every 100 ms that never
// ends (until the sender gives up); later requests get 200 at once.
type slowBodySubscriber struct {
	*httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newSlowBodySubscriber(t *testing.T) *slowBodySubscriber {
	s := &slowBodySubscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.Header.Clone())
		first := len(s.got) == 1
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		if !first {
			return
		}
		w.(http.Flusher).Flush()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				if _, err := w.Write([]byte(".")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *slowBodySubscriber) requests() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.got...)
}

// BatchDeliveryTest#shouldTimeoutRequestToSlowlyRespondingClient, for
// batch and serial subscriptions: requestTimeout covers the response body,
// so a subscriber trickling its body (each chunk well within the socket
// timeout) times out and the message is retried with Hermes-Retry-Count 1.
func TestRequestTimeoutCoversSlowResponseBody(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "slow", "body")
	for name, extra := range map[string]string{
		"batch":  batchSubscription(1, 1, 1024, 1000),
		"serial": `, "subscriptionPolicy": {"requestTimeout": 1000, "socketTimeout": 10000, "messageBackoff": 100, "messageTtl": 60}`,
	} {
		t.Run(name, func(t *testing.T) {
			sub := newSlowBodySubscriber(t)
			createSubscription(t, h, "slow.body", name, sub.URL, extra)
			publish(t, h, "slow.body", `{"hello":"world"}`)
			require.Eventually(t, func() bool { return len(sub.requests()) >= 2 }, 30*time.Second, 20*time.Millisecond,
				"the trickled response was not timed out and retried")
			got := sub.requests()
			assert.Equal(t, "0", got[0].Get("Hermes-Retry-Count"))
			assert.Equal(t, "1", got[1].Get("Hermes-Retry-Count"))
		})
	}
}
