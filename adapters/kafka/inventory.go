package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.StoreTopicInventory = (*Admin)(nil)

// avroSuffix is what Hermes's JSON-to-Avro migration appends to Kafka
// topic names; its consistency check strips it.
const avroSuffix = "_avro"

// StoreTopics implements ports.StoreTopicInventory.
func (a *Admin) StoreTopics(ctx context.Context) (map[string]string, error) {
	topics, err := a.adm.ListTopics(ctx)
	if err != nil {
		return nil, unavailable("list topics", err)
	}
	prefix := ""
	if a.cfg.Namespace != "" {
		prefix = a.cfg.Namespace + a.cfg.NamespaceSeparator
	}
	out := map[string]string{}
	for _, name := range topics.Names() {
		if strings.HasPrefix(name, "__") {
			continue // Kafka's own (__consumer_offsets, ...)
		}
		out[name] = strings.TrimSuffix(strings.TrimPrefix(name, prefix), avroSuffix)
	}
	return out, nil
}

// DeleteStoreTopic implements ports.StoreTopicInventory.
func (a *Admin) DeleteStoreTopic(ctx context.Context, name string) error {
	resp, err := a.adm.DeleteTopic(ctx, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
		return unavailable(fmt.Sprintf("delete topic %q", name), err)
	}
	return nil
}

// LastPublished implements ports.StoreTopicInventory: the newest record
// timestamp over the partitions, from each partition's last record (the
// broker's max-timestamp listing is not served by every broker).
func (a *Admin) LastPublished(ctx context.Context, topic domain.TopicName) (time.Time, bool, error) {
	name := a.cfg.topicName(topic)
	ends, err := a.adm.ListEndOffsets(ctx, name)
	if err == nil {
		err = ends.Error()
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, unavailable(fmt.Sprintf("list end offsets of %q", name), err)
	}
	var newest time.Time
	found := false
	for _, partitions := range ends {
		for _, end := range partitions {
			if end.Offset <= 0 {
				continue
			}
			at, ok, err := a.recordTime(ctx, name, end.Partition, end.Offset-1)
			if err != nil {
				return time.Time{}, false, err
			}
			if ok && (!found || at.After(newest)) {
				newest, found = at, true
			}
		}
	}
	return newest, found, nil
}

// recordTime reads the timestamp of one record with a short-lived client
// (the admin client consumes nothing); ok is false when the record is
// gone (deleted by retention meanwhile).
func (a *Admin) recordTime(ctx context.Context, topic string, partition int32, offset int64) (time.Time, bool, error) {
	cl, err := kgo.NewClient(append(a.cfg.clientOpts(loggerOrDefault(nil)),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {partition: kgo.NewOffset().At(offset)}}))...)
	if err != nil {
		return time.Time{}, false, unavailable("read last record", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return time.Time{}, false, unavailable(fmt.Sprintf("read record %d of %s/%d", offset, topic, partition), err)
		}
		var at time.Time
		found := false
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Offset >= offset && !found {
				at, found = r.Timestamp, true
			}
		})
		if found {
			return at, true, nil
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			if errors.Is(errs[0].Err, kerr.OffsetOutOfRange) {
				return time.Time{}, false, nil
			}
			return time.Time{}, false, unavailable("read last record", errs[0].Err)
		}
	}
}
