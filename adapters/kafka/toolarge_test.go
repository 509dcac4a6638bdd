package kafka_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
)

// tooLargeBroker is a broker that answers MESSAGE_TOO_LARGE to every
// produce while refusing is set (it starts set), as one does that has not
// applied a raised max.message.bytes yet; answered counts those answers.
type tooLargeBroker struct {
	prod     *kafka.Producer
	refusing atomic.Bool
	answered atomic.Int32
}

// newTooLargeBroker creates topic on such a broker, with a producer.
func newTooLargeBroker(t *testing.T, topic domain.Topic) *tooLargeBroker {
	t.Helper()
	cluster := fakeCluster(t)
	cfg := kafka.Config{Brokers: cluster.ListenAddrs(), Partitions: 1}
	require.NoError(t, newAdmin(t, cfg).CreateTopic(t.Context(), topic))
	b := &tooLargeBroker{prod: newProducer(t, cfg)}
	b.refusing.Store(true)
	refuseProduces(cluster, &b.refusing, kerr.MessageTooLarge.Code, &b.answered)
	return b
}

// A topic whose maxMessageSize was just raised: Kafka answers the update
// before its broker applies the new max.message.bytes, and a message
// within the new limit published meanwhile must be stored, not refused
// as too large (seen against Kafka 4 in the message store contract).
func TestProduceWaitsForARaisedLimit(t *testing.T) {
	t.Parallel()
	topic := jsonTopic("toolarge.raised")
	topic.MaxMessageSize = domain.MaxMessageSize
	b := newTooLargeBroker(t, topic)
	msg := domain.Message{ID: "1", Body: []byte(`"` + strings.Repeat("x", domain.MaxMessageSize-2) + `"`)}
	done := make(chan error, 1)
	go func() { done <- b.prod.Produce(t.Context(), topic, msg) }()
	require.Eventually(t, func() bool { return b.answered.Load() >= 2 }, time.Minute, 10*time.Millisecond,
		"the producer sends the message again while the broker refuses it")
	b.refusing.Store(false)
	require.NoError(t, <-done)
}

// A message within the topic's limit that the broker keeps refusing is
// still answered "too large" when the caller gives up, and one over the
// limit is refused at once, without reaching the broker.
func TestProduceTooLargeIsRefused(t *testing.T) {
	t.Parallel()
	topic := jsonTopic("toolarge.refused")
	b := newTooLargeBroker(t, topic)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	err := b.prod.Produce(ctx, topic, domain.Message{ID: "1", Body: []byte(`{"n":1}`)})
	require.ErrorIs(t, err, domain.ErrMessageTooLarge)
	assert.NotErrorIs(t, err, domain.ErrStoreTimeout)
	require.Positive(t, b.answered.Load())

	before := b.answered.Load()
	big := domain.Message{ID: "2", Body: []byte(`"` + strings.Repeat("x", kafka.DefaultMaxMessageBytes) + `"`)}
	require.ErrorIs(t, b.prod.Produce(t.Context(), topic, big), domain.ErrMessageTooLarge)
	assert.Equal(t, before, b.answered.Load(), "kgo refuses a record over the batch limit itself")
}
