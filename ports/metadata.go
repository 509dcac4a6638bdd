package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// MetadataStore keeps groups, topics and subscriptions. All methods are
// safe for concurrent use, also across processes sharing one backend.
// Stored entities carry CreatedAt/ModifiedAt set by the store.
type MetadataStore interface {
	// Groups lists group names, sorted.
	Groups(ctx context.Context) ([]string, error)
	// Group returns domain.ErrGroupNotFound when absent.
	Group(ctx context.Context, name string) (domain.Group, error)
	// CreateGroup returns domain.ErrGroupAlreadyExists when present.
	CreateGroup(ctx context.Context, g domain.Group) error
	// DeleteGroup returns domain.ErrGroupNotFound, or domain.ErrGroupNotEmpty
	// when the group still has topics.
	DeleteGroup(ctx context.Context, name string) error

	// Topics lists the qualified names of the group's topics, or of all
	// topics when group is "", sorted.
	Topics(ctx context.Context, group string) ([]string, error)
	// Topic returns domain.ErrTopicNotFound when absent.
	Topic(ctx context.Context, name domain.TopicName) (domain.Topic, error)
	// CreateTopic returns domain.ErrGroupNotFound or domain.ErrTopicAlreadyExists.
	CreateTopic(ctx context.Context, t domain.Topic) error
	// UpdateTopic reads the topic, calls update and stores its result
	// atomically (retrying update on a concurrent change). Returns
	// domain.ErrTopicNotFound, or update's error unchanged.
	UpdateTopic(ctx context.Context, name domain.TopicName, update func(domain.Topic) (domain.Topic, error)) (domain.Topic, error)
	// DeleteTopic returns domain.ErrTopicNotFound, or domain.ErrTopicNotEmpty
	// when the topic still has subscriptions.
	DeleteTopic(ctx context.Context, name domain.TopicName) error

	// Subscriptions lists a topic's subscriptions sorted by name; returns
	// domain.ErrTopicNotFound when the topic is absent.
	Subscriptions(ctx context.Context, topic domain.TopicName) ([]domain.Subscription, error)
	// Subscription returns domain.ErrSubscriptionNotFound when absent.
	Subscription(ctx context.Context, name domain.SubscriptionName) (domain.Subscription, error)
	// CreateSubscription returns domain.ErrTopicNotFound or
	// domain.ErrSubscriptionAlreadyExists.
	CreateSubscription(ctx context.Context, s domain.Subscription) error
	// UpdateSubscription is UpdateTopic for subscriptions; returns
	// domain.ErrSubscriptionNotFound.
	UpdateSubscription(ctx context.Context, name domain.SubscriptionName, update func(domain.Subscription) (domain.Subscription, error)) (domain.Subscription, error)
	// DeleteSubscription returns domain.ErrSubscriptionNotFound.
	DeleteSubscription(ctx context.Context, name domain.SubscriptionName) error

	// Watch delivers every change made after the call, by any process,
	// until ctx ends; then the channel is closed. The channel has a bounded
	// buffer: when a reader falls behind, or the backend connection was
	// lost, changes are coalesced into one Change of kind ChangeResync,
	// after which the reader must re-list what it cares about.
	Watch(ctx context.Context) (<-chan Change, error)
}

// ChangeKind says what happened to an entity.
type ChangeKind int

// Change kinds.
const (
	ChangeCreated ChangeKind = iota + 1
	ChangeUpdated
	ChangeDeleted
	// ChangeResync means changes may have been missed: re-list.
	ChangeResync
)

// Change names one changed entity. Readers fetch the current state.
type Change struct {
	Kind ChangeKind
	// Group is set for group changes.
	Group string
	// Topic is set for topic and subscription changes.
	Topic domain.TopicName
	// Subscription is set for subscription changes.
	Subscription string
}

// UnreadableEntry names a stored entity that cannot be decoded.
type UnreadableEntry struct {
	// Kind is "group", "topic" or "subscription".
	Kind string `json:"kind"`
	// Name is the entity's qualified name (group, group.topic,
	// group.topic.subscription).
	Name string `json:"name"`
	// Reason says what is wrong with the stored data, without paths.
	Reason string `json:"reason"`
}

// UnreadableMetadata is implemented by metadata stores that isolate the
// entries they cannot decode, so that one broken entry never hides the
// others: Group, Topic and Subscription return an error wrapping
// domain.ErrCorrupt for such an entry, Subscriptions leaves it out,
// Delete* remove it.
type UnreadableMetadata interface {
	// Unreadable returns the entries found unreadable (when the store was
	// opened, or read since) that are still broken, sorted by kind and
	// name. It reads those entries again: one found repaired is dropped
	// and reported through Watch as a ChangeUpdated, one found deleted as
	// a ChangeDeleted. Calling it periodically is thus what notices a
	// repair made outside the store (an edited file). It reads the backend
	// but only for the listed entries. Safe for concurrent use.
	Unreadable(ctx context.Context) []UnreadableEntry
}
