package fault

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
)

// One dead subscriber (connection refused) and one healthy one on the same
// topic: the healthy one gets everything while the dead one's output rate
// falls to heartbeat mode.
func TestDeadSubscriberDoesNotDelayHealthyOne(t *testing.T) {
	onBrokers(t, testDeadSubscriberDoesNotDelayHealthyOne)
}

func testDeadSubscriberDoesNotDelayHealthyOne(t *testing.T, s *stack) {
	healthy := okSubscriber(t)
	topic := s.topic("isolation")
	dead := s.subscribe(topic, "dead", deadEndpoint(t), `,"subscriptionPolicy":{"messageBackoff":10}`)
	alive := s.subscribe(topic, "alive", healthy.URL, "")
	cfg := testDeliveryConfig()
	cfg.RateSupervisorPeriod = 100 * time.Millisecond
	cfg.Rate = domain.DefaultRateSettings()
	cfg.Rate.SlowModeDelay = 50 * time.Millisecond
	s.startDeliverer(cfg)

	var bodies []string
	for i := range 50 {
		bodies = append(bodies, `{"i":`+strconv.Itoa(i)+`}`)
	}
	s.publish(topic, nil, bodies...)
	healthy.waitFor(t, 50)

	heartbeat := cfg.Rate.HeartbeatRate()
	require.Eventually(t, func() bool {
		r, ok := s.metrics.GaugeValue("subscription.output-rate", labelsOf(dead))
		return ok && r == heartbeat
	}, 20*time.Second, 10*time.Millisecond, "dead subscriber in heartbeat mode")
	s.publish(topic, nil, bodies[:20]...)
	healthy.waitFor(t, 70)
	assert.Len(t, healthy.requests(), 70, "each message delivered once")
	r, _ := s.metrics.GaugeValue("subscription.output-rate", labelsOf(alive))
	assert.Greater(t, r, cfg.Rate.SlowRate(), "the healthy subscription keeps its own rate")
	assert.Zero(t, s.metrics.CounterValue("subscription.retries", labelsOf(alive)))
}

// A second "marker" subscription on the topic shows when what was
// published has been delivered wherever it is delivered at all.
func TestSuspendResumeKeepsPositionAndDeleteRemovesGroup(t *testing.T) {
	onBrokers(t, testSuspendResumeKeepsPositionAndDeleteRemovesGroup)
}

func testSuspendResumeKeepsPositionAndDeleteRemovesGroup(t *testing.T, s *stack) {
	sub, marker := okSubscriber(t), okSubscriber(t)
	topic := s.topic("lifecycle")
	name := s.subscribe(topic, "s", sub.URL, "")
	s.subscribe(topic, "marker", marker.URL, "")
	s.startDeliverer(testDeliveryConfig())
	ctx := t.Context()

	s.publish(topic, nil, `"m1"`)
	sub.waitFor(t, 1)
	// Committed before suspending: a delivery the suspension cancels in
	// flight (the subscriber got it, its answer was not yet handled) is
	// rightly delivered again on resume, which a loaded machine did.
	s.waitLag(t, name, 0)
	require.NoError(t, s.mgmt.SetSubscriptionState(ctx, topic.Name, "s", domain.StateSuspended))
	require.Eventually(t, func() bool { return s.groupMembers(t, name) == 0 }, 20*time.Second, 20*time.Millisecond, "suspended: consumer left")
	s.publish(topic, nil, `"m2"`, `"m3"`)
	marker.waitFor(t, 3)
	assert.Equal(t, []string{`"m1"`}, sub.bodies(), "nothing delivered while suspended")

	require.NoError(t, s.mgmt.SetSubscriptionState(ctx, topic.Name, "s", domain.StateActive))
	sub.waitFor(t, 3)
	assert.ElementsMatch(t, []string{`"m1"`, `"m2"`, `"m3"`}, sub.bodies(), "resumed at the committed position (inflightSize 100 may reorder, as Hermes)")

	require.NoError(t, s.mgmt.DeleteSubscription(ctx, topic.Name, "s"))
	require.Eventually(t, func() bool { return !s.groupExists(t, name) }, 20*time.Second, 20*time.Millisecond, "consumer group removed")
	assert.Len(t, s.logs.find("level=INFO", "subscription suspended", name.String()), 1, "suspension is logged")
	assert.Eventually(t, func() bool { return len(s.logs.find("level=INFO", "subscription removed", name.String())) == 1 },
		20*time.Second, 20*time.Millisecond, "removal is logged")
	s.publish(topic, nil, `"m4"`)
	marker.waitFor(t, 4)
	assert.Len(t, sub.requests(), 3, "a deleted subscription gets nothing")
}

func TestRetransmission(t *testing.T) { onBrokers(t, testRetransmission) }

func testRetransmission(t *testing.T, s *stack) {
	sub, marker := okSubscriber(t), okSubscriber(t)
	topic := s.topic("retransmit")
	s.subscribe(topic, "s", sub.URL, "")
	s.subscribe(topic, "marker", marker.URL, "")
	s.startDeliverer(testDeliveryConfig())
	ctx := t.Context()

	s.publish(topic, nil, `"m1"`, `"m2"`)
	from := nextMillisecond(time.Now()) // after m2's timestamp, before m3's
	nextMillisecond(from)
	s.publish(topic, nil, `"m3"`, `"m4"`, `"m5"`)
	sub.waitFor(t, 5)

	dry, err := s.mgmt.Retransmit(ctx, topic.Name, "s", from, true)
	require.NoError(t, err)
	offsets := dry[s.kc.ClusterName]
	require.NotEmpty(t, offsets)
	moved := 0
	for _, o := range offsets {
		if o.Offset == 2 {
			moved++
		}
	}
	assert.Equal(t, 1, moved, "the partition holding the messages moves back to m3: %v", offsets)
	s.publish(topic, nil, `"after-dry-run"`)
	marker.waitFor(t, 6)
	sub.waitFor(t, 6)
	assert.Len(t, sub.requests(), 6, "a dry run moves nothing")
	got, err := s.mgmt.GetSubscription(ctx, topic.Name, "s")
	require.NoError(t, err)
	assert.Equal(t, domain.StateActive, got.State)

	_, err = s.mgmt.Retransmit(ctx, topic.Name, "s", from, false)
	require.NoError(t, err)
	sub.waitFor(t, 10)
	bodies := sub.bodies()
	for body, want := range map[string]int{`"m1"`: 1, `"m2"`: 1, `"m3"`: 2, `"m4"`: 2, `"m5"`: 2, `"after-dry-run"`: 2} {
		assert.Equal(t, want, countOf(bodies, body), body)
	}
}

func TestRetransmissionRefusedWhilePending(t *testing.T) {
	onBrokers(t, testRetransmissionRefusedWhilePending)
}

func testRetransmissionRefusedWhilePending(t *testing.T, s *stack) {
	topic := s.topic("pending")
	s.subscribe(topic, "s", okSubscriber(t).URL, "")
	_, err := s.mgmt.Retransmit(t.Context(), topic.Name, "s", time.Now(), false)
	assert.ErrorIs(t, err, domain.ErrRetransmission)
}

func (s *stack) kadm(t *testing.T) *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.kc.Brokers...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func (s *stack) groupMembers(t *testing.T, n domain.SubscriptionName) int {
	d, err := s.kadm(t).DescribeGroups(t.Context(), domain.ConsumerGroupID(s.kc.Namespace, n))
	require.NoError(t, err)
	return len(d[domain.ConsumerGroupID(s.kc.Namespace, n)].Members)
}

func (s *stack) groupExists(t *testing.T, n domain.SubscriptionName) bool {
	l, err := s.kadm(t).ListGroups(t.Context())
	require.NoError(t, err)
	_, ok := l[domain.ConsumerGroupID(s.kc.Namespace, n)]
	return ok
}

// nextMillisecond waits until the clock is in a later millisecond than t
// (retransmission finds offsets by millisecond timestamps) and returns the
// time then.
func nextMillisecond(t time.Time) time.Time {
	for {
		if now := time.Now(); now.UnixMilli() > t.UnixMilli() {
			return now
		}
		runtime.Gosched()
	}
}
