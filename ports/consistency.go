package ports

import (
	"context"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// StoreTopicInventory lists and removes message store topics by their own
// names, for the consistency check between the store and the metadata.
// Optional: a MessageStoreAdmin may implement it.
type StoreTopicInventory interface {
	// StoreTopics maps each store topic's name to the qualified topic name
	// it would hold, as Hermes maps them (the namespace prefix and an
	// "_avro" suffix removed). The store's internal topics are left out.
	// Errors wrap domain.ErrUnavailable.
	StoreTopics(ctx context.Context) (map[string]string, error)
	// DeleteStoreTopic removes the store topic of exactly that name.
	// Idempotent.
	DeleteStoreTopic(ctx context.Context, name string) error
	// LastPublished returns the timestamp of the topic's newest message;
	// ok is false when it holds none. Errors wrap domain.ErrUnavailable.
	LastPublished(ctx context.Context, topic domain.TopicName) (t time.Time, ok bool, err error)
}

// InconsistentGroup is Hermes's InconsistentGroup: a group whose copies
// differ between datacenters.
type InconsistentGroup struct {
	Name                 string                 `json:"name"`
	InconsistentMetadata []InconsistentMetadata `json:"inconsistentMetadata"`
	InconsistentTopics   []InconsistentTopic    `json:"inconsistentTopics"`
}

// InconsistentTopic is Hermes's InconsistentTopic.
type InconsistentTopic struct {
	Name                      string                     `json:"name"`
	InconsistentMetadata      []InconsistentMetadata     `json:"inconsistentMetadata"`
	InconsistentSubscriptions []InconsistentSubscription `json:"inconsistentSubscriptions"`
}

// InconsistentSubscription is Hermes's InconsistentSubscription.
type InconsistentSubscription struct {
	Name                 string                 `json:"name"`
	InconsistentMetadata []InconsistentMetadata `json:"inconsistentMetadata"`
}

// InconsistentMetadata is one datacenter's copy; Content is absent when
// that datacenter has none.
type InconsistentMetadata struct {
	Datacenter string `json:"datacenter"`
	Content    string `json:"content,omitempty"`
}

// ConsistencyService is the driving port of Hermes's /consistency.
// Hermes-Go runs in one datacenter, whose metadata is one copy: the
// metadata is consistent by construction, and the answers say so from
// the stored data.
type ConsistencyService interface {
	// ConsistencyGroups lists every group name.
	ConsistencyGroups(ctx context.Context) ([]string, error)
	// InconsistentGroups checks the named groups (all when none).
	InconsistentGroups(ctx context.Context, groups []string) ([]InconsistentGroup, error)
	// Sync copies an entity from primaryDatacenter to the others; there
	// are none. domain.ErrValidation for an unknown datacenter.
	// subscription is "" for a topic, topic "" for a group.
	Sync(ctx context.Context, group, topic, subscription, primaryDatacenter string) error
	// InconsistentStoreTopics lists store topics that no topic owns.
	InconsistentStoreTopics(ctx context.Context) ([]string, error)
	// RemoveStoreTopic removes a store topic by its store name.
	RemoveStoreTopic(ctx context.Context, name string) error
}
