package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// addressBook answers each address with its scripted statuses in turn
// (200 once they run out) and records every send.
type addressBook struct {
	mu      sync.Mutex
	script  map[string][]int
	sends   []string // "address retry-count"
	headers []map[string]string
}

func (a *addressBook) Send(_ context.Context, req ports.SendRequest) domain.SendResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sends = append(a.sends, req.Endpoint+" "+req.Headers[headerRetryCount])
	a.headers = append(a.headers, req.Headers)
	status := 200
	if s := a.script[req.Endpoint]; len(s) > 0 {
		status, a.script[req.Endpoint] = s[0], s[1:]
	}
	return domain.SendResult{StatusCode: status}
}

// sentTo lists the retry counts each address got, in order.
func (a *addressBook) sentTo() map[string][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string][]string{}
	for _, s := range a.sends {
		addr, retry, _ := strings.Cut(s, " ")
		out[addr] = append(out[addr], retry)
	}
	return out
}

// deliverBroadcast runs a BROADCAST subscription to endpoint over one
// message with body, read age ago, until the test ends.
func deliverBroadcast(t *testing.T, endpoint, body string, age time.Duration, sender ports.Sender, retryClientErrors bool) (*memory.Metrics, *memory.UndeliveredLog) {
	msgs := []ports.ReceivedMessage{{Message: domain.Message{ID: "m1", Body: []byte(body)}, ReadAt: time.Now().Add(-age)}}
	m, undelivered := memory.NewMetrics(), memory.NewUndeliveredLog()
	d := NewDeliverer(DeliveryConfig{}, nil, fakeLag{}, &onePoll{msgs: msgs}, sender, m,
		memory.NewTracker(10), undelivered, slog.New(slog.DiscardHandler))
	serial := domain.DefaultSubscriptionPolicy()
	serial.MessageBackoff = 1
	serial.RetryClientErrors = retryClientErrors
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: endpoint, Mode: domain.ModeBroadcast, Serial: &serial}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.consume(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}) }()
	t.Cleanup(func() { cancel(); <-done })
	return m, undelivered
}

// finished waits until the message was delivered or discarded, and
// returns which.
func finished(t *testing.T, m *memory.Metrics) (delivered, discarded int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		return m.CounterValue("subscription.delivered", deliveredLabels)+m.CounterValue("subscription.discarded", deliveredLabels) > 0
	}, 10*time.Second, 5*time.Millisecond)
	return m.CounterValue("subscription.delivered", deliveredLabels), m.CounterValue("subscription.discarded", deliveredLabels)
}

// Every address gets the message once; it is one delivery and one
// attempt in the metrics (Hermes's BroadcastDeliveryTest, all services).
func TestBroadcastSendsToEveryAddress(t *testing.T) {
	t.Parallel()
	book := &addressBook{}
	m, _ := deliverBroadcast(t, "http://a/x;http://b/y;http://c/z", `{}`, 0, book, false)

	delivered, discarded := finished(t, m)
	assert.Equal(t, int64(1), delivered)
	assert.Zero(t, discarded)
	assert.Equal(t, map[string][]string{"http://a/x": {"0"}, "http://b/y": {"0"}, "http://c/z": {"0"}}, book.sentTo())
	assert.Equal(t, int64(1), m.CounterValue("subscription.http-status-codes.2xx", deliveredLabels), "one attempt")
	book.mu.Lock()
	defer book.mu.Unlock()
	book.headers[0]["X-Changed"] = "by one sender"
	assert.NotContains(t, book.headers[1], "X-Changed", "each address has its own headers")
}

// Only the address that failed is sent to again, with the retry count
// of its second attempt (Hermes: shouldPublishAndRetryOnlyForUndeliveredConsumers).
func TestBroadcastRetriesOnlyFailedAddresses(t *testing.T) {
	t.Parallel()
	book := &addressBook{script: map[string][]int{"http://c/z": {503, 500}}}
	m, _ := deliverBroadcast(t, "http://a/x;http://b/y;http://c/z", `{}`, 0, book, false)

	delivered, _ := finished(t, m)
	assert.Equal(t, int64(1), delivered)
	assert.Equal(t, map[string][]string{"http://a/x": {"0"}, "http://b/y": {"0"}, "http://c/z": {"0", "1", "2"}}, book.sentTo())
	assert.Equal(t, int64(2), m.CounterValue("subscription.retries", deliveredLabels))
	assert.Equal(t, int64(2), m.CounterValue("subscription.http-status-codes.5xx", deliveredLabels), "a failed attempt counts its failure's status")
}

// A 4xx from one address, the others taking the message, discards it
// without a retry (Hermes: shouldNotRetryForBadRequestsFromConsumers).
func TestBroadcastClientErrorDiscards(t *testing.T) {
	t.Parallel()
	book := &addressBook{script: map[string][]int{"http://b/y": {400}}}
	m, undelivered := deliverBroadcast(t, "http://a/x;http://b/y", `{}`, 0, book, false)

	delivered, discarded := finished(t, m)
	assert.Zero(t, delivered)
	assert.Equal(t, int64(1), discarded)
	assert.Equal(t, map[string][]string{"http://a/x": {"0"}, "http://b/y": {"0"}}, book.sentTo())
	assert.Equal(t, int64(1), m.CounterValue("subscription.http-status-codes.4xx", deliveredLabels))
	trace, err := undelivered.Last(t.Context(), domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s"})
	require.NoError(t, err)
	assert.Contains(t, trace.Reason, "http://b/y")
	assert.NotContains(t, trace.Reason, "http://a/x", "the reason names the failed address")
}

// A 4xx beside a 5xx is retried, but the 4xx address is not sent to
// again: it is finished as Hermes finishes it.
func TestBroadcastClientErrorBesideServerErrorRetriesTheServerError(t *testing.T) {
	t.Parallel()
	book := &addressBook{script: map[string][]int{"http://a/x": {400}, "http://b/y": {500}}}
	m, _ := deliverBroadcast(t, "http://a/x;http://b/y;http://c/z", `{}`, 0, book, false)

	delivered, _ := finished(t, m)
	assert.Equal(t, int64(1), delivered)
	assert.Equal(t, map[string][]string{"http://a/x": {"0"}, "http://b/y": {"0", "1"}, "http://c/z": {"0"}}, book.sentTo())
	assert.Equal(t, int64(1), m.CounterValue("subscription.http-status-codes.5xx", deliveredLabels), "the failed attempt's highest status")
}

// With retryClientErrors a 4xx address is retried like a 5xx.
func TestBroadcastRetriesClientErrorsWhenAsked(t *testing.T) {
	t.Parallel()
	book := &addressBook{script: map[string][]int{"http://b/y": {400}}}
	m, _ := deliverBroadcast(t, "http://a/x;http://b/y", `{}`, 0, book, true)

	delivered, _ := finished(t, m)
	assert.Equal(t, int64(1), delivered)
	assert.Equal(t, map[string][]string{"http://a/x": {"0"}, "http://b/y": {"0", "1"}}, book.sentTo())
}

// Each address is a URI template of its own, filled from the body, and
// the first address's credentials go to every address.
func TestBroadcastAddressesAreTemplatesWithTheFirstsCredentials(t *testing.T) {
	t.Parallel()
	book := &addressBook{}
	m, _ := deliverBroadcast(t, "http://u:pw@a/{id};http://b/{id}/x", `{"id":"7"}`, 0, book, false)

	delivered, _ := finished(t, m)
	assert.Equal(t, int64(1), delivered)
	assert.Equal(t, map[string][]string{"http://u:pw@a/7": {"0"}, "http://u:pw@b/7/x": {"0"}}, book.sentTo())
}

// An address whose variable is missing fails every attempt: the message
// is discarded once messageTtl passes, and no address gets it.
func TestBroadcastUnresolvableAddressFailsTheAttempt(t *testing.T) {
	t.Parallel()
	book := &addressBook{}
	// Read an hour ago: messageTtl (3600 s) has passed at the first failure.
	m, _ := deliverBroadcast(t, "http://a/{id};http://b/{missing}", `{"id":"7"}`, time.Hour, book, false)

	_, discarded := finished(t, m)
	assert.Equal(t, int64(1), discarded)
	assert.Empty(t, book.sentTo())
}
