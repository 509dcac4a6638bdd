package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetcher fetches, for every open shared consumer, the partitions that
// one broker leads: one goroutine and one Fetch request at a time, on the
// factory client's connection to that broker.
type fetcher struct {
	f     *SharedConsumerFactory
	node  int32
	wake  chan struct{}                 // capacity 1: readers or room changed
	parts map[*sharedPartition]struct{} // guarded by f.mu
}

// poke wakes the fetcher if it waits for work.
func (fe *fetcher) poke() {
	select {
	case fe.wake <- struct{}{}:
	default:
	}
}

// entry is one partition of a fetch request: the position it fetches
// from and the readers that may take the records (those at a position in
// the fetched range with room when the response comes).
type entry struct {
	part    *sharedPartition
	offset  int64
	readers []*reader
}

func (fe *fetcher) run() {
	ctx := fe.f.ctx
	for ctx.Err() == nil {
		req, entries := fe.build()
		if len(entries) == 0 {
			select {
			case <-ctx.Done():
			case <-fe.wake:
			}
			continue
		}
		resp, err := fe.f.cl.Broker(int(fe.node)).Request(ctx, req)
		if err == nil {
			err = kerr.ErrorForCode(resp.(*kmsg.FetchResponse).ErrorCode)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fe.failed(entries, fmt.Errorf("fetch from broker %d: %w", fe.node, err))
			fe.f.requestRefresh()
			sleepCtx(ctx, sharedBackoff)
			continue
		}
		fe.handle(ctx, resp.(*kmsg.FetchResponse), entries)
	}
}

// build makes the next fetch request: per partition one position with
// at least one reader that has room. Positions of one partition take
// turns (Kafka takes a partition once per request); while some position
// waits for its turn the request does not wait at the broker, so a
// reader at the end of the log never delays one behind it.
func (fe *fetcher) build() (*kmsg.FetchRequest, []*entry) {
	fe.f.mu.Lock()
	parts := make([]*sharedPartition, 0, len(fe.parts))
	readers := make([][]*reader, 0, len(fe.parts))
	for p := range fe.parts { // map order: a different partition first each time, for MaxBytes fairness
		if len(p.readers) > 0 {
			parts = append(parts, p)
			readers = append(readers, p.readers)
		}
	}
	fe.f.mu.Unlock()

	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = int32(sharedMaxWait.Milliseconds())
	req.MinBytes = 1
	req.MaxBytes = sharedFetchMaxBytes
	var entries []*entry
	topics := map[*sharedTopic]int{}
	var waiting bool
	var positions []int64
	for i, p := range parts {
		positions = positions[:0]
		for _, r := range readers[i] {
			r.c.mu.Lock()
			if !r.c.closed && r.hasRoom() {
				positions = append(positions, r.pos)
			}
			r.c.mu.Unlock()
		}
		if len(positions) == 0 {
			continue
		}
		slices.Sort(positions)
		positions = slices.Compact(positions)
		offset := positions[int(p.turn.Add(1))%len(positions)]
		waiting = waiting || len(positions) > 1
		entries = append(entries, &entry{part: p, offset: offset, readers: readers[i]})

		ti, ok := topics[p.topic]
		if !ok {
			ti = len(req.Topics)
			topics[p.topic] = ti
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = p.topic.name, p.topic.id
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p.id
		rp.FetchOffset = offset
		rp.PartitionMaxBytes = sharedPartitionMaxBytes
		req.Topics[ti].Partitions = append(req.Topics[ti].Partitions, rp)
	}
	if waiting {
		req.MaxWaitMillis = 0
	}
	return req, entries
}

// handle gives each partition's records to its readers and reacts to the
// partitions' errors.
func (fe *fetcher) handle(ctx context.Context, resp *kmsg.FetchResponse, entries []*entry) {
	type key struct {
		topic string
		id    [16]byte
		part  int32
	}
	byKey := make(map[key]*entry, len(entries))
	for _, e := range entries {
		// A response names its topics by ID from Fetch v13, by name before.
		byKey[key{topic: e.part.topic.name, part: e.part.id}] = e
		byKey[key{id: e.part.topic.id, part: e.part.id}] = e
	}
	var reroute bool
	var outOfRange []*entry
	for _, rt := range resp.Topics {
		for i := range rt.Partitions {
			rp := &rt.Partitions[i]
			k := key{topic: rt.Topic, part: rp.Partition}
			if rt.TopicID != ([16]byte{}) {
				k = key{id: rt.TopicID, part: rp.Partition}
			}
			e := byKey[k]
			if e == nil {
				continue
			}
			err := kerr.ErrorForCode(rp.ErrorCode)
			switch {
			case err == nil:
				fe.deliver(e, rp)
			case errors.Is(err, kerr.OffsetOutOfRange):
				outOfRange = append(outOfRange, e)
			case errors.Is(err, kerr.NotLeaderForPartition), errors.Is(err, kerr.FencedLeaderEpoch),
				errors.Is(err, kerr.UnknownLeaderEpoch), errors.Is(err, kerr.UnknownTopicOrPartition),
				errors.Is(err, kerr.UnknownTopicID), errors.Is(err, kerr.InconsistentTopicID),
				errors.Is(err, kerr.LeaderNotAvailable), errors.Is(err, kerr.ReplicaNotAvailable),
				errors.Is(err, kerr.KafkaStorageError), errors.Is(err, kerr.OffsetNotAvailable):
				// The leader moved or the topic changed: route again.
				fe.f.unroute(e.part)
				reroute = true
			default:
				fe.failed([]*entry{e}, fmt.Errorf("fetch %s[%d]: %w", e.part.topic.name, e.part.id, err))
			}
		}
	}
	if reroute {
		fe.f.requestRefresh()
	}
	if len(outOfRange) > 0 {
		fe.reset(ctx, outOfRange)
	}
}

// deliver decodes a partition's records once and appends them to every
// reader whose position lies in the fetched range and that has room.
func (fe *fetcher) deliver(e *entry, rp *kmsg.FetchResponseTopicPartition) {
	fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
		Offset: e.offset, Topic: e.part.topic.name, Partition: e.part.id,
	}, rp, fe.f.decomp, nil)
	if fp.Err != nil && next <= e.offset {
		fe.failed([]*entry{e}, fmt.Errorf("decode %s[%d]: %w", e.part.topic.name, e.part.id, fp.Err))
		return
	}
	if next <= e.offset {
		return // nothing new
	}
	batch := make([]fetched, len(fp.Records))
	recs := make([]*fetched, len(fp.Records))
	// sizes[i] is the byte count of recs[i:], so each reader's share costs
	// no walk over the batch.
	sizes := make([]int, len(recs)+1)
	shared := len(e.readers) > 1
	for i := len(recs) - 1; i >= 0; i-- {
		rec := fp.Records[i]
		batch[i].rec, batch[i].size, batch[i].shared = rec, recordBytes(rec), shared
		recs[i] = &batch[i]
		sizes[i] = sizes[i+1] + batch[i].size
	}
	for _, r := range e.readers {
		c := r.c
		c.mu.Lock()
		if c.closed || r.pos < e.offset || r.pos >= next || !r.hasRoom() {
			c.mu.Unlock()
			continue
		}
		i := sort.Search(len(recs), func(i int) bool { return recs[i].rec.Offset >= r.pos })
		took := i < len(recs)
		r.recs = append(r.recs, recs[i:]...)
		r.bytes += sizes[i]
		r.pos = next
		c.mu.Unlock()
		if took {
			c.notify()
		}
	}
}

// reset moves readers whose position is out of the partition's range to
// the partition's start, as the group consumer's AtStart reset does.
func (fe *fetcher) reset(ctx context.Context, entries []*entry) {
	topics := map[string]bool{}
	for _, e := range entries {
		topics[e.part.topic.name] = true
	}
	lctx, cancel := context.WithTimeout(ctx, sharedOpenRetry)
	defer cancel()
	starts, err := fe.f.adm.ListStartOffsets(lctx, slices.Collect(maps.Keys(topics))...)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		fe.failed(entries, fmt.Errorf("start offsets after out of range: %w", err))
		return
	}
	for _, e := range entries {
		start, ok := starts.Lookup(e.part.topic.name, e.part.id)
		if !ok {
			continue
		}
		for _, r := range e.readers {
			r.c.mu.Lock()
			if r.pos == e.offset {
				fe.f.log.Info("position out of range: reading from the partition start",
					"group", r.c.group, "topic", e.part.topic.name, "partition", e.part.id, "offset", r.pos, "start", start.Offset)
				r.pos = start.Offset
			}
			r.c.mu.Unlock()
		}
	}
}

// failed tells the entries' consumers that their fetch failed.
func (fe *fetcher) failed(entries []*entry, err error) {
	seen := map[*SharedConsumer]bool{}
	for _, e := range entries {
		for _, r := range e.readers {
			if !seen[r.c] {
				seen[r.c] = true
				r.c.fail(err, false)
			}
		}
	}
}

// requestRefresh asks the metadata loop for a refresh soon.
func (f *SharedConsumerFactory) requestRefresh() {
	select {
	case f.refresh <- struct{}{}:
	default:
	}
}

// runMetadata refreshes the leaders of the read topics when a fetch asks
// for it and every sharedMetadataEvery, and fails the consumers of
// topics that were deleted or recreated.
func (f *SharedConsumerFactory) runMetadata() {
	ctx := f.ctx
	tick := time.NewTicker(sharedMetadataEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.refresh:
		case <-tick.C:
		}
		if err := f.refreshMetadata(ctx); err != nil && ctx.Err() == nil {
			f.log.Debug("shared consumer metadata refresh failed", "err", err)
			f.requestRefresh()
		}
		// Bound the refresh rate while leaders are unknown.
		sleepCtx(ctx, sharedBackoff)
	}
}

func (f *SharedConsumerFactory) refreshMetadata(ctx context.Context) error {
	f.mu.Lock()
	names := make([]string, 0, len(f.topics))
	for name := range f.topics {
		names = append(names, name)
	}
	f.mu.Unlock()
	if len(names) == 0 {
		return nil // an empty request would ask for every topic
	}
	mctx, cancel := context.WithTimeout(ctx, sharedOpenRetry)
	defer cancel()
	md, err := f.adm.Metadata(mctx, names...)
	if err != nil {
		return err
	}
	var unknown bool
	var gone []*SharedConsumer
	var added []*reader // of partitions added to a topic, not yet positioned
	f.mu.Lock()
	for _, name := range names {
		t := f.topics[name]
		if t == nil {
			continue
		}
		detail, ok := md.Topics[name]
		switch {
		case !ok || errors.Is(detail.Err, kerr.UnknownTopicOrPartition) || (detail.Err == nil && detail.ID != t.id):
			// Deleted, or recreated under the same name: positions of the
			// old incarnation mean nothing in the new one.
			for c := range t.consumers {
				gone = append(gone, c)
			}
			f.detachLocked(t)
		case detail.Err != nil:
			unknown = true
		default:
			for p, part := range t.parts {
				pd, ok := detail.Partitions[p]
				if !ok {
					pd = kadm.PartitionDetail{Leader: -1}
				}
				f.routeLocked(part, pd)
				unknown = unknown || part.leader < 0
			}
			for p, pd := range detail.Partitions {
				if t.parts[p] == nil {
					added = append(added, f.addPartitionLocked(t, p, pd)...)
				}
			}
		}
	}
	f.mu.Unlock()
	for _, c := range gone {
		c.fail(fmt.Errorf("store topic %q was deleted or recreated", c.topic.name), true)
	}
	for _, r := range added {
		f.startReader(ctx, r)
	}
	if unknown {
		return errors.New("some leaders are unknown")
	}
	return nil
}

// addPartitionLocked registers partition p, new in t (partitions were
// added to the topic), and returns readers of it for the consumers whose
// share owns it; startReader positions and registers them. Called with
// f.mu held.
func (f *SharedConsumerFactory) addPartitionLocked(t *sharedTopic, p int32, pd kadm.PartitionDetail) []*reader {
	part := &sharedPartition{topic: t, id: p, leader: -1}
	t.parts[p] = part
	f.routeLocked(part, pd)
	var out []*reader
	for c := range t.consumers {
		if c.share.Owns(p) {
			out = append(out, &reader{c: c, part: part})
		}
	}
	return out
}

// startReader reads the committed position of a new partition's reader
// (the start where none is, as at open) and registers it. A reader whose
// position cannot be read fails its consumer's next Poll, so the delivery
// loop reopens it and reads the partition from there.
func (f *SharedConsumerFactory) startReader(ctx context.Context, r *reader) {
	c := r.c
	positions, err := f.positions(ctx, c.topic.name, c.group, []int32{r.part.id})
	if err != nil {
		c.fail(fmt.Errorf("position on added partition %d: %w", r.part.id, err), true)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || f.topics[c.topic.name] != c.topic {
		return
	}
	r.pos = positions[r.part.id]
	c.readers = append(c.readers, r)
	r.part.readers = append(slices.Clip(r.part.readers), r)
	if fe := r.part.route.Load(); fe != nil {
		fe.poke()
	}
	f.log.Info("reading a partition added to the topic", "group", c.group, "topic", c.topic.name, "partition", r.part.id, "offset", r.pos)
}

// routeLocked points part at the fetcher of its leader (none while the
// partition has no leader). Called with f.mu held.
func (f *SharedConsumerFactory) routeLocked(part *sharedPartition, pd kadm.PartitionDetail) {
	leader := pd.Leader
	if pd.Err != nil {
		leader = -1
	}
	if leader == part.leader && (leader < 0 || part.route.Load() != nil) {
		return
	}
	if old := part.route.Load(); old != nil {
		delete(old.parts, part)
		part.route.Store(nil)
	}
	part.leader = leader
	if leader < 0 || f.closed {
		return
	}
	fe := f.fetchers[leader]
	if fe == nil {
		fe = &fetcher{f: f, node: leader, wake: make(chan struct{}, 1), parts: map[*sharedPartition]struct{}{}}
		f.fetchers[leader] = fe
		f.wg.Go(fe.run)
	}
	fe.parts[part] = struct{}{}
	part.route.Store(fe)
	fe.poke()
}

// unroute takes part from its fetcher until metadata names its leader.
func (f *SharedConsumerFactory) unroute(part *sharedPartition) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routeLocked(part, kadm.PartitionDetail{Leader: -1})
}

// detachLocked forgets t and takes its partitions from the fetchers.
// Called with f.mu held.
func (f *SharedConsumerFactory) detachLocked(t *sharedTopic) {
	if f.topics[t.name] == t {
		delete(f.topics, t.name)
	}
	for _, part := range t.parts {
		f.routeLocked(part, kadm.PartitionDetail{Leader: -1})
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
