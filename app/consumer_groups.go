package app

import (
	"context"

	"github.com/hermes-go/hermes/ports"
)

// DescribeConsumerGroups implements ports.ConsumerGroupService over the
// one message store cluster Hermes-Go has.
type DescribeConsumerGroups struct {
	store ports.MetadataStore
	admin ports.MessageStoreAdmin
}

var _ ports.ConsumerGroupService = (*DescribeConsumerGroups)(nil)

// NewDescribeConsumerGroups returns the use case.
func NewDescribeConsumerGroups(store ports.MetadataStore, admin ports.MessageStoreAdmin) *DescribeConsumerGroups {
	return &DescribeConsumerGroups{store: store, admin: admin}
}

// ConsumerGroups implements ports.ConsumerGroupService.
func (d *DescribeConsumerGroups) ConsumerGroups(ctx context.Context, topic, subscription string) ([]ports.ConsumerGroup, error) {
	n, err := subscriptionName(topic, subscription)
	if err != nil {
		return nil, err
	}
	t, err := d.store.Topic(ctx, n.Topic)
	if err != nil {
		return nil, err
	}
	g, found, err := d.admin.ConsumerGroup(ctx, t, n)
	if err != nil || !found {
		return []ports.ConsumerGroup{}, err
	}
	return []ports.ConsumerGroup{g}, nil
}
