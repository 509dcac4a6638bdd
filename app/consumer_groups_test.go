package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
