package kafka_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// The failure paths of the shared-fetch consumer: its fetchers, metadata
// loop and commits run on the factory's goroutines and client.

// newSharedFactory is a shared consumer factory of cfg, closed when t ends.
func newSharedFactory(t *testing.T, cfg kafka.Config) *kafka.SharedConsumerFactory {
	t.Helper()
	f, err := kafka.NewSharedConsumerFactory(cfg, testLogger())
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, f.Close()) })
	return f
}

// sharedConsumer opens a shared consumer of subscription "s" of topic.
func sharedConsumer(t *testing.T, f *kafka.SharedConsumerFactory, topic domain.Topic) ports.MessageConsumer {
	t.Helper()
	c, err := f.Consumer(t.Context(), topic, domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}, ports.ConsumerOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// pollID polls c until it returns the message with id, tolerating errors
// (the store recovering) meanwhile.
func pollID(t *testing.T, c ports.MessageConsumer, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		got, err := c.Poll(ctx)
		return err == nil && len(got) > 0 && got[len(got)-1].ID == id
	}, 30*time.Second, 10*time.Millisecond, "message %s arrives", id)
}

// sharedConsumeOne creates a topic with one message and a shared consumer
// that polled it.
func sharedConsumeOne(t *testing.T, cfg kafka.Config) (*kafka.SharedConsumerFactory, domain.Topic, ports.MessageConsumer, ports.ReceivedMessage) {
	t.Helper()
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	topic := jsonTopic("fault.shared")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "1", Body: []byte(`{"n":1}`)}))
	f := newSharedFactory(t, cfg)
	c := sharedConsumer(t, f, topic)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	got, err := c.Poll(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	return f, topic, c, got[0]
}

// Fetches that fail as a whole make Poll return domain.ErrUnavailable
// (it has nothing to return); Poll delivers again once they succeed,
// without reopening the consumer.
func TestSharedPollReportsFailingFetches(t *testing.T) {
	t.Parallel()
	cluster, cfg := faultyCluster(t)
	_, topic, c, _ := sharedConsumeOne(t, cfg)

	failing := dropRequests(cluster, kmsg.Fetch)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	_, err := c.Poll(ctx)
	cancel()
	assert.ErrorIs(t, err, domain.ErrUnavailable)

	failing.Store(false)
	prod := newProducer(t, cfg)
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "2", Body: []byte(`{"n":2}`)}))
	pollID(t, c, "2")
}

// A broker that goes away and comes back on the same data: an open
// consumer reads what is published afterwards, without being reopened.
func TestSharedConsumerSurvivesBrokerRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emb, err := kafka.StartEmbedded(dir, 0)
	require.NoError(t, err)
	addr := emb.Addrs()[0]
	cfg := kafka.Config{Brokers: []string{addr}}
	_, topic, c, _ := sharedConsumeOne(t, cfg)

	emb.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	_, err = c.Poll(ctx) // the context ends, or the failed fetches come through
	cancel()
	require.Error(t, err)

	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	emb, err = kafka.StartEmbedded(dir, p)
	require.NoError(t, err)
	t.Cleanup(emb.Close)
	prod := newProducer(t, cfg)
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "2", Body: []byte(`{"n":2}`)}))
	pollID(t, c, "2")
}

// Deleting the store topic fails the consumer's Poll with
// domain.ErrUnavailable, so the delivery loop reopens it.
func TestSharedConsumerOfDeletedTopicFails(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	_, topic, c, _ := sharedConsumeOne(t, cfg)
	require.NoError(t, newAdmin(t, cfg).DeleteTopic(t.Context(), topic.QualifiedName()))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := c.Poll(ctx)
	require.ErrorIs(t, err, domain.ErrUnavailable)
	require.NoError(t, ctx.Err(), "the failure came before the deadline")
}

// A committed position past the partition's end (say, of an earlier
// incarnation of the topic) reads from the partition's start, as the
// group consumer's reset does.
func TestSharedConsumerResetsOutOfRangePosition(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	adm := newAdmin(t, cfg)
	topic := jsonTopic("fault.range")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	sub := domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}
	require.NoError(t, adm.CommitPositions(t.Context(), sub, []ports.PartitionOffset{{Partition: 0, Offset: 1000}}))
	prod := newProducer(t, cfg)
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "1", Body: []byte(`{"n":1}`)}))

	c := sharedConsumer(t, newSharedFactory(t, cfg), topic)
	pollID(t, c, "1")
}

// Closing the factory makes a waiting Poll fail instead of hanging.
func TestSharedFactoryCloseEndsPolls(t *testing.T) {
	t.Parallel()
	_, cfg := faultyCluster(t)
	f, _, c, _ := sharedConsumeOne(t, cfg)
	done := make(chan error, 1)
	go func() {
		_, err := c.Poll(t.Context())
		done <- err
	}()
	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "Close is idempotent")
	assert.ErrorIs(t, <-done, domain.ErrUnavailable)
}

// Partitions added to a topic are read by its open consumers (from their
// start, nothing being committed there), as a group consumer picks them
// up on its metadata refresh.
func TestSharedConsumerReadsAddedPartitions(t *testing.T) {
	t.Parallel()
	cluster, cfg := faultyCluster(t)
	_, topic, c, _ := sharedConsumeOne(t, cfg)
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	_, err = kadm.NewClient(cl).CreatePartitions(t.Context(), 1, "fault.shared")
	require.NoError(t, err)

	// Publish under new keys until one lands on the added partition (the
	// producer learns of it on its own metadata refresh), and read on.
	prod := newProducer(t, cfg)
	require.Eventually(t, func() bool {
		id := uuid.NewString()
		if err := prod.Produce(t.Context(), topic, domain.Message{ID: id, Key: []byte(id), Body: []byte(`{}`)}); err != nil {
			return false
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		for {
			got, err := c.Poll(ctx)
			if err != nil {
				return false
			}
			for _, m := range got {
				if m.Partition == 1 {
					return true
				}
			}
		}
	}, time.Minute, 10*time.Millisecond, "a message of the added partition arrives")
}
