package app

import (
	"context"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// DescribeConsumerGroups implements ports.ConsumerGroupService over the
// one message store cluster Hermes-Go has.
type DescribeConsumerGroups struct {
	store    ports.MetadataStore
	admin    ports.MessageStoreAdmin
	registry ports.WorkloadRegistry // nil: members come from the store only
}

var _ ports.ConsumerGroupService = (*DescribeConsumerGroups)(nil)

// NewDescribeConsumerGroups returns the use case.
func NewDescribeConsumerGroups(store ports.MetadataStore, admin ports.MessageStoreAdmin) *DescribeConsumerGroups {
	return &DescribeConsumerGroups{store: store, admin: admin}
}

// WithWorkload shows, for a group without members (the shared consumer's
// readers commit without joining), the instances r assigns the
// subscription to as its members, each with its share of the committed
// partitions (ports.PartitionShare).
func (d *DescribeConsumerGroups) WithWorkload(r ports.WorkloadRegistry) *DescribeConsumerGroups {
	d.registry = r
	return d
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
	if d.registry != nil && len(g.Members) == 0 && len(g.Unassigned) > 0 {
		if g.Members, err = d.assignedMembers(ctx, n, g); err != nil {
			return nil, err
		}
	}
	return []ports.ConsumerGroup{g}, nil
}

// assignedMembers are the instances assigned subscription n, sorted, each
// with the partitions of its share; ids stand in for Kafka's member and
// client ids and the host.
func (d *DescribeConsumerGroups) assignedMembers(ctx context.Context, n domain.SubscriptionName, g ports.ConsumerGroup) ([]ports.ConsumerGroupMember, error) {
	all, err := d.registry.Assignments(ctx, []domain.SubscriptionName{n})
	if err != nil {
		return nil, err
	}
	holders := all.Holders()[n]
	members := []ports.ConsumerGroupMember{}
	for i, node := range holders {
		share := ports.PartitionShare{Index: i, Count: len(holders)}
		m := ports.ConsumerGroupMember{ConsumerID: node, ClientID: node + "_" + g.GroupID, Host: node, Partitions: []ports.ConsumerGroupPartition{}}
		for _, p := range g.Unassigned {
			if share.Owns(p.Partition) {
				m.Partitions = append(m.Partitions, p)
			}
		}
		members = append(members, m)
	}
	return members, nil
}
