package app

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// forbiddenSender refuses every send as the SSRF guard does at dial time.
type forbiddenSender struct{}

func (forbiddenSender) Send(context.Context, ports.SendRequest) domain.SendResult {
	return domain.SendResult{Err: fmt.Errorf("%w: 127.0.0.1 is in the deny list", domain.ErrEndpointForbidden)}
}

// A send the guard refused is a failed attempt, counted as such and as a
// guard refusal, and retried per the policy.
func TestGuardRefusalIsCountedAndRetried(t *testing.T) {
	t.Parallel()
	m := memory.NewMetrics()
	msgs := []ports.ReceivedMessage{{Message: domain.Message{ID: "a", Body: []byte(`{}`)}, ReadAt: time.Now()}}
	d := NewDeliverer(DeliveryConfig{}, nil, fakeLag{}, &onePoll{msgs: msgs}, forbiddenSender{}, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	sub := domain.NewSubscription()
	sub.Name, sub.TopicName, sub.Endpoint = "s", "g.t", "http://localhost:1/"
	sub.Serial.MessageBackoff = 1
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.consume(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}) }()
	t.Cleanup(func() { cancel(); <-done })

	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	require.Eventually(t, func() bool { return m.CounterValue(EndpointGuardRefusalsMetric, labels) >= 2 }, 10*time.Second, 5*time.Millisecond,
		"refused, then retried and refused again")
	require.GreaterOrEqual(t, m.CounterValue("subscription.other-errors", labels), int64(2))
	require.Zero(t, m.CounterValue("subscription.delivered", labels))
}
