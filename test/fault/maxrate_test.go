package fault

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
)

// startSharingDeliverer runs a Deliverer that shares max rates through
// registry as instance id, until the returned stop is called.
func (s *stack) startSharingDeliverer(cfg app.DeliveryConfig, registry *memory.MaxRateRegistry, id string) (stop func()) {
	d := app.NewDeliverer(cfg, s.store, s.admin, s.consumers, s.sender, s.metrics, s.tracker, s.undelivered, s.log.With("instance", id))
	d.ShareMaxRate(registry, id)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	s.t.Cleanup(stop)
	return stop
}

// Two consumer instances serve one subscription; all messages sit on one
// partition, so one instance is busy and the other idle. Their maxes add
// up to the subscription's rate and move to the busy instance; when it
// stops, the other gets the whole rate.
func TestMaxRateSharedBetweenInstances(t *testing.T) { onBrokers(t, testMaxRateSharedBetweenInstances) }

func testMaxRateSharedBetweenInstances(t *testing.T, s *stack) {
	sub := okSubscriber(t)
	topic := s.topic("maxrate")
	const rate = 40.0
	name := s.subscribe(topic, "s", sub.URL, fmt.Sprintf(`,"subscriptionPolicy":{"rate":%d}`, int(rate)))
	// One key, so one partition and one busy instance. Publishing runs
	// beside delivery (each publish waits for its ack) and keeps the
	// busy instance's backlog ahead of the rate.
	pctx, stopPublishing := context.WithCancel(context.Background())
	var publishers sync.WaitGroup
	t.Cleanup(func() { stopPublishing(); publishers.Wait() })
	for p := range 8 {
		publishers.Go(func() {
			for i := 0; i < 100 && pctx.Err() == nil; i++ {
				_ = s.producer.Produce(pctx, topic, domain.Message{ID: fmt.Sprintf("p%d-%d", p, i), Timestamp: time.Now(), Key: []byte("k"), Body: []byte(`{}`)})
			}
		})
	}

	cfg := testDeliveryConfig()
	cfg.RateSupervisorPeriod = 100 * time.Millisecond
	cfg.MaxRate = app.MaxRateConfig{UpdateInterval: 200 * time.Millisecond, BalanceInterval: 400 * time.Millisecond}
	registry := memory.NewMaxRateRegistry()
	stops := map[string]func(){
		"c1": s.startSharingDeliverer(cfg, registry, "c1"),
		"c2": s.startSharingDeliverer(cfg, registry, "c2"),
	}

	var busy, idle domain.InstanceRate
	require.Eventually(t, func() bool {
		in, err := registry.Instances(t.Context(), name)
		if err != nil || len(in) != 2 || len(in[0].History) == 0 || len(in[1].History) == 0 {
			return false
		}
		busy, idle = in[0], in[1]
		if idle.History[0] > busy.History[0] {
			busy, idle = idle, busy
		}
		return idle.MaxRate >= domain.DefaultMaxRateSettings().MinMaxRate && math.Abs(busy.MaxRate+idle.MaxRate-rate) <= 1 &&
			busy.MaxRate >= 0.75*rate && busy.History[0] > 0.9 && idle.History[0] < 0.5
	}, 30*time.Second, 50*time.Millisecond, "maxes %+v and %+v", busy, idle)

	stops[busy.ConsumerID]()
	require.Eventually(t, func() bool {
		in, err := registry.Instances(t.Context(), name)
		return err == nil && len(in) == 1 && in[0].ConsumerID == idle.ConsumerID && math.Abs(in[0].MaxRate-rate) < 1e-9
	}, 30*time.Second, 50*time.Millisecond, "the instance left gets the whole rate")
	n := len(sub.requests())
	sub.waitFor(t, n+5)
}
