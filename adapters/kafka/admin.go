package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MessageStoreAdmin = (*Admin)(nil)

// Admin manages store topics and consumer group offsets.
type Admin struct {
	cfg Config
	cl  *kgo.Client
	adm *kadm.Client
	log *slog.Logger
}

// NewAdmin returns an Admin; it connects on first use.
func NewAdmin(cfg Config, log *slog.Logger) (*Admin, error) {
	cfg = cfg.withDefaults()
	log = loggerOrDefault(log)
	cl, err := kgo.NewClient(cfg.clientOpts(log)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: admin client: %w", err)
	}
	return &Admin{cfg: cfg, cl: cl, adm: kadm.NewClient(cl), log: log}, nil
}

// ClusterName is the configured name of this cluster, which retransmission
// reports next to the offsets it moved.
func (a *Admin) ClusterName() string { return a.cfg.ClusterName }

// Close closes the client. Idempotent.
func (a *Admin) Close() { a.cl.Close() }

// topicConfigs are the store topic settings Hermes manages.
func (a *Admin) topicConfigs(t domain.Topic) map[string]*string {
	c := map[string]*string{
		"max.message.bytes": kadm.StringPtr(strconv.Itoa(a.cfg.maxMessageBytes(t.MaxMessageSize))),
		"cleanup.policy":    kadm.StringPtr("delete"),
	}
	if t.RetentionTime != nil {
		c["retention.ms"] = kadm.StringPtr(strconv.FormatInt(t.RetentionTime.AsDuration().Milliseconds(), 10))
	}
	return c
}

// CreateTopic implements ports.MessageStoreAdmin.
func (a *Admin) CreateTopic(ctx context.Context, t domain.Topic) error {
	name := a.cfg.topicName(t.QualifiedName())
	// kfake takes any name and then cannot reload a partition whose
	// directory name is too long, so Kafka's own rules are applied here.
	if err := domain.CheckStoreTopicName(name); err != nil {
		return err
	}
	resp, err := a.adm.CreateTopic(ctx, int32(a.cfg.Partitions), a.cfg.ReplicationFactor, a.topicConfigs(t), name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return unavailable(fmt.Sprintf("create topic %q", name), err)
	}
	return nil
}

// UpdateTopic implements ports.MessageStoreAdmin.
func (a *Admin) UpdateTopic(ctx context.Context, t domain.Topic) error {
	name := a.cfg.topicName(t.QualifiedName())
	var alter []kadm.AlterConfig
	for k, v := range a.topicConfigs(t) {
		alter = append(alter, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: v})
	}
	err := retry(ctx, func() error {
		resps, err := a.adm.AlterTopicConfigs(ctx, alter, name)
		if err == nil {
			for _, r := range resps {
				err = errors.Join(err, r.Err)
			}
		}
		return err
	})
	if err != nil {
		return unavailable(fmt.Sprintf("update topic %q", name), err)
	}
	return nil
}

// DeleteTopic implements ports.MessageStoreAdmin.
func (a *Admin) DeleteTopic(ctx context.Context, t domain.TopicName) error {
	name := a.cfg.topicName(t)
	resp, err := a.adm.DeleteTopic(ctx, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
		return unavailable(fmt.Sprintf("delete topic %q", name), err)
	}
	// Kafka deletes asynchronously: until the broker's metadata drops the
	// topic, it still takes writes. Wait, so a deleted topic is gone; a
	// topic of that name with another id is a new one (created meanwhile
	// by a concurrent create), which must not keep the wait going. The
	// deleted topic's id is the answer's (Kafka 2.8 and later; without it
	// the wait is for the name to go).
	id := resp.ID
	for {
		topics, err := a.adm.ListTopics(ctx, name)
		if err == nil && (!topics.Has(name) || (id != kadm.TopicID{} && topics[name].ID != id)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return unavailable(fmt.Sprintf("delete topic %q", name), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CreateSubscriptionPosition implements ports.MessageStoreAdmin: it commits
// the end offset of every partition the group has no commit for.
func (a *Admin) CreateSubscriptionPosition(ctx context.Context, sub domain.SubscriptionName) error {
	topic, group := a.cfg.topicName(sub.Topic), a.cfg.groupID(sub)
	if err := retry(ctx, func() error { return a.commitEnds(ctx, topic, group) }); err != nil {
		return unavailable(fmt.Sprintf("create position of %q on %q", group, topic), err)
	}
	return nil
}

func (a *Admin) commitEnds(ctx context.Context, topic, group string) error {
	ends, committed, err := a.positions(ctx, topic, group)
	if err != nil {
		return err
	}
	var missing kadm.Offsets
	ends.Each(func(end kadm.ListedOffset) {
		if _, ok := committedAt(committed, topic, end.Partition); !ok {
			missing.Add(kadm.Offset{Topic: topic, Partition: end.Partition, At: end.Offset, LeaderEpoch: -1})
		}
	})
	if len(missing) == 0 {
		return nil
	}
	return a.adm.CommitAllOffsets(ctx, group, missing)
}

// positions reads the end offsets of topic and the offsets group committed.
// A group the broker does not know has no committed offsets.
func (a *Admin) positions(ctx context.Context, topic, group string) (kadm.ListedOffsets, kadm.OffsetResponses, error) {
	ends, err := a.adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, nil, err
	}
	committed, err := a.adm.FetchOffsets(ctx, group)
	if err == nil {
		err = committed.Error()
	}
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) { // kfake's answer for a new group
		return nil, nil, err
	}
	return ends, committed, nil
}

// committedAt is group's committed offset on a partition, if it has one.
func committedAt(committed kadm.OffsetResponses, topic string, partition int32) (int64, bool) {
	c, ok := committed.Lookup(topic, partition)
	return c.At, ok && c.At >= 0
}

// Lag implements ports.MessageStoreAdmin. A missing topic is
// domain.ErrTopicNotFound.
func (a *Admin) Lag(ctx context.Context, sub domain.SubscriptionName) (int64, error) {
	topic, group := a.cfg.topicName(sub.Topic), a.cfg.groupID(sub)
	var lag int64
	var found bool
	err := retry(ctx, func() error {
		ends, committed, err := a.positions(ctx, topic, group)
		if err != nil {
			return err
		}
		lag, found = 0, false
		var uncommitted []int32
		ends.Each(func(end kadm.ListedOffset) {
			if at, ok := committedAt(committed, topic, end.Partition); ok {
				lag, found = lag+max(0, end.Offset-at), true
			} else {
				uncommitted = append(uncommitted, end.Partition)
			}
		})
		if !found || len(uncommitted) == 0 {
			return nil
		}
		starts, err := a.adm.ListStartOffsets(ctx, topic)
		if err == nil {
			err = starts.Error()
		}
		if err != nil {
			return err
		}
		for _, p := range uncommitted {
			start, _ := starts.Lookup(topic, p)
			end, _ := ends.Lookup(topic, p)
			lag += end.Offset - start.Offset
		}
		return nil
	})
	if err != nil {
		return 0, unavailable(fmt.Sprintf("lag of %q on %q", group, topic), err)
	}
	if !found {
		return 0, fmt.Errorf("kafka: lag of %q on %q: no committed position: %w", group, topic, domain.ErrNotFound)
	}
	return lag, nil
}

// DeleteSubscriptionPosition implements ports.MessageStoreAdmin. Kafka
// refuses to delete a group that has members (kerr.NonEmptyGroup, wrapped
// as domain.ErrUnavailable).
func (a *Admin) DeleteSubscriptionPosition(ctx context.Context, sub domain.SubscriptionName) error {
	group := a.cfg.groupID(sub)
	err := retry(ctx, func() error {
		resp, err := a.adm.DeleteGroup(ctx, group)
		if err == nil {
			err = resp.Err
		}
		return err
	})
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return unavailable(fmt.Sprintf("delete group %q", group), err)
	}
	return nil
}

// OffsetsAt implements ports.MessageStoreAdmin. PartitionOffset.Topic is
// the Kafka topic name; a missing topic is domain.ErrTopicNotFound.
func (a *Admin) OffsetsAt(ctx context.Context, t domain.TopicName, at time.Time) ([]ports.PartitionOffset, error) {
	name := a.cfg.topicName(t)
	var listed kadm.ListedOffsets
	err := retry(ctx, func() (err error) {
		listed, err = a.adm.ListOffsetsAfterMilli(ctx, at.UnixMilli(), name)
		if err == nil {
			err = listed.Error()
		}
		return err
	})
	if err != nil {
		return nil, unavailable(fmt.Sprintf("list offsets of %q", name), err)
	}
	var out []ports.PartitionOffset
	listed.Each(func(o kadm.ListedOffset) {
		out = append(out, ports.PartitionOffset{Topic: name, Partition: o.Partition, Offset: o.Offset})
	})
	slices.SortFunc(out, func(x, y ports.PartitionOffset) int { return int(x.Partition - y.Partition) })
	return out, nil
}

// CommitPositions implements ports.MessageStoreAdmin. A subscription reads
// exactly one store topic, so each offset's Topic is ignored.
func (a *Admin) CommitPositions(ctx context.Context, sub domain.SubscriptionName, offsets []ports.PartitionOffset) error {
	if len(offsets) == 0 {
		return nil
	}
	topic, group := a.cfg.topicName(sub.Topic), a.cfg.groupID(sub)
	var os kadm.Offsets
	for _, o := range offsets {
		os.Add(kadm.Offset{Topic: topic, Partition: o.Partition, At: o.Offset, LeaderEpoch: -1})
	}
	if err := retry(ctx, func() error { return a.adm.CommitAllOffsets(ctx, group, os) }); err != nil {
		return unavailable(fmt.Sprintf("commit positions of %q on %q", group, topic), err)
	}
	return nil
}

// retryFor bounds how long retry keeps trying an operation that fails for
// a transient reason. It stays below the management server's 60 s write
// timeout: a loaded single broker was seen taking 18 s, and once more
// than 30 s (the CI run with both cores busy, two contract suites
// creating topics at once), to apply a new topic's metadata record,
// answering UNKNOWN_TOPIC_OR_PARTITION meanwhile.
const retryFor = 50 * time.Second

// retry runs op until it succeeds, fails for good, ctx ends, or retryFor
// passed, pausing 100 ms between attempts: on a real cluster a new topic or
// the group coordinator takes a moment to be known to every broker
// (UNKNOWN_TOPIC_OR_PARTITION, COORDINATOR_NOT_AVAILABLE right after
// creation). That moment grows with the load: five attempts over one
// second were not enough on a loaded machine, nor were 15 s once.
func retry(ctx context.Context, op func() error) error {
	deadline := time.Now().Add(retryFor)
	for {
		err := op()
		if err == nil || !kerr.IsRetriable(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// MissingTopics implements ports.MessageStoreAdmin with one metadata
// request for all topics.
func (a *Admin) MissingTopics(ctx context.Context, topics []domain.TopicName) ([]domain.TopicName, error) {
	if len(topics) == 0 {
		return nil, nil
	}
	listed, err := a.adm.ListTopics(ctx)
	if err != nil {
		return nil, unavailable("list topics", err)
	}
	var missing []domain.TopicName
	for _, t := range topics {
		if !listed.Has(a.cfg.topicName(t)) {
			missing = append(missing, t)
		}
	}
	return missing, nil
}
