package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakeReadBack struct {
	ports.MessageStoreAdmin
	msgs []ports.StoredMessage
}

func (f fakeReadBack) LatestMessages(_ context.Context, _ domain.Topic, limit int) ([]ports.StoredMessage, error) {
	return f.msgs[:min(limit, len(f.msgs))], nil
}

func (f fakeReadBack) ReadMessage(_ context.Context, _ domain.Topic, partition int32, offset int64) (ports.StoredMessage, error) {
	for _, m := range f.msgs {
		if m.Partition == partition && m.Offset == offset {
			return m, nil
		}
	}
	return ports.StoredMessage{}, fmt.Errorf("fake: %w", domain.ErrNotFound)
}

func stored(partition int32, offset int64, body string) ports.StoredMessage {
	return ports.StoredMessage{ReceivedMessage: ports.ReceivedMessage{Message: domain.Message{Body: []byte(body)}, Partition: partition, Offset: offset},
		Value: []byte(`{"metadata":{},"message":` + body + `}`)}
}

func TestPreviewTopic(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	admin := fakeReadBack{msgs: []ports.StoredMessage{stored(0, 4, `{"a":1}`), stored(1, 2, `"`+strings.Repeat("x", 20)+`"`), stored(2, 0, `3`)}}
	cfg := PreviewConfig{Enabled: true, Size: 2, MaxBytes: 10, ClusterName: "primary-dc"}
	p := NewPreviewTopic(cfg, queryFixture(t), admin, nil)

	previews, err := p.Preview(ctx, "g.alpha")
	require.NoError(t, err)
	assert.Equal(t, []ports.MessageTextPreview{{Content: `{"a":1}`}, {Content: `"xxxxxxxxx`, Truncated: true}}, previews)
	raw, err := p.PreviewAt(ctx, "g.alpha", 1)
	require.NoError(t, err)
	assert.Equal(t, `"xxxxxxxxx`, string(raw))
	_, err = p.PreviewAt(ctx, "g.alpha", 2)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	previews, err = p.Preview(ctx, "g.none")
	require.NoError(t, err)
	assert.Empty(t, previews)

	// A JSON topic's message is the stored value; an AVRO one's the body as JSON.
	text, err := p.MessageAt(ctx, "g.beta", "primary-dc", 0, 4)
	require.NoError(t, err)
	assert.Equal(t, `{"metadata":{},"message":{"a":1}}`, text)
	text, err = p.MessageAt(ctx, "g.alpha", "primary-dc", 0, 4)
	require.NoError(t, err)
	assert.Equal(t, `{"a":1}`, text)
	_, err = p.MessageAt(ctx, "g.alpha", "other", 0, 4)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = p.MessageAt(ctx, "g.alpha", "primary-dc", 0, 5)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = p.MessageAt(ctx, "g.none", "primary-dc", 0, 4)
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)

	cfg.Enabled = false
	previews, err = NewPreviewTopic(cfg, queryFixture(t), admin, nil).Preview(ctx, "g.alpha")
	require.NoError(t, err)
	assert.Empty(t, previews, "previews off")
}
