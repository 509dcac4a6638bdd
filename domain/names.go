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

// MaxStoreTopicName is the longest Kafka topic name, namespace and
// separator included (Kafka's Topic.MAX_NAME_LENGTH). Kafka refuses longer
// names; an embedded broker that accepted one would fail to reload it.
const MaxStoreTopicName = 249

// MaxFileName is the longest file name, in bytes, of one path element on
// Linux (NAME_MAX) and the common file systems: the limit of every store
// that keeps one file or directory per name.
const MaxFileName = 255

// storeTopicPattern is Kafka's legal topic name character set.
var storeTopicPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// CheckStoreTopicName applies Kafka's rules to a complete store topic name
// (namespace and separator included): 1 to MaxStoreTopicName characters
// of [a-zA-Z0-9._-], and neither "." nor "..". Breaking one is an
// ErrValidation.
func CheckStoreTopicName(name string) error {
	switch {
	case len(name) > MaxStoreTopicName:
		return Errorf(ErrValidation, "Kafka topic name %s is %d characters long; Kafka allows at most %d", abbreviate(name), len(name), MaxStoreTopicName)
	case name == "." || name == ".." || !storeTopicPattern.MatchString(name):
		return Errorf(ErrValidation, "Kafka topic name %s is not legal: want 1 to %d characters of [a-zA-Z0-9._-], not '.' or '..'", abbreviate(name), MaxStoreTopicName)
	}
	return nil
}

// NameLimits are the longest names the configured stores can hold, so that
// a name is refused before anything is written rather than accepted by
// one store and refused (or worse, unreadable after a restart) by another.
// A zero field means no limit. Each store adapter states its own limits;
// the wiring combines them with Tighter.
type NameLimits struct {
	// MaxQualifiedTopic is the longest qualified topic name group.topic,
	// in bytes (for Kafka: MaxStoreTopicName minus the namespace prefix).
	MaxQualifiedTopic int
	// MaxName is the longest single group, topic or subscription name, in
	// bytes (for the file store: MaxFileName).
	MaxName int
}

// DefaultNameLimits are the limits of the embedded default: Kafka without a
// namespace and the file metadata store.
func DefaultNameLimits() NameLimits {
	return NameLimits{MaxQualifiedTopic: MaxStoreTopicName, MaxName: MaxFileName}
}

// Tighter returns, per limit, the smaller one of l and o (zero is no limit).
func (l NameLimits) Tighter(o NameLimits) NameLimits {
	tighter := func(a, b int) int {
		if a == 0 || (b != 0 && b < a) {
			return b
		}
		return a
	}
	return NameLimits{MaxQualifiedTopic: tighter(l.MaxQualifiedTopic, o.MaxQualifiedTopic), MaxName: tighter(l.MaxName, o.MaxName)}
}

// CheckGroup reports an ErrValidation when no store could hold the group
// name, or when it leaves no room for even a one-character topic.
func (l NameLimits) CheckGroup(group string) error {
	if err := l.checkName("group", group); err != nil {
		return err
	}
	if l.MaxQualifiedTopic > 0 && len(group)+2 > l.MaxQualifiedTopic {
		return Errorf(ErrValidation, "group name %s is %d characters long; with a topic it must fit the message store's limit of %d characters for group.topic",
			abbreviate(group), len(group), l.MaxQualifiedTopic)
	}
	return nil
}

// CheckTopic reports an ErrValidation when a store could not hold the
// topic name n.
func (l NameLimits) CheckTopic(n TopicName) error {
	if err := l.checkName("group", n.Group); err != nil {
		return err
	}
	if err := l.checkName("topic", n.Name); err != nil {
		return err
	}
	if q := n.String(); l.MaxQualifiedTopic > 0 && len(q) > l.MaxQualifiedTopic {
		return Errorf(ErrValidation, "topic name %s is %d characters long; the message store allows at most %d for group.topic",
			abbreviate(q), len(q), l.MaxQualifiedTopic)
	}
	return nil
}

// CheckSubscription reports an ErrValidation when a store could not hold
// the subscription name.
func (l NameLimits) CheckSubscription(name string) error {
	return l.checkName("subscription", name)
}

// checkName applies the rules every store shares ("." and ".." are path
// elements in ZooKeeper and on disk, never names) and MaxName.
func (l NameLimits) checkName(kind, name string) error {
	if name == "." || name == ".." {
		return Errorf(ErrValidation, "%s name must not be %q", kind, name)
	}
	if l.MaxName > 0 && len(name) > l.MaxName {
		return Errorf(ErrValidation, "%s name %s is %d bytes long; the metadata store allows at most %d", kind, abbreviate(name), len(name), l.MaxName)
	}
	return nil
}

// abbreviate shortens a name for an error message, so that an 8000
// character name does not come back in full.
func abbreviate(name string) string {
	const keep = 40
	if len(name) <= keep {
		return name
	}
	return strings.ToValidUTF8(name[:keep], "") + "..."
}
