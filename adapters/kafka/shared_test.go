package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// Poll returns at most MaxPollRecords, in offset order without gaps
// across Polls; after Close it fails instead of blocking.
func TestSharedPollIsBoundedAndCloseEndsIt(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	cfg.MaxPollRecords = 5
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	topic := jsonTopic("shared.bounded")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, adm.CreateSubscriptionPosition(t.Context(), domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}))
	const n = 23
	for i := range n {
		require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: fmt.Sprint(i), Body: []byte(`{}`)}))
	}
	c := sharedConsumer(t, newSharedFactory(t, cfg), topic)

	var next int64
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for next < n {
		got, err := c.Poll(ctx)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(got), cfg.MaxPollRecords)
		for _, m := range got {
			require.Equal(t, next, m.Offset, "offsets in order, no gap, no repeat")
			require.Equal(t, fmt.Sprint(next), m.ID)
			next++
		}
	}

	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")
	_, err := c.Poll(t.Context())
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}
