package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var (
	_ ports.MessageConsumerFactory = (*ConsumerFactory)(nil)
	_ ports.MessageConsumer        = (*Consumer)(nil)
)

// ConsumerFactory opens one consumer group client per subscription.
type ConsumerFactory struct {
	cfg Config
	log *slog.Logger
}

// NewConsumerFactory returns a ConsumerFactory.
func NewConsumerFactory(cfg Config, log *slog.Logger) (*ConsumerFactory, error) {
	return &ConsumerFactory{cfg: cfg.withDefaults(), log: loggerOrDefault(log)}, nil
}

// Consumer implements ports.MessageConsumerFactory: Kafka's group splits
// the partitions, so opts.Share is ignored. Partitions without a
// committed position (normally CreateSubscriptionPosition made them) start
// at the earliest retained message.
//
// Rebalances are blocked except inside Poll (kgo's BlockRebalanceOnPoll),
// so revoked runs while the delivery loop waits in Poll and never races
// the loop's handling of the records of the previous Poll; kgo drops the
// buffered records of revoked partitions before the next Poll returns.
func (f *ConsumerFactory) Consumer(_ context.Context, topic domain.Topic, sub domain.SubscriptionName, opts ports.ConsumerOptions) (ports.MessageConsumer, error) {
	revoked := opts.Revoked
	name, group := f.cfg.topicName(topic.QualifiedName()), f.cfg.groupID(sub)
	onRevoke := func(lost bool) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(ctx context.Context, _ *kgo.Client, parts map[string][]int32) {
			// kgo also calls this at the end of every group session,
			// with nothing revoked.
			if p := parts[name]; len(p) > 0 && revoked != nil {
				revoked(ctx, p, lost)
			}
		}
	}
	cl, err := kgo.NewClient(append(f.cfg.clientOpts(f.log.With("subscription", sub.String())),
		// Hermes names each subscription's client {clientId}_{groupId},
		// which is what GET .../consumer-groups shows per member.
		kgo.ClientID(f.cfg.ClientID+"_"+group),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(name),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(onRevoke(false)),
		kgo.OnPartitionsLost(onRevoke(true)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(f.cfg.SessionTimeout),
		kgo.HeartbeatInterval(f.cfg.HeartbeatInterval),
		kgo.RebalanceTimeout(f.cfg.RebalanceTimeout),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: consumer of %q: %w: %w", group, domain.ErrUnavailable, err)
	}
	return &Consumer{cl: cl, topic: name, group: group, avro: topic.ContentType == domain.ContentTypeAvro,
		migrated: topic.ContentType == domain.ContentTypeAvro && topic.MigratedFromJSONType, maxPoll: f.cfg.MaxPollRecords}, nil
}

// Consumer reads one subscription's messages as a member of its group.
type Consumer struct {
	cl    *kgo.Client
	topic string
	group string
	avro  bool
	// migrated is set for a topic moved from JSON to AVRO: its store topic
	// holds wrapped JSON records from before the move and Avro after it.
	migrated bool
	maxPoll  int
	once     sync.Once
}

// Poll implements ports.MessageConsumer. Rebalances blocked since the
// previous Poll run first (with their revoke callbacks), so partitions
// move only while the caller waits here.
func (c *Consumer) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	return c.PollUpTo(ctx, c.maxPoll)
}

// PollUpTo implements ports.BoundedPoller: Poll returning at most n
// records (and at most MaxPollRecords).
func (c *Consumer) PollUpTo(ctx context.Context, n int) ([]ports.ReceivedMessage, error) {
	n = min(c.maxPoll, max(n, 1))
	for {
		c.cl.AllowRebalance()
		fetches := c.cl.PollRecords(ctx, n)
		// Records come back even when ctx ended meanwhile: kgo counts them
		// as consumed, so dropping them would leave a gap a later commit
		// could pass.
		if fetches.NumRecords() > 0 {
			now := time.Now()
			out := make([]ports.ReceivedMessage, 0, fetches.NumRecords())
			fetches.EachRecord(func(r *kgo.Record) { out = append(out, c.decode(r, now)) })
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if fetches.IsClientClosed() {
			return nil, fmt.Errorf("kafka: poll %q: %w: %w", c.group, domain.ErrUnavailable, kgo.ErrClientClosed)
		}
		// Without records, a fetch error is what the caller must hear of.
		if errs := fetches.Errors(); len(errs) > 0 {
			err := errs[0].Err
			for _, e := range errs[1:] {
				err = errors.Join(err, e.Err)
			}
			return nil, fmt.Errorf("kafka: poll %q: %w: %w", c.group, domain.ErrUnavailable, err)
		}
	}
}

func (c *Consumer) decode(r *kgo.Record, readAt time.Time) ports.ReceivedMessage {
	return decodeRecord(r, c.avro, c.migrated, readAt)
}

// decodeRecord reads a record in Hermes's format back into a message;
// migrated says the topic moved from JSON to AVRO, so a record may be
// either.
func decodeRecord(r *kgo.Record, avro, migrated bool, readAt time.Time) ports.ReceivedMessage {
	var m domain.Message
	var stored domain.ContentType
	switch {
	case migrated && domain.IsWrappedJSON(r.Value):
		m, _ = domain.UnwrapJSON(r.Value)
		stored = domain.ContentTypeJSON
	case avro:
		m.Body = r.Value
	default:
		m, _ = domain.UnwrapJSON(r.Value) // never fails: foreign values come back as the body
	}
	var headers map[string]string // made for the first h- header only: this runs per message
	for _, h := range r.Headers {
		switch {
		case h.Key == headerID && m.ID == "":
			m.ID = string(h.Value)
		case h.Key == headerSchemaVersion && len(h.Value) == 4:
			m.SchemaVersion = int(binary.BigEndian.Uint32(h.Value))
		case strings.HasPrefix(h.Key, headerPrefix):
			if headers == nil {
				headers = map[string]string{}
			}
			headers[strings.TrimPrefix(h.Key, headerPrefix)] = string(h.Value)
		}
	}
	if len(m.Headers) == 0 && len(headers) > 0 {
		m.Headers = headers
	}
	if len(m.Headers) == 0 {
		m.Headers = nil
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = r.Timestamp
	}
	m.Key = r.Key
	return ports.ReceivedMessage{Message: m, Partition: r.Partition, Offset: r.Offset, ReadAt: readAt, Size: len(r.Value), ContentType: stored}
}

// Commit implements ports.MessageConsumer: it commits exactly offsets (each
// offset's Topic is ignored; the consumer reads one store topic).
func (c *Consumer) Commit(ctx context.Context, offsets []ports.PartitionOffset) error {
	if len(offsets) == 0 {
		return nil
	}
	parts := make(map[int32]kgo.EpochOffset, len(offsets))
	for _, o := range offsets {
		parts[o.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o.Offset}
	}
	var err error
	c.cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{c.topic: parts},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, cerr error) {
			err = cerr
			if resp == nil {
				// kgo passes no response when the request itself failed
				// (connection lost, broker gone, context ended).
				if err == nil {
					err = errors.New("no commit response")
				}
				return
			}
			err = errors.Join(err, commitErrors(resp))
		})
	if err != nil {
		return fmt.Errorf("kafka: commit %q: %w: %w", c.group, domain.ErrUnavailable, err)
	}
	return nil
}

// commitErrors joins the per-partition errors of a commit's response.
func commitErrors(resp *kmsg.OffsetCommitResponse) error {
	var err error
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			err = errors.Join(err, kerr.ErrorForCode(p.ErrorCode))
		}
	}
	return err
}

// Close leaves the group and closes the client. Idempotent.
func (c *Consumer) Close() error {
	c.once.Do(func() {
		c.cl.AllowRebalance() // a blocked rebalance would stall leaving
		c.cl.Close()
	})
	return nil
}
