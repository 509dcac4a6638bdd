package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
)

var (
	orders   = domain.SubscriptionName{Topic: domain.TopicName{Group: "pl.shop", Name: "orders"}, Name: "hook"}
	otherSub = domain.SubscriptionName{Topic: orders.Topic, Name: "other"}
)

func sent(sub domain.SubscriptionName, id, status string, ts int64) domain.SentMessageTrace {
	return domain.SentMessageTrace{MessageID: id, Timestamp: ts, Subscription: sub.Name, TopicName: sub.Topic.String(), Status: status}
}

func TestTrackerMessageTraces(t *testing.T) {
	t.Parallel()
	tr := memory.NewTracker(0)
	ctx := t.Context()

	pub, snt, err := tr.MessageTraces(ctx, orders, "m1")
	require.NoError(t, err)
	assert.Empty(t, pub)
	assert.Empty(t, snt)

	p1 := domain.PublishedMessageTrace{MessageID: "m1", Timestamp: 1, TopicName: "pl.shop.orders", Status: domain.PublishInflight}
	p2 := p1
	p2.Timestamp, p2.Status = 2, domain.PublishSuccess
	tr.Published(p1)
	tr.Published(domain.PublishedMessageTrace{MessageID: "m1", TopicName: "pl.shop.other", Status: domain.PublishSuccess})
	tr.Published(p2)
	s1, s2 := sent(orders, "m1", domain.SentFailed, 3), sent(orders, "m1", domain.SentSuccess, 4)
	tr.Sent(s1)
	tr.Sent(sent(otherSub, "m1", domain.SentSuccess, 3))
	tr.Sent(sent(orders, "m2", domain.SentSuccess, 3))
	tr.Sent(s2)

	pub, snt, err = tr.MessageTraces(ctx, orders, "m1")
	require.NoError(t, err)
	assert.Equal(t, []domain.PublishedMessageTrace{p1, p2}, pub)
	assert.Equal(t, []domain.SentMessageTrace{s1, s2}, snt)
}

func TestTrackerKeepsNewest(t *testing.T) {
	t.Parallel()
	tr := memory.NewTracker(3)
	for i := range int64(5) {
		tr.Sent(sent(orders, "m", domain.SentDiscarded, i))
	}
	_, snt, err := tr.MessageTraces(t.Context(), orders, "m")
	require.NoError(t, err)
	require.Len(t, snt, 3)
	assert.Equal(t, []int64{2, 3, 4}, []int64{snt[0].Timestamp, snt[1].Timestamp, snt[2].Timestamp})
}

func TestTrackerUndelivered(t *testing.T) {
	t.Parallel()
	tr := memory.NewTracker(0)
	for i := range int64(4) {
		tr.Sent(sent(orders, "d", domain.SentDiscarded, i))
		tr.Sent(sent(orders, "s", domain.SentSuccess, i))
		tr.Sent(sent(otherSub, "o", domain.SentDiscarded, i))
	}
	got, err := tr.Undelivered(t.Context(), orders, 2)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []int64{3, 2}, []int64{got[0].Timestamp, got[1].Timestamp}, "newest first")
	assert.Equal(t, "d", got[0].MessageID)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = tr.Undelivered(ctx, orders, 2)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestUndeliveredLog(t *testing.T) {
	t.Parallel()
	l := memory.NewUndeliveredLog()
	_, err := l.Last(t.Context(), orders)
	require.ErrorIs(t, err, domain.ErrNotFound)

	newer := sent(orders, "m2", domain.SentDiscarded, 20)
	l.Add(sent(orders, "m1", domain.SentDiscarded, 10))
	l.Add(newer)
	l.Add(sent(orders, "m0", domain.SentDiscarded, 5))
	l.Add(sent(otherSub, "o", domain.SentDiscarded, 30))
	l.Add(domain.SentMessageTrace{TopicName: "no-dot", Subscription: "hook"})

	got, err := l.Last(t.Context(), orders)
	require.NoError(t, err)
	assert.Equal(t, newer, got)
}
