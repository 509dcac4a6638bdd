package messagestore

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// testConsumerGroup: no group before a consumer joins; a joined consumer
// is one member holding every partition, with committed offsets, ends
// and their difference.
func testConsumerGroup(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeAvro, domain.AckLeader)
	sub := subscriptionOf(topic)
	_, found, err := h.Admin().ConsumerGroup(t.Context(), topic, sub)
	require.NoError(t, err)
	assert.False(t, found, "no group yet")

	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	sent := append(produceKeyed(t, h, topic, 0), produceKeyed(t, h, topic, 10)...)
	c := openConsumer(t, h, topic, sub)
	defer c.Close()
	got := poll(t, c, len(sent))
	require.NoError(t, c.Commit(t.Context(), nextOffsets(got[:1])))

	g, found, err := h.Admin().ConsumerGroup(t.Context(), topic, sub)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "Stable", g.State)
	assert.NotEmpty(t, g.GroupID)
	assert.NotEmpty(t, g.ClusterName)
	require.Len(t, g.Members, 1)
	m := g.Members[0]
	assert.NotEmpty(t, m.ConsumerID)
	// Hermes names each consumer's Kafka client {clientId}_{groupId}.
	assert.True(t, strings.HasSuffix(m.ClientID, "_"+g.GroupID), "client id %q names group %q", m.ClientID, g.GroupID)
	assert.NotEmpty(t, m.Host)
	require.NotEmpty(t, m.Partitions)
	var ends, lag int64
	for _, p := range m.Partitions {
		assert.Equal(t, domain.ContentTypeAvro, p.ContentType)
		assert.Equal(t, p.LogEndOffset-p.CurrentOffset, p.Lag)
		ends += p.LogEndOffset
		lag += p.Lag
	}
	assert.EqualValues(t, len(sent), ends, "end offsets of all partitions")
	total, err := h.Admin().Lag(t.Context(), sub)
	require.NoError(t, err)
	assert.Equal(t, total, lag, "the partitions' lags sum to the subscription's")
	assert.Empty(t, g.Unassigned, "every committed partition has its member")

	// Without members the committed partitions are unassigned, offsets kept.
	first := got[0]
	require.NoError(t, c.Close())
	require.Eventually(t, func() bool {
		g, found, err = h.Admin().ConsumerGroup(t.Context(), topic, sub)
		return err == nil && found && len(g.Members) == 0
	}, wait, pollEvery, "the group empties once its consumer left")
	var unassigned *ports.ConsumerGroupPartition
	for i, p := range g.Unassigned {
		if p.Partition == first.Partition {
			unassigned = &g.Unassigned[i]
		}
	}
	require.NotNil(t, unassigned, "committed partition %d in %v", first.Partition, g.Unassigned)
	assert.Equal(t, first.Offset+1, unassigned.CurrentOffset)
	assert.Equal(t, unassigned.LogEndOffset-unassigned.CurrentOffset, unassigned.Lag)
	assert.Positive(t, unassigned.LogEndOffset)
}
