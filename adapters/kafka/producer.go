package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MessageProducer = (*Producer)(nil)

// Record header names, as Hermes writes them.
const (
	headerID            = "id"
	headerSchemaVersion = "sv"
	headerPrefix        = "h-"
)

// Producer writes messages to Kafka. Acks are a client-wide setting in
// kgo, so it keeps one lazily created client per ack level.
type Producer struct {
	cfg Config
	log *slog.Logger

	// batchLimits maps a Kafka topic to its max.message.bytes, learnt from
	// the topics produced to; kgo reads it once per partition.
	batchLimits sync.Map

	mu      sync.Mutex
	clients map[domain.Ack]*kgo.Client
	closed  bool

	recreations recreations
	outage      writeOutage
	explain     func() error // nil: the broker's error is the reason
}

// NewProducer returns a Producer; it connects on the first Produce.
func NewProducer(cfg Config, log *slog.Logger) (*Producer, error) {
	cfg = cfg.withDefaults()
	if _, ok := CompressionCodecs[cfg.CompressionCodec]; !ok {
		return nil, fmt.Errorf("kafka: compression codec %q: want none, gzip, snappy, lz4 or zstd: %w", cfg.CompressionCodec, domain.ErrValidation)
	}
	return &Producer{cfg: cfg, log: loggerOrDefault(log), clients: map[domain.Ack]*kgo.Client{}}, nil
}

// Produce implements ports.MessageProducer.
func (p *Producer) Produce(ctx context.Context, topic domain.Topic, msg domain.Message) error {
	name := p.cfg.topicName(topic.QualifiedName())
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kafka: produce to %q: %w: %w", name, domain.ErrStoreTimeout, err)
	}
	if len(name) > domain.MaxStoreTopicName {
		// A topic stored before names were checked: Kafka can never hold
		// it, and kgo would wait for it until the deadline.
		// Not the client's fault: a 500 that is logged, not a 400.
		return refused(name, errors.New(domain.ErrorMessage(domain.CheckStoreTopicName(name))))
	}
	cl, err := p.client(topic.Ack)
	if err != nil {
		return fmt.Errorf("kafka: produce to %q: %w: %w", name, domain.ErrUnavailable, err)
	}
	if limit := int32(p.cfg.maxMessageBytes(topic.MaxMessageSize)); p.batchLimit(name) != limit {
		p.batchLimits.Store(name, limit) // stored only on change: Store allocates
	}

	// A broker that went away fails records at once (dial errors); retry
	// until ctx ends so the caller sees a timeout (503 for publishers), as
	// when no broker answers at all, and the next publish after the broker
	// is back succeeds.
	rec := newRecord(name, topic.ContentType, msg)
	for {
		generation := p.recreations.generation(cl, name)
		// Buffered so a promise arriving after we gave up does not block kgo.
		done := make(chan error, 1)
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) { done <- err })
		select {
		case err = <-done:
		case <-ctx.Done():
			return fmt.Errorf("kafka: produce to %q: %w: %w", name, domain.ErrStoreTimeout, ctx.Err())
		}
		if err == nil {
			p.stored()
			return nil
		}
		if storeFault(err) {
			refusal := p.refused(name, err)
			if !transient(err) {
				return refusal
			}
		}
		switch {
		case errors.Is(err, kerr.MessageTooLarge) && recordBytes(rec) < int(p.batchLimit(name))-batchSlack:
			// Within the limit this topic was given, so the broker refused
			// it, by a limit older than ours: Kafka applies a changed
			// max.message.bytes a moment after the update was answered.
			// Send it again until the broker has the new limit; if it
			// never does, the answer is still "too large", not a timeout.
		case errors.Is(err, kerr.UnknownTopicID):
			p.recreations.forget(cl, name, generation, p.log)
		case errors.Is(err, context.Canceled) && ctx.Err() == nil:
			// kgo fails the records buffered behind one whose context was
			// cancelled; this one's was not: send it again.
		case p.recreations.generation(cl, name) != generation:
			// Another produce purged the recreated topic while this
			// record was buffered (kgo's "topic purged while buffered"):
			// send it again to the new topic.
		case !transient(err):
			return refused(name, err)
		}
		select {
		case <-ctx.Done():
			if errors.Is(err, kerr.MessageTooLarge) {
				return refused(name, err)
			}
			return fmt.Errorf("kafka: produce to %q: %w: %w", name, domain.ErrStoreTimeout, err)
		case <-time.After(produceRetryBackoff):
		}
		rec = newRecord(name, topic.ContentType, msg)
	}
}

// produceRetryBackoff is the pause between attempts to produce a record
// that failed for a transient reason.
const produceRetryBackoff = 50 * time.Millisecond

// transient reports whether a produce error may pass by itself, so that
// the record is worth sending again: a Kafka error code marked retriable,
// or a connection that failed or timed out. Anything else (kgo refusing
// an illegal topic name before sending, a non-retriable Kafka code) fails
// every attempt alike; retrying it only turned a refusal into a timeout.
func transient(err error) bool {
	if ke, ok := errors.AsType[*kerr.Error](err); ok {
		return ke.Retriable
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	for _, t := range []error{io.EOF, io.ErrUnexpectedEOF, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE,
		context.DeadlineExceeded, kgo.ErrRecordTimeout, kgo.ErrRecordRetries, kgo.ErrMaxBuffered} {
		if errors.Is(err, t) {
			return true
		}
	}
	return kgo.IsRetryableBrokerErr(err)
}

// refused translates an error that retrying cannot fix.
func refused(topic string, err error) error {
	switch {
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return fmt.Errorf("kafka: produce to %q: %w: %w", topic, domain.Errorf(domain.ErrMessageTooLarge,
			"Message not published: larger than the message store takes"), err)
	case errors.Is(err, kgo.ErrClientClosed), errors.Is(err, kgo.ErrAborting):
		return fmt.Errorf("kafka: produce to %q: %w: %w", topic, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("kafka: produce to %q: %w: %w", topic, domain.Errorf(domain.ErrStoreRefused,
		"The message store refused the message: %s", err.Error()), err)
}

// batchSlack is more than a record batch adds to its records' bytes
// (its header, each record's lengths and varints): a record this much
// under the batch limit is one kgo sent, not one it refused itself.
const batchSlack = 1024

func newRecord(topic string, ct domain.ContentType, msg domain.Message) *kgo.Record {
	value := msg.Body
	if ct != domain.ContentTypeAvro {
		value = domain.WrapJSON(msg)
	}
	headers := make([]kgo.RecordHeader, 0, 2+len(msg.Headers))
	headers = append(headers, kgo.RecordHeader{Key: headerID, Value: []byte(msg.ID)})
	if msg.SchemaVersion > 0 {
		headers = append(headers, kgo.RecordHeader{Key: headerSchemaVersion, Value: binary.BigEndian.AppendUint32(nil, uint32(msg.SchemaVersion))})
	}
	for k, v := range msg.Headers {
		headers = append(headers, kgo.RecordHeader{Key: headerPrefix + k, Value: []byte(v)})
	}
	return &kgo.Record{Topic: topic, Key: msg.Key, Value: value, Timestamp: msg.Timestamp, Headers: headers}
}

// client returns the client producing with ack's acknowledgement level.
func (p *Producer) client(ack domain.Ack) (*kgo.Client, error) {
	if ack != domain.AckNone && ack != domain.AckAll {
		ack = domain.AckLeader // Hermes's default
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("producer closed")
	}
	if cl, ok := p.clients[ack]; ok {
		return cl, nil
	}
	opts := append(p.cfg.clientOpts(p.log),
		kgo.ProducerBatchMaxBytesFn(p.batchLimit),
		// Every publish waits for its ack, so lingering only adds latency:
		// franz-go's 10ms default capped the frontend at ~100 publishes per
		// connection per second. Hermes's producer lingers 0 as well.
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(CompressionCodecs[p.cfg.CompressionCodec]))
	switch ack {
	case domain.AckNone:
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	case domain.AckAll:
		// kgo's default: all in-sync replicas, idempotent.
	default:
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	p.clients[ack] = cl
	return cl, nil
}

func (p *Producer) batchLimit(topic string) int32 {
	if v, ok := p.batchLimits.Load(topic); ok {
		return v.(int32)
	}
	return int32(p.cfg.MaxMessageBytes)
}

// Close flushes nothing: every Produce already waited for its ack or gave
// up. It closes the clients, failing produces still in flight. Idempotent.
func (p *Producer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for ack, cl := range p.clients {
		cl.Close()
		delete(p.clients, ack)
	}
}
