package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// ConsumerGroup is Hermes's ConsumerGroup JSON (GET
// .../subscriptions/{s}/consumer-groups): a subscription's consumer group
// in one message store cluster. State is Kafka's (Stable, Empty,
// PreparingRebalance, ...).
type ConsumerGroup struct {
	ClusterName string                `json:"clusterName"`
	GroupID     string                `json:"groupId"`
	State       string                `json:"state"`
	Members     []ConsumerGroupMember `json:"members"`
	// Unassigned are the partitions with a committed offset that no
	// member holds, with their offsets: all of them for a group without
	// members, such as the shared consumer's, whose readers commit
	// without joining. Not part of Hermes's JSON: the use case hands them
	// to the instances the workload assigns the subscription to.
	Unassigned []ConsumerGroupPartition `json:"-"`
}

// ConsumerGroupMember is Hermes's ConsumerGroupMember JSON.
type ConsumerGroupMember struct {
	ConsumerID string                   `json:"consumerId"`
	ClientID   string                   `json:"clientId"`
	Host       string                   `json:"host"`
	Partitions []ConsumerGroupPartition `json:"partitions"`
}

// ConsumerGroupPartition is Hermes's api.TopicPartition JSON: a partition
// assigned to a member, with the group's committed offset (0 when none),
// the partition's end offset and their difference.
type ConsumerGroupPartition struct {
	Partition      int32              `json:"partition"`
	Topic          string             `json:"topic"`
	CurrentOffset  int64              `json:"currentOffset"`
	LogEndOffset   int64              `json:"logEndOffset"`
	Lag            int64              `json:"lag"`
	OffsetMetadata string             `json:"offsetMetadata"`
	ContentType    domain.ContentType `json:"contentType"`
}

// ConsumerGroupService describes subscriptions' consumer groups.
type ConsumerGroupService interface {
	// ConsumerGroups returns the subscription's groups, one per message
	// store cluster that has a live one (none: empty). As in Hermes the
	// topic must exist (domain.ErrTopicNotFound) but the subscription need
	// not.
	ConsumerGroups(ctx context.Context, topic, subscription string) ([]ConsumerGroup, error)
}
