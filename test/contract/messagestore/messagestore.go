// Package messagestore is the contract suite of the message store ports
// (ports.MessageProducer, ports.MessageStoreAdmin,
// ports.MessageConsumerFactory). Every adapter of them runs Run from its
// contract_test.go.
//
// Every test uses its own topic and subscription names, so the tests run in
// parallel and a harness may share one store between tests. Each test
// creates its subscription's position before producing, as the core does.
package messagestore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Harness gives the suite the adapter under test.
type Harness interface {
	Producer() ports.MessageProducer
	Admin() ports.MessageStoreAdmin
	Consumers() ports.MessageConsumerFactory
	// Close releases what the harness opened; Run calls it at test cleanup.
	Close()
}

// Restarter is implemented by harnesses of stores with Features.Persistence.
type Restarter interface {
	// Restart stops the store and starts it again on the same data.
	// Producer, Admin and Consumers work against the restarted store.
	Restart(t *testing.T)
}

// Features are the capabilities of the store under test.
type Features struct {
	// Persistence: the harness implements Restarter, and topics, messages
	// and committed positions survive a Restart.
	Persistence bool
	// ReadsShare: consumers are no members of a Kafka consumer group
	// (the shared Kafka consumer). They read the partitions of their
	// ports.PartitionShare, nothing rebalances them (no RevokeFunc
	// call), and a subscription's group shows no members. The cases
	// about group membership are skipped; the share case runs.
	ReadsShare bool
}

// wait bounds every wait for messages; generous for real brokers, whose
// first group join is delayed by group.initial.rebalance.delay.ms.
const wait = 15 * time.Second

// pollEvery is how often conditions are checked while waiting.
const pollEvery = 20 * time.Millisecond

type testCase struct {
	name string
	fn   func(t *testing.T, h Harness)
}

// Run runs the suite. newHarness is called once per test with that
// test's t.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	tests := []testCase{
		{"ProduceWithCancelledContextTimesOut", testProduceCancelled},
		{"ProduceToMissingTopicFails", testProduceMissingTopic},
		{"ProduceToDeletedTopicFails", testProduceDeletedTopic},
		{"RecreatedTopicTakesPublishesUnderLoad", testRecreateUnderLoad},
		{"DeletesAreIdempotent", testDeletesIdempotent},
		{"CreateAndUpdateTopicAreIdempotent", testCreateTopicIdempotent},
		{"RoundTrip", testRoundTrip},
		{"SameKeySamePartitionInOrder", testKeyOrder},
		{"BoundedPollLeavesTheRestForTheNextPoll", testBoundedPoll},
		{"AckLevels", testAcks},
		{"ConsumerResumesAfterCommit", testResume},
		{"RevokeCommitsBeforeHandOver", testRevokeCommitsBeforeHandOver},
		{"SubscriptionPositionStartsAtCreation", testPositionAtCreation},
		{"DeleteSubscriptionPositionForgetsIt", testDeletePosition},
		{"OffsetsAtReplaysFromTime", testReplay},
		{"LagCountsUncommittedMessages", testLag},
		{"LagCountsPartitionsWithoutCommitFromStart", testLagWithoutCommit},
		{"ConsumerGroupShowsMembersAndOffsets", testConsumerGroup},
		{"ReadsBackLatestAndByPosition", testReadBack},
		{"SlowReaderDoesNotBlockOthers", testSlowReaderDoesNotBlockOthers},
		{"SubscriptionsReadIndependently", testSubscriptionsReadIndependently},
	}
	if f.Persistence {
		tests = append(tests, testCase{"SurvivesRestart", testRestart})
	}
	groupOnly := map[string]bool{"RevokeCommitsBeforeHandOver": true, "ConsumerGroupShowsMembersAndOffsets": true}
	if f.ReadsShare {
		tests = append(tests, testCase{"SharesSplitPartitions", testSharesSplitPartitions})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if f.ReadsShare && groupOnly[tc.name] {
				t.Skip("consumers of this store are no group members: nothing rebalances them and their group has no members")
			}
			t.Parallel()
			h := newHarness(t)
			t.Cleanup(h.Close)
			tc.fn(t, h)
		})
	}
}

func testProduceCancelled(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := h.Producer().Produce(ctx, topic, newMessage(0, nil))
	require.ErrorIs(t, err, domain.ErrStoreTimeout)
}

// requireProduceFails checks that producing to a topic without a store
// topic fails by the deadline, whichever of the two errors comes first.
func requireProduceFails(t *testing.T, h Harness, topic domain.Topic) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := h.Producer().Produce(ctx, topic, newMessage(0, nil))
	require.Error(t, err)
	assert.True(t, errors.Is(err, domain.ErrUnavailable) || errors.Is(err, domain.ErrStoreTimeout), "want ErrUnavailable or ErrStoreTimeout, got %v", err)
}

func testProduceMissingTopic(t *testing.T, h Harness) {
	requireProduceFails(t, h, newTopic(domain.ContentTypeJSON, domain.AckLeader))
}

func testProduceDeletedTopic(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	require.NoError(t, h.Producer().Produce(t.Context(), topic, newMessage(0, nil)))
	require.NoError(t, h.Admin().DeleteTopic(t.Context(), topic.QualifiedName()))
	requireProduceFails(t, h, topic)
}

func testDeletesIdempotent(t *testing.T, h Harness) {
	topic := newTopic(domain.ContentTypeJSON, domain.AckLeader)
	assert.NoError(t, h.Admin().DeleteTopic(t.Context(), topic.QualifiedName()), "never created")
	assert.NoError(t, h.Admin().DeleteSubscriptionPosition(t.Context(), subscriptionOf(topic)), "never created")

	topic = createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscriptionOf(topic)
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	for range 2 {
		assert.NoError(t, h.Admin().DeleteSubscriptionPosition(t.Context(), sub))
	}
	for range 2 {
		assert.NoError(t, h.Admin().DeleteTopic(t.Context(), topic.QualifiedName()))
	}
}

func testCreateTopicIdempotent(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	require.NoError(t, h.Admin().CreateTopic(t.Context(), topic), "second create")
	topic.RetentionTime = &domain.RetentionTime{Duration: 2, RetentionUnit: domain.Hours}
	topic.MaxMessageSize = domain.MaxMessageSize
	require.NoError(t, h.Admin().UpdateTopic(t.Context(), topic))
	// A message near the new maxMessageSize still goes through.
	msg := newMessage(0, nil)
	msg.Body = []byte(`"` + strings.Repeat("x", domain.MaxMessageSize-2) + `"`)
	require.NoError(t, h.Producer().Produce(t.Context(), topic, msg))
}

func testRoundTrip(t *testing.T, h Harness) {
	for _, ct := range []domain.ContentType{domain.ContentTypeJSON, domain.ContentTypeAvro} {
		t.Run(string(ct), func(t *testing.T) {
			t.Parallel()
			topic := createTopic(t, h, ct, domain.AckLeader)
			sub := subscribe(t, h, topic)
			sent := newMessage(1, []byte("key-1"))
			sent.Body = []byte("{ \"a\" : [1, 2.50, \"\\u00e9\"],\n \"b\":null }")
			sent.Headers = map[string]string{"Trace-Id": "abc", "x-extra": "1"}
			if ct == domain.ContentTypeAvro {
				sent.Body = []byte{0x00, 0x02, 0xff, 'h', 'i'}
				sent.SchemaVersion = 3
			}
			require.NoError(t, h.Producer().Produce(t.Context(), topic, sent))

			got := receive(t, h, topic, sub, 1)
			require.Len(t, got, 1)
			m := got[0]
			assert.Equal(t, sent.Body, m.Body, "body byte-identical")
			assert.Equal(t, sent.ID, m.ID)
			assert.Equal(t, sent.Timestamp.UnixMilli(), m.Timestamp.UnixMilli())
			assert.Equal(t, sent.Key, m.Key)
			assert.Equal(t, sent.Headers, m.Headers)
			assert.Equal(t, sent.SchemaVersion, m.SchemaVersion)
			assert.GreaterOrEqual(t, m.Partition, int32(0))
			assert.GreaterOrEqual(t, m.Offset, int64(0))
			assert.Positive(t, m.Size)
			assert.False(t, m.ReadAt.IsZero(), "ReadAt set")
		})
	}
}

func testKeyOrder(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	keys := []string{"alpha", "beta", "gamma"}
	const n = 12
	for i := range n {
		require.NoError(t, h.Producer().Produce(t.Context(), topic, newMessage(i, []byte(keys[i%len(keys)]))))
	}
	got := receive(t, h, topic, sub, n)
	require.Len(t, got, n)
	partition := map[string]int32{}
	last := map[string]string{}
	for _, m := range got {
		k := string(m.Key)
		if p, ok := partition[k]; ok {
			assert.Equal(t, p, m.Partition, "key %s moved partition", k)
			assert.Less(t, last[k], string(m.Body), "key %s out of order", k)
		}
		partition[k], last[k] = m.Partition, string(m.Body)
	}
	assert.Len(t, partition, len(keys))
}

// A ports.BoundedPoller returns at most the messages asked for, and the
// next polls return the rest, in order, without gaps or repeats.
func testBoundedPoll(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	const n = 7
	var want []string
	for i := range n {
		m := newMessage(i, []byte("one-key"))
		require.NoError(t, h.Producer().Produce(t.Context(), topic, m))
		want = append(want, m.ID)
	}
	c := openConsumer(t, h, topic, sub)
	b, ok := c.(ports.BoundedPoller)
	if !ok {
		t.Skip("the consumer is not a ports.BoundedPoller")
	}
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	var got []string
	for len(got) < n {
		msgs, err := b.PollUpTo(ctx, 2)
		require.NoError(t, err)
		require.NotEmpty(t, msgs)
		require.LessOrEqual(t, len(msgs), 2)
		got = append(got, ids(msgs)...)
	}
	assert.Equal(t, want, got)
}

func testAcks(t *testing.T, h Harness) {
	for _, ack := range []domain.Ack{domain.AckNone, domain.AckLeader, domain.AckAll} {
		t.Run(string(ack), func(t *testing.T) {
			t.Parallel()
			topic := createTopic(t, h, domain.ContentTypeJSON, ack)
			sub := subscribe(t, h, topic)
			sent := newMessage(1, nil)
			require.NoError(t, h.Producer().Produce(t.Context(), topic, sent))
			got := receive(t, h, topic, sub, 1)
			require.Len(t, got, 1)
			assert.Equal(t, sent.ID, got[0].ID)
		})
	}
}

func testResume(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	// One key: one partition, so a redelivered message would come first.
	first := produce(t, h, topic, 0, 3, "one")
	c := openConsumer(t, h, topic, sub)
	got := poll(t, c, 3)
	require.Equal(t, first, ids(got))
	require.NoError(t, c.Commit(t.Context(), nextOffsets(got)))
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")

	second := produce(t, h, topic, 3, 3, "one")
	assert.Equal(t, second, ids(receive(t, h, topic, sub, 3)), "resumed after the commit")
}

func testPositionAtCreation(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscriptionOf(topic)
	// Keys k0..k2 put before[i] ahead of after[i] in the same partition,
	// so a wrong start position shows up before after[i] does.
	before := produceKeyed(t, h, topic, 0)
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	after := produceKeyed(t, h, topic, 10)
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub), "idempotent: keeps the position")

	got := ids(receive(t, h, topic, sub, len(after)))
	assert.ElementsMatch(t, after, got)
	for _, id := range before {
		assert.NotContains(t, got, id, "published before the subscription")
	}
}

func testDeletePosition(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	produce(t, h, topic, 0, 2, "one")
	require.NoError(t, h.Admin().DeleteSubscriptionPosition(t.Context(), sub))
	// A forgotten position is created anew at the current end.
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	later := produce(t, h, topic, 2, 2, "one")
	assert.Equal(t, later, ids(receive(t, h, topic, sub, 2)))
}

func testReplay(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	base := time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond)
	var old, recent []string
	for i := range 6 {
		m := newMessage(i, []byte("one"))
		m.Timestamp = base.Add(time.Duration(i) * time.Minute)
		require.NoError(t, h.Producer().Produce(t.Context(), topic, m))
		if i < 3 {
			old = append(old, m.ID)
		} else {
			recent = append(recent, m.ID)
		}
	}
	c := openConsumer(t, h, topic, sub)
	all := poll(t, c, 6)
	require.Equal(t, append(append([]string{}, old...), recent...), ids(all))
	require.NoError(t, c.Commit(t.Context(), nextOffsets(all)))
	require.NoError(t, c.Close())

	offsets, err := h.Admin().OffsetsAt(t.Context(), topic.QualifiedName(), base.Add(3*time.Minute))
	require.NoError(t, err)
	require.NotEmpty(t, offsets)
	require.NoError(t, h.Admin().CommitPositions(t.Context(), sub, offsets))
	assert.Equal(t, recent, ids(receive(t, h, topic, sub, 3)), "replayed from the time")

	future, err := h.Admin().OffsetsAt(t.Context(), topic.QualifiedName(), time.Now().Add(time.Hour))
	require.NoError(t, err)
	var ends int64
	for _, o := range future {
		ends += o.Offset
	}
	assert.Equal(t, int64(6), ends, "past the newest message: the end offsets")
}

func testLag(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscriptionOf(topic)
	_, err := h.Admin().Lag(t.Context(), sub)
	require.ErrorIs(t, err, domain.ErrNotFound, "no position yet")

	produceKeyed(t, h, topic, 0) // before the subscription: not its lag
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	requireLag(t, h, sub, 0)
	sent := append(produceKeyed(t, h, topic, 10), produceKeyed(t, h, topic, 20)...)
	requireLag(t, h, sub, len(sent))

	c := openConsumer(t, h, topic, sub)
	got := poll(t, c, len(sent))
	require.NoError(t, c.Commit(t.Context(), nextOffsets(got)))
	requireLag(t, h, sub, 0)

	require.NoError(t, c.Close())
	require.NoError(t, h.Admin().DeleteSubscriptionPosition(t.Context(), sub))
	_, err = h.Admin().Lag(t.Context(), sub)
	require.ErrorIs(t, err, domain.ErrNotFound, "position deleted")
}

func testLagWithoutCommit(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscriptionOf(topic)
	sent := append(produceKeyed(t, h, topic, 0), produceKeyed(t, h, topic, 10)...)
	ends, err := h.Admin().OffsetsAt(t.Context(), topic.QualifiedName(), time.Now().Add(time.Hour))
	require.NoError(t, err)
	// Only the partition with the fewest messages has a commit, at its
	// end; the others count from their start, where a consumer begins.
	least := slices.MinFunc(ends, func(x, y ports.PartitionOffset) int { return int(x.Offset - y.Offset) })
	require.Less(t, least.Offset, int64(len(sent)), "the keys spread over several partitions: %v", ends)
	require.NoError(t, h.Admin().CommitPositions(t.Context(), sub, []ports.PartitionOffset{least}))
	requireLag(t, h, sub, len(sent)-int(least.Offset))
}

func requireLag(t *testing.T, h Harness, sub domain.SubscriptionName, want int) {
	t.Helper()
	lag, err := h.Admin().Lag(t.Context(), sub)
	require.NoError(t, err)
	require.Equal(t, int64(want), lag)
}

func testRestart(t *testing.T, h Harness) {
	topic := createTopic(t, h, domain.ContentTypeJSON, domain.AckLeader)
	sub := subscribe(t, h, topic)
	first := produce(t, h, topic, 0, 2, "one")
	c := openConsumer(t, h, topic, sub)
	got := poll(t, c, 2)
	require.Equal(t, first, ids(got))
	require.NoError(t, c.Commit(t.Context(), nextOffsets(got)))
	require.NoError(t, c.Close())
	second := produce(t, h, topic, 2, 2, "one")

	h.(Restarter).Restart(t)
	require.NoError(t, h.Admin().CreateTopic(t.Context(), topic), "topic still there")
	third := produce(t, h, topic, 4, 1, "one")
	assert.Equal(t, append(second, third...), ids(receive(t, h, topic, sub, 3)), "messages and position kept")
}

// newTopic returns a valid topic with a name unique across runs (real
// brokers keep topics between runs).
func newTopic(ct domain.ContentType, ack domain.Ack) domain.Topic {
	topic := domain.NewTopic()
	topic.Name = "contract.t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	topic.ContentType = ct
	topic.Ack = ack
	topic.RetentionTime = &domain.RetentionTime{Duration: 1, RetentionUnit: domain.Days}
	return topic
}

func createTopic(t *testing.T, h Harness, ct domain.ContentType, ack domain.Ack) domain.Topic {
	t.Helper()
	topic := newTopic(ct, ack)
	require.NoError(t, h.Admin().CreateTopic(t.Context(), topic))
	t.Cleanup(func() { _ = h.Admin().DeleteTopic(context.Background(), topic.QualifiedName()) })
	return topic
}

func subscriptionOf(topic domain.Topic) domain.SubscriptionName {
	return domain.SubscriptionName{Topic: topic.QualifiedName(), Name: "sub"}
}

// subscribe creates the subscription's position, as creating a
// subscription does.
func subscribe(t *testing.T, h Harness, topic domain.Topic) domain.SubscriptionName {
	t.Helper()
	sub := subscriptionOf(topic)
	require.NoError(t, h.Admin().CreateSubscriptionPosition(t.Context(), sub))
	return sub
}

// newMessage returns message i; bodies sort in i order.
func newMessage(i int, key []byte) domain.Message {
	return domain.Message{
		ID:        uuid.NewString(),
		Timestamp: time.Now().Truncate(time.Millisecond),
		Key:       key,
		Body:      fmt.Appendf(nil, `{"n":"%04d"}`, i), // valid JSON: the wrapper embeds it
	}
}

// produce sends n messages numbered from first with key and returns
// their IDs in order.
func produce(t *testing.T, h Harness, topic domain.Topic, first, n int, key string) []string {
	t.Helper()
	var out []string
	for i := first; i < first+n; i++ {
		m := newMessage(i, []byte(key))
		require.NoError(t, h.Producer().Produce(t.Context(), topic, m))
		out = append(out, m.ID)
	}
	return out
}

// produceKeyed sends one message for each of the keys k0, k1, k2.
func produceKeyed(t *testing.T, h Harness, topic domain.Topic, first int) []string {
	t.Helper()
	var out []string
	for i := range 3 {
		out = append(out, produce(t, h, topic, first+i, 1, fmt.Sprintf("k%d", i))...)
	}
	return out
}

func openConsumer(t *testing.T, h Harness, topic domain.Topic, sub domain.SubscriptionName) ports.MessageConsumer {
	t.Helper()
	c, err := h.Consumers().Consumer(t.Context(), topic, sub, ports.ConsumerOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// receive opens a consumer, polls n messages, and closes it without
// committing.
func receive(t *testing.T, h Harness, topic domain.Topic, sub domain.SubscriptionName, n int) []ports.ReceivedMessage {
	t.Helper()
	c := openConsumer(t, h, topic, sub)
	defer c.Close()
	return poll(t, c, n)
}

// poll polls until it has at least n messages or wait passes.
func poll(t *testing.T, c ports.MessageConsumer, n int) []ports.ReceivedMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	var got []ports.ReceivedMessage
	for len(got) < n {
		msgs, err := c.Poll(ctx)
		if ctx.Err() != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
			t.Fatalf("got %d of %d messages in %s", len(got), n, wait)
		}
		require.NoError(t, err)
		got = append(got, msgs...)
	}
	return got
}

func ids(msgs []ports.ReceivedMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// nextOffsets is what a consumer commits after msgs: per partition, one
// past the highest offset.
func nextOffsets(msgs []ports.ReceivedMessage) []ports.PartitionOffset {
	next := map[int32]int64{}
	for _, m := range msgs {
		next[m.Partition] = max(next[m.Partition], m.Offset+1)
	}
	var out []ports.PartitionOffset
	for p, o := range next {
		out = append(out, ports.PartitionOffset{Partition: p, Offset: o})
	}
	return out
}
