package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// readWait bounds a read-back when ctx has no deadline.
const readWait = 10 * time.Second

// LatestMessages implements ports.MessageStoreAdmin: it reads the last
// limit records of every partition with a client of its own (no group)
// and keeps the newest limit of them.
func (a *Admin) LatestMessages(ctx context.Context, t domain.Topic, limit int) ([]ports.StoredMessage, error) {
	if limit <= 0 {
		return []ports.StoredMessage{}, nil
	}
	topic := a.cfg.topicName(t.QualifiedName())
	starts, ends, err := a.bounds(ctx, topic)
	if err != nil {
		return nil, err
	}
	from := map[int32]kgo.Offset{}
	want := map[int32]int64{} // partition -> last offset to read
	ends.Each(func(end kadm.ListedOffset) {
		start, _ := starts.Lookup(topic, end.Partition)
		if end.Offset > start.Offset {
			from[end.Partition] = kgo.NewOffset().At(max(start.Offset, end.Offset-int64(limit)))
			want[end.Partition] = end.Offset - 1
		}
	})
	got, err := a.consume(ctx, topic, t.ContentType == domain.ContentTypeAvro, from, func(r *kgo.Record) bool {
		if r.Offset >= want[r.Partition] {
			delete(want, r.Partition)
		}
		return len(want) == 0
	})
	slices.SortFunc(got, func(x, y ports.StoredMessage) int {
		return cmp.Or(y.Timestamp.Compare(x.Timestamp), cmp.Compare(y.Offset, x.Offset))
	})
	if len(got) > limit {
		got = got[:limit]
	}
	return got, err
}

// ReadMessage implements ports.MessageStoreAdmin.
func (a *Admin) ReadMessage(ctx context.Context, t domain.Topic, partition int32, offset int64) (ports.StoredMessage, error) {
	topic := a.cfg.topicName(t.QualifiedName())
	notFound := fmt.Errorf("kafka: %s partition %d offset %d: %w", topic, partition, offset, domain.ErrNotFound)
	starts, ends, err := a.bounds(ctx, topic)
	if err != nil {
		return ports.StoredMessage{}, err
	}
	start, okStart := starts.Lookup(topic, partition)
	end, okEnd := ends.Lookup(topic, partition)
	if !okStart || !okEnd || offset < start.Offset || offset >= end.Offset {
		return ports.StoredMessage{}, notFound
	}
	got, err := a.consume(ctx, topic, t.ContentType == domain.ContentTypeAvro,
		map[int32]kgo.Offset{partition: kgo.NewOffset().At(offset)},
		func(r *kgo.Record) bool { return r.Offset >= offset })
	if err != nil {
		return ports.StoredMessage{}, err
	}
	for _, m := range got {
		if m.Offset == offset {
			return m, nil
		}
	}
	return ports.StoredMessage{}, notFound // a gap: compacted, or a transaction marker
}

// bounds lists the start and end offsets of topic's partitions.
func (a *Admin) bounds(ctx context.Context, topic string) (starts, ends kadm.ListedOffsets, err error) {
	err = retry(ctx, func() error {
		var err error
		if starts, err = a.adm.ListStartOffsets(ctx, topic); err == nil {
			err = starts.Error()
		}
		if err != nil {
			return err
		}
		if ends, err = a.adm.ListEndOffsets(ctx, topic); err == nil {
			err = ends.Error()
		}
		return err
	})
	if err != nil {
		return nil, nil, unavailable("offsets of "+topic, err)
	}
	return starts, ends, nil
}

// consume reads topic's partitions from the given offsets until done
// says so after a record, or ctx (bounded by readWait) ends; it returns
// the records read. Ending by the deadline is not an error: a reader of a
// preview takes what came.
func (a *Admin) consume(ctx context.Context, topic string, avro bool, from map[int32]kgo.Offset, done func(*kgo.Record) bool) ([]ports.StoredMessage, error) {
	if len(from) == 0 {
		return []ports.StoredMessage{}, nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readWait)
		defer cancel()
	}
	cl, err := kgo.NewClient(append(a.cfg.clientOpts(a.log),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}))...)
	if err != nil {
		return nil, unavailable("reading "+topic, err)
	}
	defer cl.Close()
	got := []ports.StoredMessage{}
	for {
		fetches := cl.PollFetches(ctx)
		finished := false
		fetches.EachRecord(func(r *kgo.Record) {
			if finished {
				return
			}
			got = append(got, ports.StoredMessage{ReceivedMessage: decodeRecord(r, avro, avro, time.Now()), Value: r.Value}) // a migrated topic may hold JSON records
			finished = done(r)
		})
		if finished || ctx.Err() != nil {
			return got, nil
		}
		for _, e := range fetches.Errors() {
			if !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded) {
				return got, unavailable("reading "+topic, e.Err)
			}
		}
	}
}
