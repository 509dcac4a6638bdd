package kafka

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var (
	_ ports.MessageConsumerFactory = (*SharedConsumerFactory)(nil)
	_ ports.MessageConsumer        = (*SharedConsumer)(nil)
)

// Bounds of the shared consumer. A reader (one subscription's partition)
// is fetched for only while its buffer holds fewer than
// sharedBufferRecords(cfg) records and sharedBufferBytes bytes; a
// partition's fetched batch is accepted whole, so a buffer may overshoot
// the bound by one fetch of the partition (sharedPartitionMaxBytes, or
// one record batch where a batch is larger).
const (
	// sharedMaxWait is how long a fetch waits at the broker for data.
	sharedMaxWait = 500 * time.Millisecond
	// sharedPartitionMaxBytes is the per-partition limit of a fetch.
	sharedPartitionMaxBytes = 1 << 20
	// sharedFetchMaxBytes is the limit of one fetch response.
	sharedFetchMaxBytes = 32 << 20
	// sharedBufferBytes bounds a reader's buffered record bytes.
	sharedBufferBytes = 1 << 20
	// sharedMetadataEvery is how often the read topics' metadata is
	// checked when no fetch error asked for it earlier: leaders that
	// moved without failing a fetch, partitions added to a topic.
	sharedMetadataEvery = 10 * time.Second
	// sharedBackoff is the pause after a fetch or metadata request failed
	// as a whole (the broker is unreachable).
	sharedBackoff = 500 * time.Millisecond
	// sharedOpenRetry bounds how long opening a consumer retries a topic
	// its metadata does not show yet (a topic just created).
	sharedOpenRetry = 10 * time.Second
	// sharedGroupClients is how many clients (connections per
	// coordinator) serve offset fetches and commits.
	sharedGroupClients = 4
)

// sharedBufferRecords bounds a reader's buffered records: one Poll's worth.
func sharedBufferRecords(cfg Config) int { return cfg.MaxPollRecords }

// errConsumerClosed is what Poll of a closed consumer (or of a closed
// factory) returns, wrapped in domain.ErrUnavailable.
var errConsumerClosed = errors.New("shared consumer closed")

// SharedConsumerFactory opens consumers that share a few Kafka
// connections per node instead of a consumer group client each. One
// franz-go client without a group serves metadata, leader routing,
// offset fetches and commits (routed to each group's coordinator); one
// fetcher goroutine per broker fetches the partitions of every open
// consumer that broker leads, with raw Fetch requests. Consumers of the
// same partition at the same position share one fetch entry and one
// decoded batch; a consumer whose buffer is full is left out of the next
// fetch and never delays another (Hermes #1862).
//
// Offsets stay in Kafka under each subscription's own group id, written
// as standalone commits (generation -1, no member), which Kafka accepts
// only while the group has no members: do not mix this consumer with
// group members (ConsumerFactory, Hermes's consumers) on one
// subscription. Nothing splits partitions between instances but the
// ports.PartitionShare each consumer is opened with.
type SharedConsumerFactory struct {
	cfg Config
	log *slog.Logger
	cl  *kgo.Client // metadata, fetches, start offsets
	adm *kadm.Client
	// groupClients serve the offset fetches and commits, a group always
	// on the same one: Kafka handles one request of a connection at a
	// time, and 10 000 subscriptions committing each second do not fit
	// one connection (about a millisecond each), nor should fetches and
	// metadata queue behind them.
	groupClients []*kgo.Client
	decomp       kgo.Decompressor

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	refresh chan struct{} // wakes the metadata loop; capacity 1

	mu       sync.Mutex
	closed   bool
	topics   map[string]*sharedTopic // by store topic name, while a consumer reads it
	fetchers map[int32]*fetcher      // by broker node id
}

// sharedTopic is one incarnation of a store topic that open consumers
// read. A topic deleted or recreated is detached from the factory: its
// consumers fail and the next ones read the new incarnation.
type sharedTopic struct {
	name      string
	id        [16]byte
	parts     map[int32]*sharedPartition
	consumers map[*SharedConsumer]struct{}
}

// sharedPartition is one partition of a sharedTopic and its readers.
// Fields are guarded by the factory's mu except where noted.
type sharedPartition struct {
	topic   *sharedTopic
	id      int32
	leader  int32
	readers []*reader // copy on write: fetchers read a snapshot
	// route is the fetcher of the current leader, nil while unknown; an
	// atomic so Poll can wake it without the factory's lock.
	route atomic.Pointer[fetcher]
	// turn rotates which of several positions a fetch serves.
	turn atomic.Uint32
}

// reader is one consumer's position and buffer on one partition; the
// fields below part are guarded by its consumer's mu.
type reader struct {
	c    *SharedConsumer
	part *sharedPartition

	pos   int64 // next offset to fetch
	recs  []*fetched
	bytes int
}

// fetched is one record of a fetched batch, shared by every reader that
// took it. When the batch had more than one reader (subscriptions of a
// topic at one position), the first Poll to return the record keeps its
// decoded message for the others: 1 000 subscriptions of one topic
// decoded each record (unwrapping Hermes's JSON envelope) 1 000 times,
// 4 % of the CPU of make bench's 1 000-subscription fan-out.
type fetched struct {
	rec    *kgo.Record
	size   int  // recordBytes(rec)
	shared bool // more than one reader may take it: keep the decoded message
	dec    atomic.Pointer[decodedRecord]
}

// decodedRecord is a record's message as decoded for a topic's format.
type decodedRecord struct {
	m              ports.ReceivedMessage // ReadAt is set per Poll
	avro, migrated bool
}

// message decodes the record for a consumer of a topic with the given
// format, once per format when the record is shared. The message's Body,
// Key and Headers are then the same for every consumer: ports'
// ReceivedMessage says they are read-only.
func (f *fetched) message(avro, migrated bool, readAt time.Time) ports.ReceivedMessage {
	if !f.shared {
		return decodeRecord(f.rec, avro, migrated, readAt)
	}
	if d := f.dec.Load(); d != nil && d.avro == avro && d.migrated == migrated {
		m := d.m
		m.ReadAt = readAt
		return m
	}
	d := &decodedRecord{m: decodeRecord(f.rec, avro, migrated, time.Time{}), avro: avro, migrated: migrated}
	f.dec.Store(d) // a consumer of another format may replace it: both stay right
	m := d.m
	m.ReadAt = readAt
	return m
}

func (r *reader) hasRoom() bool {
	return len(r.recs) < r.c.maxBuffer && r.bytes < sharedBufferBytes
}

// NewSharedConsumerFactory returns a SharedConsumerFactory; it connects on
// first use. Close stops its goroutines.
func NewSharedConsumerFactory(cfg Config, log *slog.Logger) (*SharedConsumerFactory, error) {
	cfg = cfg.withDefaults()
	log = loggerOrDefault(log)
	clients := make([]*kgo.Client, 1+sharedGroupClients)
	for i := range clients {
		cl, err := kgo.NewClient(cfg.clientOpts(log)...)
		if err != nil {
			for _, c := range clients[:i] {
				c.Close()
			}
			return nil, fmt.Errorf("kafka: shared consumer client: %w", err)
		}
		clients[i] = cl
	}
	ctx, stop := context.WithCancel(context.Background())
	f := &SharedConsumerFactory{cfg: cfg, log: log, cl: clients[0], adm: kadm.NewClient(clients[0]), groupClients: clients[1:],
		decomp: kgo.DefaultDecompressor(), ctx: ctx, stop: stop, refresh: make(chan struct{}, 1),
		topics: map[string]*sharedTopic{}, fetchers: map[int32]*fetcher{}}
	f.wg.Go(f.runMetadata)
	return f, nil
}

// groupClient is the client of group's offset fetches and commits.
func (f *SharedConsumerFactory) groupClient(group string) *kgo.Client {
	h := fnv.New32a()
	_, _ = h.Write([]byte(group))
	return f.groupClients[h.Sum32()%uint32(len(f.groupClients))]
}

// Close stops the fetchers and the metadata loop and waits for them; open
// consumers' Polls fail from then on. Idempotent.
func (f *SharedConsumerFactory) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	var open []*SharedConsumer
	for _, t := range f.topics {
		for c := range t.consumers {
			open = append(open, c)
		}
	}
	f.mu.Unlock()
	f.stop()
	f.wg.Wait()
	f.cl.Close()
	for _, cl := range f.groupClients {
		cl.Close()
	}
	for _, c := range open {
		c.fail(errConsumerClosed, true)
	}
	return nil
}

// Consumer implements ports.MessageConsumerFactory: it reads the
// partitions of opts.Share from the subscription's committed positions
// (the partition's start where none is committed, as the group consumer
// does). opts.Revoked is never called: the share changes only by a new
// consumer. Errors wrap domain.ErrUnavailable.
func (f *SharedConsumerFactory) Consumer(ctx context.Context, topic domain.Topic, sub domain.SubscriptionName, opts ports.ConsumerOptions) (ports.MessageConsumer, error) {
	name, group := f.cfg.topicName(topic.QualifiedName()), f.cfg.groupID(sub)
	// A topic its last consumer just left may be forgotten while this one
	// opens: then it is loaded again.
	for attempt := 0; ; attempt++ {
		c, err := f.open(ctx, topic, name, group, opts.Share)
		if errors.Is(err, errTopicChanged) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("kafka: shared consumer of %q on %q: %w: %w", group, name, domain.ErrUnavailable, err)
		}
		return c, nil
	}
}

// errTopicChanged is open's error when the store topic was forgotten,
// deleted or recreated while a consumer of it opened.
var errTopicChanged = errors.New("store topic changed while opening")

func (f *SharedConsumerFactory) open(ctx context.Context, topic domain.Topic, name, group string, share ports.PartitionShare) (*SharedConsumer, error) {
	t, err := f.topic(ctx, name)
	if err != nil {
		return nil, err
	}
	var owned []int32
	for p := range t.parts {
		if share.Owns(p) {
			owned = append(owned, p)
		}
	}
	slices.Sort(owned)
	positions, err := f.positions(ctx, name, group, owned)
	if err != nil {
		return nil, err
	}
	c := &SharedConsumer{f: f, topic: t, group: group, maxPoll: f.cfg.MaxPollRecords, maxBuffer: sharedBufferRecords(f.cfg), share: share,
		avro:     topic.ContentType == domain.ContentTypeAvro,
		migrated: topic.ContentType == domain.ContentTypeAvro && topic.MigratedFromJSONType,
		ready:    make(chan struct{}, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errConsumerClosed
	}
	if f.topics[name] != t {
		return nil, errTopicChanged
	}
	t.consumers[c] = struct{}{}
	for _, p := range owned {
		part := t.parts[p]
		r := &reader{c: c, part: part, pos: positions[p]}
		c.readers = append(c.readers, r)
		part.readers = append(slices.Clip(part.readers), r)
		if fe := part.route.Load(); fe != nil {
			fe.poke()
		}
	}
	return c, nil
}

// topic returns the registered incarnation of the store topic name,
// loading its metadata first if no consumer reads it yet.
func (f *SharedConsumerFactory) topic(ctx context.Context, name string) (*sharedTopic, error) {
	f.mu.Lock()
	t := f.topics[name]
	f.mu.Unlock()
	if t != nil {
		return t, nil
	}
	var detail kadm.TopicDetail
	rctx, cancel := context.WithTimeout(ctx, sharedOpenRetry)
	defer cancel()
	err := retry(rctx, func() error {
		md, err := f.adm.Metadata(rctx, name)
		if err != nil {
			return err
		}
		detail = md.Topics[name]
		if detail.Err == nil && len(detail.Partitions) == 0 {
			return kerr.UnknownTopicOrPartition
		}
		return detail.Err
	})
	if err != nil {
		return nil, fmt.Errorf("metadata of %q: %w", name, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.topics[name]; t != nil {
		return t, nil // another consumer loaded it meanwhile
	}
	t = &sharedTopic{name: name, id: detail.ID, parts: map[int32]*sharedPartition{}, consumers: map[*SharedConsumer]struct{}{}}
	for p, pd := range detail.Partitions {
		part := &sharedPartition{topic: t, id: p, leader: -1}
		t.parts[p] = part
		f.routeLocked(part, pd)
		if part.leader < 0 {
			f.requestRefresh() // a new topic's leaders may still be elected
		}
	}
	f.topics[name] = t
	return t, nil
}

// positions returns where each of partitions starts: the group's
// committed offset, or the partition's start offset.
func (f *SharedConsumerFactory) positions(ctx context.Context, topic, group string, partitions []int32) (map[int32]int64, error) {
	var committed kadm.OffsetResponses
	err := retry(ctx, func() (err error) {
		committed, err = kadm.NewClient(f.groupClient(group)).FetchOffsets(ctx, group)
		if err == nil {
			err = committed.Error()
		}
		if errors.Is(err, kerr.GroupIDNotFound) { // kfake's answer for a new group
			err = nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("committed offsets: %w", err)
	}
	out := make(map[int32]int64, len(partitions))
	var missing bool
	for _, p := range partitions {
		if at, ok := committedAt(committed, topic, p); ok {
			out[p] = at
		} else {
			missing = true
		}
	}
	if !missing {
		return out, nil
	}
	starts, err := f.startOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	for _, p := range partitions {
		if _, ok := out[p]; !ok {
			start, _ := starts.Lookup(topic, p)
			out[p] = max(start.Offset, 0)
		}
	}
	return out, nil
}

func (f *SharedConsumerFactory) startOffsets(ctx context.Context, topic string) (kadm.ListedOffsets, error) {
	var starts kadm.ListedOffsets
	err := retry(ctx, func() (err error) {
		starts, err = f.adm.ListStartOffsets(ctx, topic)
		if err == nil {
			err = starts.Error()
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start offsets: %w", err)
	}
	return starts, nil
}

// SharedConsumer reads one subscription's share of a store topic through
// its factory's fetchers. It owns no goroutine.
type SharedConsumer struct {
	f         *SharedConsumerFactory
	topic     *sharedTopic
	group     string
	avro      bool
	migrated  bool
	maxPoll   int
	maxBuffer int
	share     ports.PartitionShare
	ready     chan struct{}

	mu sync.Mutex
	// readers grows (under the factory's mu too) when partitions are
	// added to the topic; Close reads it under the factory's mu.
	readers []*reader
	failed  error // a fetch failure since the last Poll
	gone    error // the topic is gone, or the consumer closed: every Poll fails
	closed  bool
	next    int // the reader the next Poll starts at, for fairness
	// waker is the pending NotifyReady call. It is set under mu, after mu
	// showed nothing to take; whatever makes something takeable changes
	// it under mu too and calls notify after, so no wake-up is lost.
	waker atomic.Pointer[waker]
}

var _ ports.ReadyNotifier = (*SharedConsumer)(nil)

// waker is one NotifyReady call: fired or stopped, whichever comes first.
type waker struct {
	ready func()
	spent atomic.Bool
}

func (w *waker) fire() {
	if w.spent.CompareAndSwap(false, true) {
		w.ready()
	}
}

// notify wakes a Poll waiting for records, or the pending NotifyReady.
func (c *SharedConsumer) notify() {
	if w := c.waker.Swap(nil); w != nil {
		w.fire()
	}
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// NotifyReady implements ports.ReadyNotifier: ready is called when a
// reader of the consumer has records, a fetch failed, or the consumer
// closed.
func (c *SharedConsumer) NotifyReady(ready func()) (stop func() bool) {
	w := &waker{ready: ready}
	c.mu.Lock()
	now := c.gone != nil || c.failed != nil || slices.ContainsFunc(c.readers, func(r *reader) bool { return len(r.recs) > 0 })
	if !now {
		c.waker.Store(w)
	}
	c.mu.Unlock()
	if now {
		w.fire()
	}
	return func() bool {
		c.waker.CompareAndSwap(w, nil)
		return w.spent.CompareAndSwap(false, true)
	}
}

// fail records a fetch failure (for the next Poll) or, final, a failure
// of every later Poll.
func (c *SharedConsumer) fail(err error, final bool) {
	c.mu.Lock()
	if final {
		if c.gone == nil {
			c.gone = err
		}
	} else {
		c.failed = err
	}
	c.mu.Unlock()
	c.notify()
}

// Poll implements ports.MessageConsumer: it returns up to MaxPollRecords
// buffered records, in offset order per partition, starting at another
// partition each time. It returns an error (wrapping
// domain.ErrUnavailable) only when it has nothing to return and the
// partitions' fetches failed since the previous Poll, or the topic was
// deleted, or the consumer or its factory closed.
func (c *SharedConsumer) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	return c.PollUpTo(ctx, c.maxPoll)
}

// PollUpTo implements ports.BoundedPoller: Poll returning at most n
// records (and at most MaxPollRecords).
func (c *SharedConsumer) PollUpTo(ctx context.Context, n int) ([]ports.ReceivedMessage, error) {
	n = min(c.maxPoll, max(n, 1))
	for {
		c.mu.Lock()
		recs, freed := c.take(n)
		err := c.gone
		if err == nil {
			err = c.failed
		}
		c.failed = nil
		c.mu.Unlock()
		for _, r := range freed {
			if fe := r.part.route.Load(); fe != nil {
				fe.poke()
			}
		}
		if len(recs) > 0 {
			now := time.Now()
			out := make([]ports.ReceivedMessage, len(recs))
			for i, r := range recs {
				out[i] = r.message(c.avro, c.migrated, now)
			}
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("kafka: poll %q: %w: %w", c.group, domain.ErrUnavailable, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.ready:
		}
	}
}

// take removes up to limit buffered records and returns them with the
// readers that had no room before and have now. Called with c.mu held.
func (c *SharedConsumer) take(limit int) (out []*fetched, freed []*reader) {
	n := len(c.readers)
	for i := range n {
		r := c.readers[(c.next+i)%n]
		if len(r.recs) == 0 {
			continue
		}
		full := !r.hasRoom()
		k := min(len(r.recs), limit-len(out))
		for _, rec := range r.recs[:k] {
			r.bytes -= rec.size
		}
		out = append(out, r.recs[:k]...)
		clear(r.recs[:k]) // the shared batch must not stay reachable from here
		r.recs = r.recs[k:]
		if len(r.recs) == 0 {
			r.recs, r.bytes = nil, 0 // an idle reader holds no memory
		}
		if full && r.hasRoom() {
			freed = append(freed, r)
		}
		if len(out) == limit {
			break
		}
	}
	if n > 0 {
		c.next = (c.next + 1) % n
	}
	return out, freed
}

// recordBytes is what rec's key, value and headers hold: what a buffered
// record counts against sharedBufferBytes, and about what it weighs in a
// produced batch.
func recordBytes(rec *kgo.Record) int {
	n := len(rec.Key) + len(rec.Value)
	for _, h := range rec.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// Commit implements ports.MessageConsumer with a standalone offset commit
// under the subscription's group id (each offset's Topic is ignored).
// Errors wrap domain.ErrUnavailable; a group that has members (a group
// consumer of the same subscription) refuses it.
func (c *SharedConsumer) Commit(ctx context.Context, offsets []ports.PartitionOffset) error {
	if len(offsets) == 0 {
		return nil
	}
	// A raw request, not kadm's: kadm looks up the topic's id in
	// metadata for every commit, and this consumer knows it.
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = c.group // generation -1 and no member id: a standalone commit
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic, rt.TopicID = c.topic.name, c.topic.id
	for _, o := range offsets {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = o.Partition, o.Offset
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.f.groupClient(c.group))
	if err == nil {
		err = commitErrors(resp)
	}
	if err != nil {
		return fmt.Errorf("kafka: commit %q: %w: %w", c.group, domain.ErrUnavailable, err)
	}
	return nil
}

// Close implements ports.MessageConsumer: it stops fetching for the
// consumer and drops its buffers (there is no group to leave).
// Idempotent.
func (c *SharedConsumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	if c.gone == nil {
		c.gone = errConsumerClosed
	}
	for _, r := range c.readers {
		clear(r.recs)
		r.recs, r.bytes = nil, 0
	}
	c.mu.Unlock()
	c.notify()

	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	t := c.topic
	delete(t.consumers, c)
	for _, r := range c.readers {
		r.part.readers = slices.DeleteFunc(slices.Clone(r.part.readers), func(x *reader) bool { return x == r })
	}
	if len(t.consumers) == 0 && f.topics[t.name] == t {
		f.detachLocked(t) // read by no one: forget it, and its routes
	}
	return nil
}
