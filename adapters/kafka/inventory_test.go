package kafka_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
)

func TestStoreTopicInventory(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	cfg := kafka.Config{Brokers: emb.Addrs(), Namespace: "ns"}
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	ctx := t.Context()

	quiet, busy := jsonTopic("inv.quiet"), jsonTopic("inv.busy")
	require.NoError(t, adm.CreateTopic(ctx, quiet))
	require.NoError(t, adm.CreateTopic(ctx, busy))
	at := time.UnixMilli(1700000000123)
	require.NoError(t, prod.Produce(ctx, busy, domain.Message{ID: "a", Timestamp: at.Add(-time.Hour), Body: []byte(`{}`), Key: []byte("1")}))
	require.NoError(t, prod.Produce(ctx, busy, domain.Message{ID: "b", Timestamp: at, Body: []byte(`{}`), Key: []byte("2")}))

	topics, err := adm.StoreTopics(ctx)
	require.NoError(t, err)
	assert.Equal(t, "inv.quiet", topics["ns_inv.quiet"], "the namespace prefix is stripped")
	assert.Equal(t, "inv.busy", topics["ns_inv.busy"])

	_, ok, err := adm.LastPublished(ctx, domain.TopicName{Group: "inv", Name: "quiet"})
	require.NoError(t, err)
	assert.False(t, ok, "an empty topic has no last message")
	last, ok, err := adm.LastPublished(ctx, domain.TopicName{Group: "inv", Name: "busy"})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, at.UnixMilli(), last.UnixMilli(), "the newest message over the partitions")
	_, ok, err = adm.LastPublished(ctx, domain.TopicName{Group: "inv", Name: "absent"})
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, adm.DeleteStoreTopic(ctx, "ns_inv.quiet"))
	require.NoError(t, adm.DeleteStoreTopic(ctx, "ns_inv.quiet"), "idempotent")
	require.Eventually(t, func() bool {
		topics, err := adm.StoreTopics(ctx)
		_, present := topics["ns_inv.quiet"]
		return err == nil && !present
	}, 10*time.Second, 20*time.Millisecond)
}
