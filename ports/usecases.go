package ports

import (
	"context"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// The driving ports: what the HTTP adapters call. Implemented in app/.
// Names are qualified topic names as they appear in URLs; the use cases
// parse and validate them (domain.ErrValidation on a bad name).

// Publisher is the frontend's use case.
type Publisher interface {
	// Topic returns a topic for publishing (served from a cache kept fresh by
	// the metadata watch). domain.ErrTopicNotFound when absent.
	Topic(ctx context.Context, qualified string) (domain.Topic, error)
	// Publish checks msg against topic (a JSON topic needs a JSON body),
	// stores it and returns after the store acked: domain.ErrValidation,
	// domain.ErrStoreTimeout (ctx ended first) or domain.ErrUnavailable.
	// Metrics and traces are recorded here. The body size limit is the
	// driving adapter's, which must not read an unbounded body anyway.
	Publish(ctx context.Context, topic domain.Topic, msg domain.Message) error
}

// GroupService manages groups.
type GroupService interface {
	ListGroups(ctx context.Context) ([]string, error)
	GetGroup(ctx context.Context, name string) (domain.Group, error)
	CreateGroup(ctx context.Context, g domain.Group) error
	// UpdateGroup merge-patches the group JSON.
	UpdateGroup(ctx context.Context, name string, patch []byte) error
	DeleteGroup(ctx context.Context, name string) error
}

// TopicService manages topics.
type TopicService interface {
	// ListTopics lists qualified names of group's topics (all when ""),
	// only those with trackingEnabled when trackedOnly.
	ListTopics(ctx context.Context, group string, trackedOnly bool) ([]string, error)
	GetTopic(ctx context.Context, name string) (domain.Topic, error)
	// CreateTopic validates t, creates its store topic, then stores it.
	CreateTopic(ctx context.Context, t domain.Topic) error
	// UpdateTopic merge-patches the topic JSON and re-validates it.
	UpdateTopic(ctx context.Context, name string, patch []byte) error
	// DeleteTopic removes the topic (and its autoDeleteWithTopicEnabled
	// subscriptions), then its store topic. domain.ErrTopicNotEmpty,
	// domain.ErrOperationDisabled.
	DeleteTopic(ctx context.Context, name string) error
}

// SubscriptionService manages subscriptions.
type SubscriptionService interface {
	ListSubscriptions(ctx context.Context, topic string, trackedOnly bool) ([]string, error)
	// GetSubscription returns the stored subscription (unmasked: the HTTP
	// adapter masks credentials).
	GetSubscription(ctx context.Context, topic, name string) (domain.Subscription, error)
	// CreateSubscription validates s against its topic, records its start
	// position in the store, then stores it.
	CreateSubscription(ctx context.Context, topic string, s domain.Subscription) error
	// UpdateSubscription merge-patches the subscription JSON; a patch that
	// sets state PENDING keeps the old state.
	UpdateSubscription(ctx context.Context, topic, name string, patch []byte) error
	DeleteSubscription(ctx context.Context, topic, name string) error
	// SetSubscriptionState sets ACTIVE or SUSPENDED; PENDING is ignored.
	SetSubscriptionState(ctx context.Context, topic, name string, state domain.State) error
	// Retransmit moves the subscription back to the first messages at or
	// after t; with dryRun it only computes the offsets. Returns the offsets
	// per store cluster name. domain.ErrRetransmission for a PENDING one.
	Retransmit(ctx context.Context, topic, name string, t time.Time, dryRun bool) (map[string][]PartitionOffset, error)
	// LastUndelivered returns the newest undelivered message or domain.ErrNotFound.
	LastUndelivered(ctx context.Context, topic, name string) (domain.SentMessageTrace, error)
	// Undelivered returns up to 100 newest undelivered traces.
	Undelivered(ctx context.Context, topic, name string) ([]domain.SentMessageTrace, error)
	// MessageTraces returns the traces of one message for the subscription.
	MessageTraces(ctx context.Context, topic, name, messageID string) ([]any, error)
}

// Management is every management use case.
type Management interface {
	GroupService
	TopicService
	SubscriptionService
}
