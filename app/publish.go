package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// PublishMessage is the frontend's use case (ports.Publisher).
type PublishMessage struct {
	store    ports.MetadataStore
	producer ports.MessageProducer
	metrics  ports.Metrics
	tracker  ports.Tracker
	log      *slog.Logger
	schemas  *Schemas // nil: AVRO bodies are stored as sent

	mu        sync.RWMutex
	topics    map[string]*cachedTopic
	published map[string]*publishSeries // by qualified topic name
	changes   uint64                    // metadata changes seen so far
}

// cachedTopic is a topic as last read from the metadata store. A stale one
// is re-read at its next use, and served as it is while the store cannot
// answer: a metadata outage must not become a publish outage, as Hermes's
// frontend keeps publishing from its topic cache while ZooKeeper is away.
type cachedTopic struct {
	topic domain.Topic
	stale bool
}

var (
	_ ports.Publisher     = (*PublishMessage)(nil)
	_ ports.AvroPublisher = (*PublishMessage)(nil)
)

// NewPublishMessage returns the publish use case with an empty topic cache.
func NewPublishMessage(store ports.MetadataStore, producer ports.MessageProducer, metrics ports.Metrics, tracker ports.Tracker, log *slog.Logger) *PublishMessage {
	return &PublishMessage{store: store, producer: producer, metrics: metrics, tracker: tracker, log: log, topics: map[string]*cachedTopic{}, published: map[string]*publishSeries{}}
}

// Topic returns a cached topic, loading it from the store on a miss or
// when a change made it stale. While the store cannot answer, a topic
// known before is served as last read; an unknown one is the store's error
// (domain.ErrUnavailable: 503, the client may retry).
func (p *PublishMessage) Topic(ctx context.Context, qualified string) (domain.Topic, error) {
	p.mu.RLock()
	c := p.topics[qualified]
	var known domain.Topic
	fresh, seen := c != nil && !c.stale, p.changes
	if c != nil {
		known = c.topic
	}
	p.mu.RUnlock()
	if fresh {
		return known, nil
	}
	name, err := domain.ParseTopicName(qualified)
	if err != nil {
		return domain.Topic{}, domain.Errorf(domain.ErrTopicNotFound, "Topic not found: %s", qualified)
	}
	t, err := p.store.Topic(ctx, name)
	switch {
	case errors.Is(err, domain.ErrTopicNotFound):
		p.mu.Lock()
		if p.topics[qualified] == c {
			delete(p.topics, qualified)
		}
		p.mu.Unlock()
		return domain.Topic{}, domain.Errorf(domain.ErrTopicNotFound, "Topic not found: %s", qualified)
	case err != nil && c != nil:
		if p.log != nil {
			p.log.DebugContext(ctx, "metadata store unavailable; publishing with the topic as last read", "topic", qualified, "err", err)
		}
		return known, nil
	case err != nil:
		return domain.Topic{}, err
	}
	p.mu.Lock()
	// A change reported during the read may be newer than what was read:
	// keep the result, but read again at the next use.
	p.topics[qualified] = &cachedTopic{topic: t, stale: p.changes != seen}
	p.mu.Unlock()
	return t, nil
}

// KeepTopicsFresh marks cached topics stale when the metadata store
// reports a change, until ctx ends. It blocks; run it in a goroutine owned
// by the caller. Only a deleted topic leaves the cache: a resync (a lost
// connection, a watcher that fell behind) or a group-level change marks
// topics stale rather than forgetting them, so they are still served if
// the store is unreachable at their next use.
func (p *PublishMessage) KeepTopicsFresh(ctx context.Context, changes <-chan ports.Change) {
	for c := range changes {
		p.mu.Lock()
		p.changes++
		switch {
		case c.Kind == ports.ChangeResync:
			for _, t := range p.topics {
				t.stale = true
			}
		case c.Topic == (domain.TopicName{}):
			// Group changes touch no topic field; mark the group's topics in
			// case a coalesced event stands for more.
			for _, t := range p.topics {
				if t.topic.QualifiedName().Group == c.Group {
					t.stale = true
				}
			}
		case c.Subscription != "":
			// Subscriptions are not part of a topic.
		case c.Kind == ports.ChangeDeleted:
			delete(p.topics, c.Topic.String())
			delete(p.published, c.Topic.String())
		default:
			if t := p.topics[c.Topic.String()]; t != nil {
				t.stale = true
			}
		}
		p.mu.Unlock()
	}
}

// Publish validates, stores and accounts for one message. The store's ack
// latency is timed on its own, as Hermes's broker latency (the frontend
// adapter times the whole request).
func (p *PublishMessage) Publish(ctx context.Context, topic domain.Topic, msg domain.Message) error {
	series := p.series(topic)
	series.requests.Add(1)
	if topic.ContentType == domain.ContentTypeJSON && !domain.ValidJSON(msg.Body) {
		p.metrics.Count("topic.validation-errors", series.labels, 1)
		return domain.Errorf(domain.ErrValidation, "Invalid message: body is not valid JSON")
	}
	if topic.TrackingEnabled {
		p.tracker.Published(publishedTrace(topic, msg, domain.PublishInflight, ""))
	}
	start := time.Now()
	err := p.producer.Produce(ctx, topic, msg)
	series.brokerLatency.Observe(time.Since(start))
	if err != nil {
		p.metrics.Count("topic.failed", series.labels, 1)
		if topic.TrackingEnabled {
			p.tracker.Published(publishedTrace(topic, msg, domain.PublishError, err.Error()))
		}
		return err
	}
	series.published.Add(1)
	series.volume.Add(int64(len(msg.Body)))
	if topic.TrackingEnabled {
		p.tracker.Published(publishedTrace(topic, msg, domain.PublishSuccess, ""))
	}
	return nil
}

// WithSchemas enables Avro conversion on AVRO topics.
func (p *PublishMessage) WithSchemas(s *Schemas) *PublishMessage {
	p.schemas = s
	return p
}

// PublishContent converts an AVRO topic's body from contentType to the
// Avro binary Hermes stores, then publishes it.
func (p *PublishMessage) PublishContent(ctx context.Context, topic domain.Topic, msg domain.Message, contentType string) error {
	if topic.ContentType == domain.ContentTypeAvro && p.schemas != nil {
		converted, err := p.schemas.toAvro(ctx, topic, msg, contentType)
		if err != nil {
			labels := topicLabels(topic.QualifiedName())
			p.metrics.Count("topic.requests", labels, 1)
			if errors.Is(err, domain.ErrValidation) {
				p.metrics.Count("topic.validation-errors", labels, 1)
			}
			return err
		}
		msg = converted
	}
	return p.Publish(ctx, topic, msg)
}

func publishedTrace(topic domain.Topic, msg domain.Message, status, reason string) domain.PublishedMessageTrace {
	return domain.PublishedMessageTrace{
		MessageID: msg.ID, Timestamp: time.Now().UnixMilli(), TopicName: topic.Name,
		Status: status, Reason: reason, Message: string(msg.Body),
	}
}

// brokerLatencyMetric names the store ack timer as Hermes does: by the
// topic's ack, NONE counting as leader.
func brokerLatencyMetric(ack domain.Ack) string {
	if ack == domain.AckAll {
		return "topic.ack-all.broker-latency"
	}
	return "topic.ack-leader.broker-latency"
}

func topicLabels(t domain.TopicName) ports.Labels {
	return ports.Labels{"group": t.Group, "topic": t.Name}
}
