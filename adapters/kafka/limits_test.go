package kafka_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
)

// The embedded broker takes any topic name, then cannot reload one whose
// partition directory is too long (issue 15, defect 1); the admin applies
// Kafka's limit itself, namespace included.
func TestCreateTopicRefusesNamesOverKafkasLimit(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	cfg := kafka.Config{Brokers: emb.Addrs(), Namespace: "ns"}
	adm := newAdmin(t, cfg)

	limit := cfg.NameLimits().MaxQualifiedTopic
	require.Equal(t, domain.MaxStoreTopicName-len("ns_"), limit)
	fits := strings.Repeat("g", limit-2) + ".t"
	require.NoError(t, adm.CreateTopic(t.Context(), jsonTopic(fits)))
	over := strings.Repeat("g", limit-1) + ".t"
	require.ErrorIs(t, adm.CreateTopic(t.Context(), jsonTopic(over)), domain.ErrValidation)

	topics, err := kadm.NewClient(kgoClient(t, emb)).ListTopics(t.Context())
	require.NoError(t, err)
	assert.True(t, topics.Has("ns_"+fits))
	assert.False(t, topics.Has("ns_"+over), "nothing is created for a refused name")
	assert.Equal(t, domain.MaxStoreTopicName, kafka.Config{}.NameLimits().MaxQualifiedTopic)
}

// A produce the store refuses for good fails at once with the refusal, not
// with a timeout after retrying until the deadline (issue 15, defect 2: a
// 250-character topic answered 503 SENDING_TO_KAFKA_TIMEOUT on every
// publish). The deadline here is far beyond any refusal's time.
func TestProduceRefusalIsNotATimeout(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	name := strings.Repeat("g", 243) + ".tttttt" // 250: created behind the admin's back
	resp, err := kadm.NewClient(kgoClient(t, emb)).CreateTopic(t.Context(), 1, 1, nil, name)
	require.NoError(t, err)
	require.NoError(t, resp.Err)
	prod := newProducer(t, kafka.Config{Brokers: emb.Addrs()})

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err = prod.Produce(ctx, jsonTopic(name), domain.Message{ID: "id", Timestamp: time.Now(), Body: []byte(`{}`)})
	require.ErrorIs(t, err, domain.ErrStoreRefused)
	assert.NotErrorIs(t, err, domain.ErrStoreTimeout)
	assert.NoError(t, ctx.Err(), "it came back before the deadline")
}

func kgoClient(t *testing.T, emb *kafka.Embedded) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(emb.Addrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// A topic stored before names were checked, longer than Kafka takes and so
// missing from the store, is refused at once (kgo alone waits for it until
// the deadline); it is the store's refusal, not the client's error.
func TestProduceToANameKafkaCannotHold(t *testing.T) {
	t.Parallel()
	emb := startEmbedded(t)
	prod := newProducer(t, kafka.Config{Brokers: emb.Addrs()})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := prod.Produce(ctx, jsonTopic(strings.Repeat("g", 250)+".tttttt"), domain.Message{ID: "id", Timestamp: time.Now(), Body: []byte(`{}`)})
	require.ErrorIs(t, err, domain.ErrStoreRefused)
	assert.NotErrorIs(t, err, domain.ErrValidation)
	assert.NoError(t, ctx.Err(), "it came back before the deadline")
}
