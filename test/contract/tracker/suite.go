// Package tracker is the contract suite of ports.Tracker together with
// ports.TraceRepository: every tracking adapter's contract_test.go calls Run.
package tracker

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Harness is what one test gets. Tests use unique topic and subscription
// names, so harnesses may share a backend.
type Harness struct {
	// Tracker records traces; Repository reads them back (usually the same
	// adapter).
	Tracker    ports.Tracker
	Repository ports.TraceRepository
	// Flush, when set, pushes what Tracker recorded so far towards the
	// store. Reads are polled for up to ReadTimeout either way, so an
	// eventually consistent store passes without it.
	Flush func(ctx context.Context) error
	// Unreachable returns an adapter pointed at a backend that cannot be
	// reached (e.g. 127.0.0.1:1). Required when Features.Backend.
	Unreachable func(t *testing.T) Unreachable
}

// Unreachable is an adapter whose backend is down.
type Unreachable struct {
	Tracker    DroppingTracker
	Repository ports.TraceRepository
}

// DroppingTracker is a Tracker with a bounded queue in front of a backend.
type DroppingTracker interface {
	ports.Tracker
	// Dropped counts traces lost (queue full, write failed, closed).
	Dropped() int64
	// Close flushes (bounded) and stops the tracker.
	Close() error
}

// Features are the capabilities an adapter claims.
type Features struct {
	// Backend: the adapter talks to an external store that can be down;
	// enables the tests that use Harness.Unreachable.
	Backend bool
}

// ReadTimeout is how long reads are polled for traces to appear.
const ReadTimeout = 15 * time.Second

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
		skip bool
	}{
		{"CancelledContext", testCancelledContext, false},
		{"UnknownMessage", testUnknownMessage, false},
		{"UnknownSubscriptionUndelivered", testUnknownUndelivered, false},
		{"BackendDownIsUnavailable", testBackendDown, !f.Backend},
		{"NeverBlocksWhenBackendDown", testNeverBlocks, !f.Backend},
		{"MessageTracesRoundTrip", testRoundTrip, false},
		{"UndeliveredNewestFirstLimited", testUndelivered, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("feature not claimed")
			}
			t.Parallel()
			tc.run(t, newHarness(t))
		})
	}
}

// runID keeps names unique across runs against a shared backend.
var (
	runID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	seq   atomic.Int64
)

func unique(prefix string) string { return fmt.Sprintf("%s%s%d", prefix, runID, seq.Add(1)) }

// newSubscription returns a subscription on a topic no other test uses.
func newSubscription() domain.SubscriptionName {
	return domain.SubscriptionName{Topic: domain.TopicName{Group: unique("g"), Name: unique("t")}, Name: unique("s")}
}

func ptr[T any](v T) *T { return &v }

// baseTime is a recent millisecond timestamp, so stores with retention keep
// the traces; each test offsets from it.
func baseTime() int64 { return time.Now().Add(-time.Hour).UnixMilli() }

func flush(t *testing.T, h Harness) {
	t.Helper()
	if h.Flush != nil {
		require.NoError(t, h.Flush(t.Context()))
	}
}

func testCancelledContext(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sub := newSubscription()
	_, _, err := h.Repository.MessageTraces(ctx, sub, "m")
	require.ErrorIs(t, err, context.Canceled)
	_, err = h.Repository.Undelivered(ctx, sub, 10)
	require.ErrorIs(t, err, context.Canceled)
}

func testUnknownMessage(t *testing.T, h Harness) {
	sub := newSubscription()
	h.Tracker.Published(domain.PublishedMessageTrace{MessageID: unique("m"), Timestamp: baseTime(), TopicName: sub.Topic.String(), Status: domain.PublishSuccess})
	flush(t, h)
	published, sent, err := h.Repository.MessageTraces(t.Context(), sub, unique("unknown"))
	require.NoError(t, err)
	assert.NotNil(t, published)
	assert.Empty(t, published)
	assert.NotNil(t, sent)
	assert.Empty(t, sent)
}

func testUnknownUndelivered(t *testing.T, h Harness) {
	got, err := h.Repository.Undelivered(t.Context(), newSubscription(), 10)
	require.NoError(t, err)
	assert.NotNil(t, got)
	assert.Empty(t, got)
}

func testBackendDown(t *testing.T, h Harness) {
	u := h.Unreachable(t)
	sub := newSubscription()
	_, _, err := u.Repository.MessageTraces(t.Context(), sub, "m")
	require.ErrorIs(t, err, domain.ErrUnavailable)
	_, err = u.Repository.Undelivered(t.Context(), sub, 10)
	require.ErrorIs(t, err, domain.ErrUnavailable)
}

// testNeverBlocks records far more traces than any queue holds while the
// backend is down: every call returns, and every trace is accounted for as
// dropped once the tracker is closed (nothing could be stored).
func testNeverBlocks(t *testing.T, h Harness) {
	const goroutines, perGoroutine = 4, 5000
	u := h.Unreachable(t)
	sub := newSubscription()
	ts := baseTime()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				id := fmt.Sprintf("m-%d-%d", g, i)
				if i%2 == 0 {
					u.Tracker.Published(domain.PublishedMessageTrace{MessageID: id, Timestamp: ts, TopicName: sub.Topic.String(), Status: domain.PublishInflight})
				} else {
					u.Tracker.Sent(domain.SentMessageTrace{MessageID: id, Timestamp: ts, TopicName: sub.Topic.String(), Subscription: sub.Name, Status: domain.SentInflight})
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, u.Tracker.Close())
	assert.Equal(t, int64(goroutines*perGoroutine), u.Tracker.Dropped())
	u.Tracker.Sent(domain.SentMessageTrace{MessageID: "after-close", Timestamp: ts, TopicName: sub.Topic.String(), Subscription: sub.Name, Status: domain.SentInflight})
	assert.Equal(t, int64(goroutines*perGoroutine+1), u.Tracker.Dropped(), "a trace after Close is dropped")
}

func testRoundTrip(t *testing.T, h Harness) {
	sub := newSubscription()
	topic := sub.Topic.String()
	otherTopic := newSubscription().Topic.String()
	id, ts := unique("m"), baseTime()
	published := []domain.PublishedMessageTrace{
		{MessageID: id, Timestamp: ts, TopicName: topic, Status: domain.PublishInflight, Cluster: "dc1", ExtraRequestHeaders: "x-a=1"},
		{MessageID: id, Timestamp: ts + 5, TopicName: topic, Status: domain.PublishSuccess, Cluster: "dc1", StorageDC: "dc1", Message: "stored"},
	}
	sent := []domain.SentMessageTrace{
		{MessageID: id, BatchID: "b1", Timestamp: ts + 10, Subscription: sub.Name, TopicName: topic, Status: domain.SentInflight, Partition: ptr[int32](2), Offset: ptr[int64](41), Cluster: "dc1"},
		{MessageID: id, Timestamp: ts + 20, Subscription: sub.Name, TopicName: topic, Status: domain.SentFailed, Reason: "Message sending failed with status code: 503", Partition: ptr[int32](2), Offset: ptr[int64](41), Cluster: "dc1"},
		{MessageID: id, Timestamp: ts + 30, Subscription: sub.Name, TopicName: topic, Status: domain.SentSuccess, Partition: ptr[int32](0), Offset: ptr[int64](0), Cluster: "dc2"},
		{MessageID: id, Timestamp: ts + 40, Subscription: sub.Name, TopicName: topic, Status: domain.SentDiscarded, Reason: "ttl exceeded", Message: `{"id":1}`},
	}
	// Recorded newest first, so the store must sort.
	for i := len(sent) - 1; i >= 0; i-- {
		h.Tracker.Sent(sent[i])
	}
	h.Tracker.Published(published[1])
	h.Tracker.Published(published[0])
	// Noise: same message id on another topic and another subscription,
	// same subscription name on another topic.
	h.Tracker.Published(domain.PublishedMessageTrace{MessageID: id, Timestamp: ts + 1, TopicName: otherTopic, Status: domain.PublishSuccess})
	h.Tracker.Sent(domain.SentMessageTrace{MessageID: id, Timestamp: ts + 11, Subscription: unique("s"), TopicName: topic, Status: domain.SentSuccess})
	h.Tracker.Sent(domain.SentMessageTrace{MessageID: id, Timestamp: ts + 12, Subscription: sub.Name, TopicName: otherTopic, Status: domain.SentSuccess})
	flush(t, h)

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		gotPublished, gotSent, err := h.Repository.MessageTraces(t.Context(), sub, id)
		if assert.NoError(c, err) {
			assert.Equal(c, published, gotPublished)
			assert.Equal(c, sent, gotSent)
		}
	}, ReadTimeout, 50*time.Millisecond)
}

func testUndelivered(t *testing.T, h Harness) {
	sub := newSubscription()
	topic := sub.Topic.String()
	ts := baseTime()
	var discarded []domain.SentMessageTrace // oldest first
	for i := range 5 {
		d := domain.SentMessageTrace{MessageID: unique("m"), Timestamp: ts + int64(i)*100, Subscription: sub.Name, TopicName: topic, Status: domain.SentDiscarded, Reason: fmt.Sprintf("reason %d", i), Partition: ptr(int32(i)), Offset: ptr(int64(i * 10))}
		discarded = append(discarded, d)
	}
	for _, i := range []int{2, 0, 4, 1, 3} {
		h.Tracker.Sent(discarded[i])
	}
	h.Tracker.Sent(domain.SentMessageTrace{MessageID: unique("m"), Timestamp: ts + 1000, Subscription: sub.Name, TopicName: topic, Status: domain.SentFailed})
	h.Tracker.Sent(domain.SentMessageTrace{MessageID: unique("m"), Timestamp: ts + 1000, Subscription: unique("s"), TopicName: topic, Status: domain.SentDiscarded})
	flush(t, h)

	newest := []domain.SentMessageTrace{discarded[4], discarded[3], discarded[2], discarded[1], discarded[0]}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := h.Repository.Undelivered(t.Context(), sub, 10)
		if assert.NoError(c, err) {
			assert.Equal(c, newest, got)
		}
	}, ReadTimeout, 50*time.Millisecond)
	got, err := h.Repository.Undelivered(t.Context(), sub, 3)
	require.NoError(t, err)
	assert.Equal(t, newest[:3], got)
}
