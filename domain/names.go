package domain

import (
	"regexp"
	"strings"
)

// NamePattern is Hermes's generic name rule for the topic part of a
// qualified name, for subscription names and (by default) group names.
var NamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// DefaultGroupNamePattern accepts what Hermes 1.4 accepted (the seed's
// "my-group"); newer Hermes narrowed it to ^[a-zA-Z0-9.]+$ through config.
const DefaultGroupNamePattern = `^[a-zA-Z0-9_.-]+$`

// TopicName is a qualified topic name split into group and topic.
type TopicName struct {
	Group string
	Name  string
}

// ParseTopicName splits "group.topic" at the last dot. A name without a
// dot, or with an empty part, is an ErrValidation.
func ParseTopicName(qualified string) (TopicName, error) {
	i := strings.LastIndexByte(qualified, '.')
	if i <= 0 || i == len(qualified)-1 {
		return TopicName{}, Errorf(ErrValidation, "Invalid qualified name %s: expected <group>.<topic>", qualified)
	}
	return TopicName{Group: qualified[:i], Name: qualified[i+1:]}, nil
}

// String returns the qualified name.
func (n TopicName) String() string { return n.Group + "." + n.Name }

// Validate checks both parts against NamePattern.
func (n TopicName) Validate() error {
	if !NamePattern.MatchString(n.Group) || !NamePattern.MatchString(n.Name) || strings.Contains(n.Name, ".") {
		return Errorf(ErrValidation, "name must match pattern %s (group) and must not contain dots (topic): %s", NamePattern, n)
	}
	return nil
}

// SubscriptionName identifies a subscription of a topic.
type SubscriptionName struct {
	Topic TopicName
	Name  string
}

// String is Hermes's internal form group.topic$subscription.
func (n SubscriptionName) String() string { return n.Topic.String() + "$" + n.Name }

// KafkaTopicName maps a topic to its Kafka topic as Hermes does:
// [namespace + separator] + group.topic.
func KafkaTopicName(namespace, separator string, t TopicName) string {
	if namespace == "" {
		return t.String()
	}
	return namespace + separator + t.String()
}

// ConsumerGroupID is Hermes's Kafka consumer group id of a subscription:
// [namespace_]group_topic_subscription with '_' in each part doubled.
func ConsumerGroupID(namespace string, s SubscriptionName) string {
	esc := func(p string) string { return strings.ReplaceAll(p, "_", "__") }
	id := esc(s.Topic.Group) + "_" + esc(s.Topic.Name) + "_" + esc(s.Name)
	if namespace != "" {
		return namespace + "_" + id
	}
	return id
}
