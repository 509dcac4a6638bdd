package metadata

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// corrupted skips unless the harness can corrupt entries, and returns the
// store's ports.UnreadableMetadata.
func corrupted(t *testing.T, h Harness) ports.UnreadableMetadata {
	t.Helper()
	if h.Corrupt == nil {
		t.Skip("harness cannot corrupt entries (Harness.Corrupt)")
	}
	u, ok := h.Store.(ports.UnreadableMetadata)
	require.True(t, ok, "a store whose entries can be corrupted implements ports.UnreadableMetadata")
	return u
}

func unreadableNames(u ports.UnreadableMetadata, t *testing.T) []string {
	var names []string
	for _, e := range u.Unreadable(t.Context()) {
		names = append(names, e.Kind+" "+e.Name)
	}
	return names
}

// One subscription whose stored data is broken must not hide its healthy
// siblings (issue 15, defect 8: it stalled every subscription of its
// topic); it is reported, and a repair made outside the store is noticed
// and announced to watchers.
func testUnreadableIsolated(t *testing.T, h Harness) {
	u := corrupted(t, h)
	s, ctx := h.Store, t.Context()
	healthy := newSubscription(t, s)
	broken := domain.SubscriptionName{Topic: healthy.Topic, Name: unique("broken")}
	require.NoError(t, s.CreateSubscription(ctx, minimalSubscription(broken.Topic, broken.Name)))
	ch, err := s.Watch(ctx)
	require.NoError(t, err)

	repair := h.Corrupt(t, broken)
	_, err = s.Subscription(ctx, broken)
	require.ErrorIs(t, err, domain.ErrCorrupt)
	msg := domain.ErrorMessage(err)
	assert.Contains(t, msg, broken.Name, "the message names the entry")
	assert.NotContains(t, msg, "/", "the message holds no path: %s", msg)

	subs, err := s.Subscriptions(ctx, healthy.Topic)
	require.NoError(t, err, "one broken subscription does not fail the listing")
	names := make([]string, 0, len(subs))
	for _, sub := range subs {
		names = append(names, sub.Name)
	}
	assert.Equal(t, []string{healthy.Name}, names)
	_, err = s.Subscription(ctx, healthy)
	require.NoError(t, err)
	assert.Contains(t, unreadableNames(u, t), "subscription "+broken.String())

	repair()
	require.Eventually(t, func() bool {
		return !slices.Contains(unreadableNames(u, t), "subscription "+broken.String())
	}, waitFor, 20*time.Millisecond, "a repaired entry leaves the unreadable list")
	got, err := s.Subscription(ctx, broken)
	require.NoError(t, err)
	assert.Equal(t, broken.Name, got.Name)
	expectChanges(t, ch, ports.Change{Kind: ports.ChangeUpdated, Topic: broken.Topic, Subscription: broken.Name})
	subs, err = s.Subscriptions(ctx, healthy.Topic)
	require.NoError(t, err)
	assert.Len(t, subs, 2)
}

// An operator can delete a broken subscription, and it is no longer
// reported.
func testUnreadableDeleted(t *testing.T, h Harness) {
	u := corrupted(t, h)
	s, ctx := h.Store, t.Context()
	broken := newSubscription(t, s)
	h.Corrupt(t, broken)
	_, err := s.Subscription(ctx, broken)
	require.ErrorIs(t, err, domain.ErrCorrupt)
	require.NoError(t, s.DeleteSubscription(ctx, broken))
	_, err = s.Subscription(ctx, broken)
	require.ErrorIs(t, err, domain.ErrSubscriptionNotFound)
	for _, name := range unreadableNames(u, t) {
		assert.False(t, strings.HasSuffix(name, broken.String()), "deleted entry still reported: %s", name)
	}
}
