package fault

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/test/testenv"
)

// logBuffer collects log output from concurrent writers.
type logBuffer struct{ testenv.Output }

// Endpoints with credentials that fail in three ways: connection refused,
// a host that does not resolve, a URL that does not parse (stored behind
// the management's validation, as an older Hermes could have). Every
// attempt fails with a clear reason and is retried per the policy; an
// unusable address is logged once per subscription with its password
// masked; the password is in no log line, trace or undelivered reason.
func TestEndpointFailuresNeverShowCredentials(t *testing.T) {
	onBrokers(t, testEndpointFailuresNeverShowCredentials)
}

func testEndpointFailuresNeverShowCredentials(t *testing.T, s *stack) {
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	topic := s.topic("endpoints")
	const policy = `,"trackingMode":"trackingAll","subscriptionPolicy":{"messageTtl":1,"messageBackoff":100}`
	refused := s.subscribe(topic, "refused", "http://user:secret@127.0.0.1:1/", policy)
	unresolved := s.subscribe(topic, "unresolved", "http://user:secret@no-such-host.invalid/hook", policy)
	malformed := s.subscribe(topic, "malformed", "http://localhost/", policy)
	_, err := s.store.UpdateSubscription(t.Context(), malformed, func(sub domain.Subscription) (domain.Subscription, error) {
		sub.Endpoint = "http://user:secret@[::1/hook"
		return sub, nil
	})
	require.NoError(t, err)

	snd := sender.New(sender.Config{}, log)
	t.Cleanup(snd.Close)
	d := app.NewDeliverer(testDeliveryConfig(), s.store, s.admin, s.consumers, snd, s.metrics, s.tracker, s.undelivered, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	ids := s.publish(topic, nil, `{"n":1}`)

	var reasons []string
	for _, name := range []domain.SubscriptionName{refused, unresolved, malformed} {
		last := s.waitUndelivered(t, name)
		assert.Equal(t, ids[0], last.MessageID, name.String())
		reasons = append(reasons, last.Reason)
		assert.Greater(t, s.metrics.CounterValue("subscription.retries", labelsOf(name)), int64(0), "%s: retried per policy", name)
		_, sent, err := s.tracker.MessageTraces(t.Context(), name, ids[0])
		require.NoError(t, err)
		require.NotEmpty(t, sent)
		b, err := json.Marshal(sent)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "secret", "%s: traces", name)
	}
	cancel()
	<-done
	assert.Contains(t, reasons[1], "endpoint http://user:*****@no-such-host.invalid/hook cannot be resolved")
	assert.Contains(t, reasons[2], "endpoint http://user:*****@[::1/hook is not a valid http(s) address")
	for _, r := range reasons {
		assert.NotContains(t, r, "secret")
	}

	out := logs.String()
	assert.NotContains(t, out, "secret", "logs")
	for name, want := range map[domain.SubscriptionName]int{refused: 0, unresolved: 1, malformed: 1} {
		n := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "endpoint address is unusable") && strings.Contains(line, "subscription="+name.String()) {
				n++
				assert.Contains(t, line, "user:*****@")
			}
		}
		assert.Equal(t, want, n, "%s: logged once per subscription", name)
	}
}
