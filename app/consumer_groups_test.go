package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakeGroupAdmin struct {
	ports.MessageStoreAdmin
	groups map[string]ports.ConsumerGroup
}

func (f fakeGroupAdmin) ConsumerGroup(_ context.Context, _ domain.Topic, n domain.SubscriptionName) (ports.ConsumerGroup, bool, error) {
	g, ok := f.groups[n.String()]
	return g, ok, nil
}

func TestDescribeConsumerGroups(t *testing.T) {
	t.Parallel()
	admin := fakeGroupAdmin{groups: map[string]ports.ConsumerGroup{"g.alpha$s1": {GroupID: "g.alpha_s1", State: "Stable"}}}
	d := NewDescribeConsumerGroups(queryFixture(t), admin)
	groups, err := d.ConsumerGroups(t.Context(), "g.alpha", "s1")
	require.NoError(t, err)
	assert.Equal(t, []ports.ConsumerGroup{{GroupID: "g.alpha_s1", State: "Stable"}}, groups)
	groups, err = d.ConsumerGroups(t.Context(), "g.alpha", "no-such")
	require.NoError(t, err)
	assert.Empty(t, groups)
	assert.NotNil(t, groups)
	_, err = d.ConsumerGroups(t.Context(), "g.none", "s1")
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
}

// A group without members (the shared consumer's) shows the instances the
// workload assigns the subscription to, each with its share of the
// committed partitions.
func TestDescribeConsumerGroupsFromWorkload(t *testing.T) {
	t.Parallel()
	parts := make([]ports.ConsumerGroupPartition, 3)
	for i := range parts {
		parts[i] = ports.ConsumerGroupPartition{Partition: int32(i), Topic: "g_alpha", CurrentOffset: int64(i), LogEndOffset: 10, Lag: 10 - int64(i)}
	}
	admin := fakeGroupAdmin{groups: map[string]ports.ConsumerGroup{"g.alpha$s1": {GroupID: "g.alpha_s1", State: "Empty", Members: []ports.ConsumerGroupMember{}, Unassigned: parts}}}
	registry := memory.NewWorkloadRegistry()
	sub := domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "alpha"}, Name: "s1"}
	other := domain.SubscriptionName{Topic: sub.Topic, Name: "s2"}
	require.NoError(t, registry.SetAssignment(t.Context(), "node-b", []domain.SubscriptionName{sub}))
	require.NoError(t, registry.SetAssignment(t.Context(), "node-a", []domain.SubscriptionName{other, sub}))
	require.NoError(t, registry.SetAssignment(t.Context(), "node-c", []domain.SubscriptionName{other}))
	groups, err := NewDescribeConsumerGroups(queryFixture(t), admin).WithWorkload(registry).ConsumerGroups(t.Context(), "g.alpha", "s1")
	require.NoError(t, err)
	require.Len(t, groups, 1)
	assert.Equal(t, []ports.ConsumerGroupMember{
		{ConsumerID: "node-a", ClientID: "node-a_g.alpha_s1", Host: "node-a", Partitions: []ports.ConsumerGroupPartition{parts[0], parts[2]}},
		{ConsumerID: "node-b", ClientID: "node-b_g.alpha_s1", Host: "node-b", Partitions: []ports.ConsumerGroupPartition{parts[1]}},
	}, groups[0].Members)
}
