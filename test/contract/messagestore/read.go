package messagestore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// testReadBack: the newest messages and a message by position read back
// as they were produced; positions out of range are not found.
func testReadBack(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	none, err := h.Admin().LatestMessages(t.Context(), topic, 3)
	require.NoError(t, err)
	assert.Empty(t, none)

	var bodies []string
	for i := range 5 {
		m := newMessage(i, nil)
		require.NoError(t, h.Producer().Produce(t.Context(), topic, m))
		bodies = append(bodies, string(m.Body))
	}
	latest, err := h.Admin().LatestMessages(t.Context(), topic, 3)
	require.NoError(t, err)
	require.Len(t, latest, 3)
	for _, m := range latest {
		assert.Contains(t, bodies, string(m.Body))
		assert.NotEmpty(t, m.Value, "the stored value")
	}
	assert.False(t, latest[0].Timestamp.Before(latest[2].Timestamp), "newest first")

	m := latest[0]
	one, err := h.Admin().ReadMessage(t.Context(), topic, m.Partition, m.Offset)
	require.NoError(t, err)
	assert.Equal(t, m.Body, one.Body)
	assert.Equal(t, m.ID, one.ID)
	assert.Equal(t, m.Value, one.Value)

	_, err = h.Admin().ReadMessage(t.Context(), topic, m.Partition, 1000)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = h.Admin().ReadMessage(t.Context(), topic, 999, 0)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = h.Admin().ReadMessage(t.Context(), topic, m.Partition, -1)
	assert.ErrorIs(t, err, domain.ErrNotFound)
}
