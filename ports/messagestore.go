package ports

import (
	"context"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// MessageProducer writes published messages to the message store.
type MessageProducer interface {
	// Produce stores msg in topic's store topic and returns only after the
	// store acknowledged it as topic.Ack asks (NONE returns once sent).
	// Safe for concurrent use. The message's Key picks the partition
	// (same key, same partition, in order). Returns an error wrapping
	// domain.ErrStoreTimeout when ctx ends before the ack, and
	// domain.ErrUnavailable when the store refused or cannot be reached.
	// A nil error is the only case in which the message is durable.
	Produce(ctx context.Context, topic domain.Topic, msg domain.Message) error
}

// PartitionOffset is a position in one partition of a store topic.
type PartitionOffset struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// MessageStoreAdmin manages store topics and subscription positions.
type MessageStoreAdmin interface {
	// CreateTopic creates the store topic of topic (partitions from
	// configuration, retention from retentionTime, max message bytes from
	// maxMessageSize). Idempotent: an existing store topic is not an error.
	CreateTopic(ctx context.Context, topic domain.Topic) error
	// UpdateTopic applies retention and size changes to the store topic.
	UpdateTopic(ctx context.Context, topic domain.Topic) error
	// DeleteTopic removes the store topic. Idempotent.
	DeleteTopic(ctx context.Context, topic domain.TopicName) error
	// MissingTopics returns those of topics that have no store topic (lost
	// with the embedded store's data, or with a wiped broker), in the
	// order given. Returns domain.ErrUnavailable when the store cannot be
	// reached.
	MissingTopics(ctx context.Context, topics []domain.TopicName) ([]domain.TopicName, error)
	// CreateSubscriptionPosition records, for every partition, the current
	// end of topic as the subscription's committed position, so that a
	// subscription receives exactly what is published after its creation.
	// Idempotent: existing committed positions are kept.
	CreateSubscriptionPosition(ctx context.Context, sub domain.SubscriptionName) error
	// DeleteSubscriptionPosition forgets the subscription's positions
	// (its consumer group). Idempotent.
	DeleteSubscriptionPosition(ctx context.Context, sub domain.SubscriptionName) error
	// OffsetsAt returns, per partition, the first offset whose timestamp is
	// at or after t (the end offset when none is).
	OffsetsAt(ctx context.Context, topic domain.TopicName, t time.Time) ([]PartitionOffset, error)
	// CommitPositions overwrites the subscription's committed positions.
	// Only valid while no consumer of the subscription runs.
	CommitPositions(ctx context.Context, sub domain.SubscriptionName, offsets []PartitionOffset) error
	// Lag is how many messages of the subscription's topic lie beyond its
	// committed positions: the sum over partitions of the end offset minus
	// the committed offset (the start offset where a partition has none,
	// as consumers resume from the start there). Returns an error wrapping
	// domain.ErrNotFound when the subscription has no committed position
	// at all (never created, or deleted), and domain.ErrUnavailable when
	// the store cannot be reached.
	Lag(ctx context.Context, sub domain.SubscriptionName) (int64, error)
	// ConsumerGroup describes the subscription's consumer group on topic's
	// store topic: state, members and each member's partitions with
	// committed and end offsets. found is false when the store has no live
	// group (never joined, or Kafka's Dead). Errors wrap
	// domain.ErrUnavailable.
	ConsumerGroup(ctx context.Context, topic domain.Topic, sub domain.SubscriptionName) (group ConsumerGroup, found bool, err error)
	// LatestMessages reads back up to limit of the newest messages of
	// topic's store topic (newest first, by timestamp), for previews. It
	// returns what it read when ctx ends first. Errors wrap
	// domain.ErrTopicNotFound or domain.ErrUnavailable.
	LatestMessages(ctx context.Context, topic domain.Topic, limit int) ([]StoredMessage, error)
	// ReadMessage reads the message at partition and offset of topic's
	// store topic: domain.ErrNotFound when there is none (out of range,
	// no such partition), domain.ErrUnavailable.
	ReadMessage(ctx context.Context, topic domain.Topic, partition int32, offset int64) (StoredMessage, error)
}

// StoredMessage is a message read back from the store: the decoded message
// and the record's value as stored (Hermes's JSON wrapper for JSON topics,
// the Avro binary for AVRO topics).
type StoredMessage struct {
	ReceivedMessage
	Value []byte
}

// ReceivedMessage is a message read from the store for a subscription.
// Its Body, Key and Headers may be shared with the other subscriptions of
// the topic that read the same record: a consumer of the message copies
// them before changing them.
type ReceivedMessage struct {
	domain.Message
	Partition int32
	Offset    int64
	// ReadAt is when the consumer read the message (messageTtl counts from it).
	ReadAt time.Time
	// Size is the stored value's size in bytes.
	Size int
	// ContentType is the stored record's format where it differs from its
	// topic's: JSON for a message published before its topic moved from
	// JSON to AVRO (migratedFromJsonType). Empty means the topic's.
	ContentType domain.ContentType
}

// MessageConsumer reads one subscription's messages. Poll, Commit and
// Close are called by one delivery loop, never concurrently with each other,
// except that Commit may also be called from the RevokeFunc.
//
// A caller may Poll again while messages of earlier Polls are still being
// delivered. Partitions change hands (a rebalance) only inside a Poll: a
// partition leaves this consumer only after the RevokeFunc given to the
// factory returned for it, and after that Poll returns none of its
// messages until it is assigned here again (then from its committed
// position).
type MessageConsumer interface {
	// Poll blocks until messages are available or ctx ends (then it returns
	// ctx's error, unless it read messages meanwhile: those it returns, as
	// they count as read). Messages of one partition come in offset order,
	// without gaps and without repeats while the partition stays here.
	Poll(ctx context.Context) ([]ReceivedMessage, error)
	// Commit records that every message before each given offset
	// (exclusive: Offset is the next one to read) was delivered or given up.
	Commit(ctx context.Context, offsets []PartitionOffset) error
	// Close leaves the subscription's group. Idempotent.
	Close() error
}

// BoundedPoller is implemented by a MessageConsumer that can return fewer
// messages than its own poll limit: PollUpTo is Poll returning at most n
// (at least 1) messages, the others staying buffered for the next Poll.
// A serial delivery loop polls no more than it can start: a message
// waiting in the loop is a decoded copy the garbage collector scans, where
// a buffered one is a reference into a fetched batch (1 000 busy
// subscriptions of one host kept 57 MB of polled messages waiting for the
// host's connections).
type BoundedPoller interface {
	PollUpTo(ctx context.Context, n int) ([]ReceivedMessage, error)
}

// ReadyNotifier is implemented by a MessageConsumer that can call back
// when a Poll would not block, so that a subscription with nothing to read
// waits without a goroutine of its own (the shared Kafka consumer: 10 000
// idle subscriptions on a node would otherwise be 10 000 goroutines
// parked in Poll).
type ReadyNotifier interface {
	// NotifyReady calls ready once, as soon as a Poll would return
	// without blocking: messages are buffered, a failure is to be
	// reported, or the consumer closed. It calls it on a goroutine of the
	// consumer, or before returning when that is so already; ready must
	// not block. The returned stop cancels the call and reports whether it
	// did so before ready was called. One call is pending at a time.
	NotifyReady(ready func()) (stop func() bool)
}

// RevokeFunc is told that partitions are leaving a consumer. It runs on a
// goroutine of the consumer while the loop is inside Poll, and the hand-over
// waits until it returns, so it must return well within the store's
// rebalance timeout: it stops the partitions' messages in flight (waiting a
// bounded time for them to finish) and Commits what finished. lost is true
// when the partitions are already gone (the session with the store
// expired): a Commit would fail, so nothing may be committed for them.
type RevokeFunc func(ctx context.Context, partitions []int32, lost bool)

// PartitionShare is the part of a store topic's partitions that one of
// several instances running a subscription reads, where the store does not
// split them among its readers itself (the shared Kafka consumer): the
// instance reads partition p when p mod Count == Index. The zero value,
// and any Count below 2, reads every partition.
type PartitionShare struct {
	Index int
	Count int
}

// Owns reports whether the share includes partition p.
func (s PartitionShare) Owns(p int32) bool {
	if s.Count < 2 {
		return true
	}
	return int(p)%s.Count == s.Index
}

// ConsumerOptions are what a delivery loop tells the factory about the
// consumer it opens.
type ConsumerOptions struct {
	// Revoked (may be nil) is called before partitions leave the consumer.
	Revoked RevokeFunc
	// Share is this instance's part of the partitions when several
	// instances run the subscription (workload balancing). A store that
	// balances its readers itself (a Kafka consumer group) ignores it.
	Share PartitionShare
}

// MessageConsumerFactory opens consumers for subscriptions.
type MessageConsumerFactory interface {
	// Consumer opens a reader of the subscription on topic's store topic
	// (a member of its consumer group, or a reader of opts.Share),
	// resuming from the committed positions.
	Consumer(ctx context.Context, topic domain.Topic, sub domain.SubscriptionName, opts ConsumerOptions) (MessageConsumer, error)
}
