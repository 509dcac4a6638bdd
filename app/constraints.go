package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// WorkloadConstraints implements ports.WorkloadConstraintsService over the
// metadata store's nodes, in Hermes's layout
// (consumers-workload-constraints/{topic | topic$subscription}, Constraints
// JSON). Like Hermes, it does not require the topic or subscription to
// exist.
type WorkloadConstraints struct {
	nodes ports.NodeStore
}

var _ ports.WorkloadConstraintsService = (*WorkloadConstraints)(nil)

// NewWorkloadConstraints returns the workload constraints use cases.
func NewWorkloadConstraints(nodes ports.NodeStore) *WorkloadConstraints {
	return &WorkloadConstraints{nodes: nodes}
}

// AllWorkloadConstraints reads every constraint; a node that is not
// Constraints JSON is skipped, as Hermes's cache skips it.
func (w *WorkloadConstraints) AllWorkloadConstraints(ctx context.Context) (domain.WorkloadConstraints, error) {
	out := domain.WorkloadConstraints{TopicConstraints: map[string]domain.Constraints{}, SubscriptionConstraints: map[string]domain.Constraints{}}
	names, err := w.nodes.Children(ctx, ports.NodeWorkloadConstraints)
	if err != nil {
		return out, err
	}
	for _, n := range names {
		b, err := w.nodes.Node(ctx, ports.NodeWorkloadConstraints, n)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		var c domain.Constraints
		if json.Unmarshal(b, &c) != nil {
			continue
		}
		if strings.Contains(n, "$") {
			out.SubscriptionConstraints[n] = c
		} else {
			out.TopicConstraints[n] = c
		}
	}
	return out, nil
}

// SetTopicConstraints creates or replaces a topic's constraints.
func (w *WorkloadConstraints) SetTopicConstraints(ctx context.Context, topic string, c domain.Constraints) (bool, error) {
	name, err := domain.ParseTopicName(topic)
	if err != nil {
		return false, badBodyName(err)
	}
	return w.set(ctx, name.String(), c)
}

// SetSubscriptionConstraints creates or replaces a subscription's
// constraints; subscription is "group.topic$name".
func (w *WorkloadConstraints) SetSubscriptionConstraints(ctx context.Context, subscription string, c domain.Constraints) (bool, error) {
	name, err := domain.ParseSubscriptionName(subscription)
	if err != nil {
		return false, badBodyName(err)
	}
	return w.set(ctx, name.String(), c)
}

// badBodyName is a name in a request body that does not parse: Hermes
// parses it while reading the body, so it is a FORMAT_ERROR there.
func badBodyName(err error) error {
	return domain.Errorf(domain.ErrFormat, "%s", domain.ErrorMessage(err))
}

func (w *WorkloadConstraints) set(ctx context.Context, key string, c domain.Constraints) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("constraints: encode: %w", err)
	}
	return w.nodes.SetNode(ctx, ports.NodeWorkloadConstraints, key, b)
}

// DeleteTopicConstraints removes a topic's constraints; absent ones are
// no error, as in Hermes.
func (w *WorkloadConstraints) DeleteTopicConstraints(ctx context.Context, topic string) error {
	name, err := domain.ParseTopicName(topic)
	if err != nil {
		return err
	}
	return w.delete(ctx, name.String())
}

// DeleteSubscriptionConstraints removes a subscription's constraints.
func (w *WorkloadConstraints) DeleteSubscriptionConstraints(ctx context.Context, topic, subscription string) error {
	name, err := domain.ParseTopicName(topic)
	if err != nil {
		return err
	}
	return w.delete(ctx, domain.SubscriptionName{Topic: name, Name: subscription}.String())
}

func (w *WorkloadConstraints) delete(ctx context.Context, key string) error {
	err := w.nodes.DeleteNode(ctx, ports.NodeWorkloadConstraints, key)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	return err
}
