package app

import (
	"context"
	"errors"
	"slices"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Consistency implements ports.ConsistencyService for one datacenter:
// the metadata has one copy, so no group differs between copies, and the
// store-topic check compares the message store with the metadata as
// Hermes's KafkaHermesConsistencyService does.
type Consistency struct {
	store      ports.MetadataStore
	inventory  ports.StoreTopicInventory // nil: the store cannot list its topics
	datacenter string
}

var _ ports.ConsistencyService = (*Consistency)(nil)

// NewConsistency returns the consistency use cases; inventory may be nil.
func NewConsistency(store ports.MetadataStore, inventory ports.StoreTopicInventory, datacenter string) *Consistency {
	return &Consistency{store: store, inventory: inventory, datacenter: datacenter}
}

// ConsistencyGroups lists every group.
func (c *Consistency) ConsistencyGroups(ctx context.Context) ([]string, error) {
	return c.store.Groups(ctx)
}

// InconsistentGroups reads each named group (all when none) with its
// topics and subscriptions, as Hermes reads every copy, and reports the
// groups whose copies differ: with one copy, none. A group read fails
// with the store's error.
func (c *Consistency) InconsistentGroups(ctx context.Context, groups []string) ([]ports.InconsistentGroup, error) {
	if len(groups) == 0 {
		all, err := c.store.Groups(ctx)
		if err != nil {
			return nil, err
		}
		groups = all
	}
	for _, g := range groups {
		if _, err := c.store.Group(ctx, g); err != nil && !errors.Is(err, domain.ErrGroupNotFound) {
			return nil, err
		}
	}
	return []ports.InconsistentGroup{}, nil
}

// Sync checks the primary datacenter; copying to no other datacenter
// leaves nothing to do. Like Hermes, an unknown primary is a failure.
func (c *Consistency) Sync(_ context.Context, _, _, _, primaryDatacenter string) error {
	if primaryDatacenter != c.datacenter {
		return domain.Errorf(domain.ErrValidation, "Source of truth datacenter not found: %s", primaryDatacenter)
	}
	return nil
}

// InconsistentStoreTopics lists store topics that hold no known topic.
func (c *Consistency) InconsistentStoreTopics(ctx context.Context) ([]string, error) {
	if c.inventory == nil {
		return []string{}, nil
	}
	stored, err := c.inventory.StoreTopics(ctx)
	if err != nil {
		return nil, err
	}
	known, err := c.store.Topics(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []string{}
	for storeName, qualified := range stored {
		if !slices.Contains(known, qualified) {
			out = append(out, storeName)
		}
	}
	slices.Sort(out)
	return out, nil
}

// RemoveStoreTopic removes a store topic by its store name.
func (c *Consistency) RemoveStoreTopic(ctx context.Context, name string) error {
	if c.inventory == nil {
		return domain.Errorf(domain.ErrImplementationAbsent, "The message store cannot remove topics by name")
	}
	if name == "" {
		return domain.Errorf(domain.ErrValidation, "topicName must not be empty")
	}
	return c.inventory.DeleteStoreTopic(ctx, name)
}
