package domain

import "strings"

// Constraints are Hermes's workload constraints of a topic or a
// subscription: how many consumer instances serve it.
type Constraints struct {
	ConsumersNumber int    `json:"consumersNumber"`
	Reason          string `json:"reason"`
}

// Validate applies Hermes's bounds: consumersNumber at least 1, reason at
// most 1024 characters.
func (c Constraints) Validate() error {
	var v []string
	if c.ConsumersNumber < 1 {
		v = append(v, "constraints.consumersNumber must be greater than or equal to 1")
	}
	if len([]rune(c.Reason)) > 1024 {
		v = append(v, "constraints.reason size must be between 0 and 1024")
	}
	if len(v) > 0 {
		return Errorf(ErrValidation, "%s", strings.Join(v, "; "))
	}
	return nil
}

// WorkloadConstraints is Hermes's ConsumersWorkloadConstraints: topic
// constraints by qualified topic name, subscription constraints by
// "group.topic$subscription".
type WorkloadConstraints struct {
	TopicConstraints        map[string]Constraints `json:"topicConstraints"`
	SubscriptionConstraints map[string]Constraints `json:"subscriptionConstraints"`
}

// ParseSubscriptionName reads Hermes's "group.topic$subscription" form.
func ParseSubscriptionName(s string) (SubscriptionName, error) {
	topic, name, ok := strings.Cut(s, "$")
	if !ok || name == "" {
		return SubscriptionName{}, Errorf(ErrValidation, "Incorrect string format. Expected 'topic$subscription'. Found:'%s'", s)
	}
	t, err := ParseTopicName(topic)
	if err != nil {
		return SubscriptionName{}, err
	}
	return SubscriptionName{Topic: t, Name: name}, nil
}
