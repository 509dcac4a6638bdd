package kafka_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// These tests cover the failure paths of every franz-go call the adapter
// makes from a goroutine of its own or a callback: the broker answers a
// request with an error, or drops the connection instead of answering.

// fakeCluster is a one-broker kfake cluster of one-partition topics,
// closed when t ends: a broker the test can make misbehave through its
// Control hooks.
func fakeCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(1)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// faultyCluster is a fakeCluster whose groups take short sessions.
func faultyCluster(t *testing.T) (*kfake.Cluster, kafka.Config) {
	t.Helper()
	c := fakeCluster(t, kfake.GroupMinSessionTimeout(time.Second))
	return c, kafka.Config{Brokers: c.ListenAddrs(), Partitions: 1, SessionTimeout: 2 * time.Second, RebalanceTimeout: 2 * time.Second}
}

// dropRequests makes cluster drop every request of key (as a lost
// connection) until the returned flag is cleared; dropped, if given,
// counts them. Each retry kgo makes within a call is dropped too.
func dropRequests(cluster *kfake.Cluster, key kmsg.Key, dropped ...*atomic.Int32) *atomic.Bool {
	var failing atomic.Bool
	failing.Store(true)
	cluster.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		if !failing.Load() {
			cluster.DropControl()
			return nil, nil, false
		}
		cluster.KeepControl()
		for _, d := range dropped {
			d.Add(1)
		}
		return nil, errors.New("injected: connection dropped"), true
	})
	return &failing
}

// failCommitPartitions makes cluster answer the next offset commit with
// an error code on every partition (one kgo does not retry).
func failCommitPartitions(cluster *kfake.Cluster) {
	cluster.ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		r := req.(*kmsg.OffsetCommitRequest)
		resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewOffsetCommitResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewOffsetCommitResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.OffsetMetadataTooLarge.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
}

// consumeOne creates a topic with one message and a consumer that polled it.
func consumeOne(t *testing.T, cfg kafka.Config) (ports.MessageConsumer, ports.ReceivedMessage) {
	t.Helper()
	adm := newAdmin(t, cfg)
	prod := newProducer(t, cfg)
	topic := jsonTopic("fault.commit")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "1", Body: []byte(`{"n":1}`)}))

	cf, err := kafka.NewConsumerFactory(cfg, testLogger())
	require.NoError(t, err)
	c, err := cf.Consumer(t.Context(), topic, domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}, ports.ConsumerOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	got, err := c.Poll(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	return c, got[0]
}

// consumersOfOne open, per consumer kind, a consumer that polled the one
// message of a new topic.
var consumersOfOne = map[string]func(*testing.T, kafka.Config) (ports.MessageConsumer, ports.ReceivedMessage){
	"group": consumeOne,
	"shared": func(t *testing.T, cfg kafka.Config) (ports.MessageConsumer, ports.ReceivedMessage) {
		_, _, c, msg := sharedConsumeOne(t, cfg)
		return c, msg
	},
}

// An offset commit whose request fails as a whole (the broker drops the
// connection; the group consumer's commit callback then gets a nil
// response) must come back as domain.ErrUnavailable, not crash the
// process, and a later commit must work.
func TestCommitFailureIsAnErrorNotACrash(t *testing.T) {
	t.Parallel()
	for kind, consume := range consumersOfOne {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cluster, cfg := faultyCluster(t)
			c, msg := consume(t, cfg)
			offsets := []ports.PartitionOffset{{Partition: msg.Partition, Offset: msg.Offset + 1}}

			var dropped atomic.Int32
			failing := dropRequests(cluster, kmsg.OffsetCommit, &dropped)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			err := c.Commit(ctx, offsets)
			require.Error(t, err)
			assert.ErrorIs(t, err, domain.ErrUnavailable)
			require.Positive(t, dropped.Load(), "the commit reached the broker")

			// The broker recovers: the same commit goes through.
			failing.Store(false)
			require.Eventually(t, func() bool {
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
				defer cancel()
				return c.Commit(ctx, offsets) == nil
			}, 30*time.Second, 50*time.Millisecond)
		})
	}
}

// A commit the broker answers with a per-partition error code is
// domain.ErrUnavailable carrying that code.
func TestCommitPartitionErrorIsReported(t *testing.T) {
	t.Parallel()
	for kind, consume := range consumersOfOne {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cluster, cfg := faultyCluster(t)
			c, msg := consume(t, cfg)

			failCommitPartitions(cluster)
			err := c.Commit(t.Context(), []ports.PartitionOffset{{Partition: msg.Partition, Offset: msg.Offset + 1}})
			assert.ErrorIs(t, err, domain.ErrUnavailable)
			assert.ErrorIs(t, err, kerr.OffsetMetadataTooLarge)
		})
	}
}

// A fetch the broker keeps failing makes Poll return domain.ErrUnavailable
// (or keep waiting) but never panic; Poll delivers again once it recovers.
func TestPollSurvivesFailingFetches(t *testing.T) {
	t.Parallel()
	cluster, cfg := faultyCluster(t)
	c, _ := consumeOne(t, cfg)

	failing := dropRequests(cluster, kmsg.Fetch)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	_, err := c.Poll(ctx)
	cancel()
	require.Error(t, err) // the context ended, or the fetch error came through

	failing.Store(false)
	prod := newProducer(t, cfg)
	require.NoError(t, prod.Produce(t.Context(), jsonTopic("fault.commit"), domain.Message{ID: "2", Body: []byte(`{"n":2}`)}))
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		got, err := c.Poll(ctx)
		return err == nil && len(got) == 1 && got[0].Message.ID == "2"
	}, 30*time.Second, 10*time.Millisecond)
}

// Produce keeps its contract while the broker drops every produce
// request: a timeout (domain.ErrStoreTimeout), never a crash, then success.
func TestProduceSurvivesDroppedConnections(t *testing.T) {
	t.Parallel()
	cluster, cfg := faultyCluster(t)
	adm := newAdmin(t, cfg)
	topic := jsonTopic("fault.produce")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	prod := newProducer(t, cfg)

	failing := dropRequests(cluster, kmsg.Produce)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	assert.ErrorIs(t, prod.Produce(ctx, topic, domain.Message{ID: "1", Body: []byte("{}")}), domain.ErrStoreTimeout)
	failing.Store(false)
	require.NoError(t, prod.Produce(t.Context(), topic, domain.Message{ID: "2", Body: []byte("{}")}))
}

// Every admin call answers domain.ErrUnavailable when the broker drops
// its requests, and none of them crashes.
func TestAdminCallsSurviveDroppedConnections(t *testing.T) {
	t.Parallel()
	cluster, cfg := faultyCluster(t)
	adm := newAdmin(t, cfg)
	topic := jsonTopic("fault.admin")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))
	sub := domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "s"}
	require.NoError(t, adm.CreateSubscriptionPosition(t.Context(), sub))

	// Everything but the metadata and api-versions requests fails.
	cluster.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		switch req.Key() {
		case int16(kmsg.Metadata), int16(kmsg.ApiVersions):
			return nil, nil, false
		}
		return nil, errors.New("injected: connection dropped"), true
	})
	calls := map[string]func(ctx context.Context) error{
		"CreateTopic":                func(ctx context.Context) error { return adm.CreateTopic(ctx, jsonTopic("fault.other")) },
		"UpdateTopic":                func(ctx context.Context) error { return adm.UpdateTopic(ctx, topic) },
		"DeleteTopic":                func(ctx context.Context) error { return adm.DeleteTopic(ctx, topic.QualifiedName()) },
		"CreateSubscriptionPosition": func(ctx context.Context) error { return adm.CreateSubscriptionPosition(ctx, sub) },
		"DeleteSubscriptionPosition": func(ctx context.Context) error { return adm.DeleteSubscriptionPosition(ctx, sub) },
		"Lag":                        func(ctx context.Context) error { _, err := adm.Lag(ctx, sub); return err },
		"OffsetsAt": func(ctx context.Context) error {
			_, err := adm.OffsetsAt(ctx, topic.QualifiedName(), time.Now())
			return err
		},
		"CommitPositions": func(ctx context.Context) error {
			return adm.CommitPositions(ctx, sub, []ports.PartitionOffset{{Partition: 0, Offset: 0}})
		},
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		err := call(ctx)
		cancel()
		assert.ErrorIs(t, err, domain.ErrUnavailable, name)
	}
}

// The consumer joins its group with the configured session and rebalance
// timeouts (issue 15, defect 18: a killed consumer holds its partitions
// for the session timeout, so operators need to choose it).
func TestConsumerJoinsWithConfiguredTimeouts(t *testing.T) {
	t.Parallel()
	cluster, cfg := faultyCluster(t)
	cfg.SessionTimeout, cfg.HeartbeatInterval, cfg.RebalanceTimeout = 7*time.Second, 700*time.Millisecond, 9*time.Second
	type join struct{ session, rebalance int32 }
	joins := make(chan join, 16)
	cluster.ControlKey(int16(kmsg.JoinGroup), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		r := req.(*kmsg.JoinGroupRequest)
		select {
		case joins <- join{r.SessionTimeoutMillis, r.RebalanceTimeoutMillis}:
		default:
		}
		return nil, nil, false
	})
	consumeOne(t, cfg)
	got := <-joins
	assert.Equal(t, join{7000, 9000}, got)
}

// DeleteTopic waits until the broker's metadata drops the topic, but a
// topic of the same name created meanwhile (another id: a concurrent
// create won) ends the wait. It used to wait for the name to vanish, so
// concurrent creates and deletes of one topic hung deletes until their
// deadline. The broker here answers every metadata request after the
// delete with the topic under a new id.
func TestDeleteTopicDoesNotWaitForARecreatedTopic(t *testing.T) {
	t.Parallel()
	cluster := fakeCluster(t)
	cfg := kafka.Config{Brokers: cluster.ListenAddrs(), Partitions: 1}
	adm := newAdmin(t, cfg)
	topic := jsonTopic("recreated.topic")
	require.NoError(t, adm.CreateTopic(t.Context(), topic))

	var deleted atomic.Bool
	cluster.ControlKey(int16(kmsg.DeleteTopics), func(kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		deleted.Store(true)
		return nil, nil, false
	})
	cluster.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		if !deleted.Load() {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		for _, rt := range req.(*kmsg.MetadataRequest).Topics {
			mt := kmsg.NewMetadataResponseTopic()
			mt.Topic, mt.TopicID = rt.Topic, [16]byte{0xfe, 1}
			mp := kmsg.NewMetadataResponseTopicPartition()
			mt.Partitions = append(mt.Partitions, mp)
			resp.Topics = append(resp.Topics, mt)
		}
		return resp, nil, true
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	assert.NoError(t, adm.DeleteTopic(ctx, topic.QualifiedName()))
}
