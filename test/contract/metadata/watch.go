package metadata

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// waitFor is the generous deadline for asynchronous deliveries.
const waitFor = 10 * time.Second

// expectChanges reads ch until each of want arrived in order, skipping
// changes of other tests (a shared backend) but failing on a ChangeResync.
func expectChanges(t *testing.T, ch <-chan ports.Change, want ...ports.Change) {
	t.Helper()
	deadline := time.After(waitFor)
	for len(want) > 0 {
		select {
		case c, ok := <-ch:
			require.True(t, ok, "watch closed while waiting for %+v", want[0])
			require.NotEqual(t, ports.ChangeResync, c.Kind, "unexpected resync")
			if c == want[0] {
				want = want[1:]
			}
		case <-deadline:
			require.Failf(t, "changes missing", "%+v", want)
		}
	}
}

func testWatch(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	ch, err := s.Watch(ctx)
	require.NoError(t, err)
	group := unique("w.g-")
	topic := domain.TopicName{Group: group, Name: "t"}
	sub := domain.SubscriptionName{Topic: topic, Name: "s"}
	topicChange := func(k ports.ChangeKind) ports.Change { return ports.Change{Kind: k, Topic: topic} }
	subChange := func(k ports.ChangeKind) ports.Change { return ports.Change{Kind: k, Topic: topic, Subscription: "s"} }

	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: group}))
	require.NoError(t, s.CreateTopic(ctx, minimalTopic(topic)))
	_, err = s.UpdateTopic(ctx, topic, func(t domain.Topic) (domain.Topic, error) { return t, nil })
	require.NoError(t, err)
	require.NoError(t, s.CreateSubscription(ctx, minimalSubscription(topic, sub.Name)))
	_, err = s.UpdateSubscription(ctx, sub, func(s domain.Subscription) (domain.Subscription, error) { return s, nil })
	require.NoError(t, err)
	require.NoError(t, s.DeleteSubscription(ctx, sub))
	require.NoError(t, s.DeleteTopic(ctx, topic))
	require.NoError(t, s.DeleteGroup(ctx, group))

	expectChanges(t, ch,
		ports.Change{Kind: ports.ChangeCreated, Group: group},
		topicChange(ports.ChangeCreated),
		topicChange(ports.ChangeUpdated),
		subChange(ports.ChangeCreated),
		subChange(ports.ChangeUpdated),
		subChange(ports.ChangeDeleted),
		topicChange(ports.ChangeDeleted),
		ports.Change{Kind: ports.ChangeDeleted, Group: group},
	)
}

// drainUntilClosed reads ch until it is closed and returns how many
// changes it read.
func drainUntilClosed(t *testing.T, ch <-chan ports.Change) int {
	t.Helper()
	deadline := time.After(waitFor)
	for n := 0; ; n++ {
		select {
		case _, ok := <-ch:
			if !ok {
				return n
			}
		case <-deadline:
			require.FailNow(t, "watch channel not closed after cancel")
		}
	}
}

func testWatchCloses(t *testing.T, h Harness) {
	s := h.Store
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := s.Watch(ctx)
	require.NoError(t, err)
	idle, err := s.Watch(ctx)
	require.NoError(t, err)
	group := newGroup(t, s, "wc")
	expectChanges(t, ch, ports.Change{Kind: ports.ChangeCreated, Group: group})

	cancel()
	drainUntilClosed(t, ch)
	drainUntilClosed(t, idle)
	require.NoError(t, s.CreateGroup(t.Context(), domain.Group{GroupName: unique("wc")}), "changes after a watcher left")
}

// testWatchOverflow lets a watcher fall behind by more than buffer changes:
// it must get a ChangeResync after fewer changes than were made, then
// ordinary changes again.
func testWatchOverflow(t *testing.T, h Harness, buffer int) {
	s, ctx := h.Store, t.Context()
	topic := newTopic(t, s)
	ch, err := s.Watch(ctx)
	require.NoError(t, err)
	made := buffer + 20
	for range made {
		_, err := s.UpdateTopic(ctx, topic, func(t domain.Topic) (domain.Topic, error) { return t, nil })
		require.NoError(t, err)
	}

	before := 0
	deadline := time.After(waitFor)
	for resynced := false; !resynced; {
		select {
		case c, ok := <-ch:
			require.True(t, ok, "watch closed")
			resynced = c.Kind == ports.ChangeResync
			if !resynced {
				before++
			}
		case <-deadline:
			require.FailNow(t, "no resync", "after %d changes", before)
		}
	}
	assert.Less(t, before, made, "changes were coalesced")

	group := newGroup(t, s, "after-resync")
	expectChanges(t, ch, ports.Change{Kind: ports.ChangeCreated, Group: group})
}

func testWatchOther(t *testing.T, h Harness) {
	ch, err := h.Store.Watch(t.Context())
	require.NoError(t, err)
	other := h.Other(t)
	sub := newSubscription(t, other)
	expectChanges(t, ch,
		ports.Change{Kind: ports.ChangeCreated, Group: sub.Topic.Group},
		ports.Change{Kind: ports.ChangeCreated, Topic: sub.Topic},
		ports.Change{Kind: ports.ChangeCreated, Topic: sub.Topic, Subscription: sub.Name},
	)
}
