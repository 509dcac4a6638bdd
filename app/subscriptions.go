package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// undeliveredLimit is how many undelivered traces Hermes lists.
const undeliveredLimit = 100

func decodeInto(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return domain.Errorf(domain.ErrFormat, "Malformed JSON: %s", err.Error())
	}
	return nil
}

func subscriptionName(topic, name string) (domain.SubscriptionName, error) {
	t, err := domain.ParseTopicName(topic)
	if err != nil {
		return domain.SubscriptionName{}, err
	}
	return domain.SubscriptionName{Topic: t, Name: name}, nil
}

// ListSubscriptions lists a topic's subscription names.
func (m *Management) ListSubscriptions(ctx context.Context, topic string, trackedOnly bool) ([]string, error) {
	t, err := domain.ParseTopicName(topic)
	if err != nil {
		return nil, err
	}
	subs, err := m.store.Subscriptions(ctx, t)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, s := range subs {
		if !trackedOnly || s.TrackingMode != domain.TrackingOff {
			names = append(names, s.Name)
		}
	}
	return names, nil
}

// GetSubscription returns one subscription, unmasked.
func (m *Management) GetSubscription(ctx context.Context, topic, name string) (domain.Subscription, error) {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return domain.Subscription{}, err
	}
	return m.store.Subscription(ctx, n)
}

func (m *Management) validateSubscription(s domain.Subscription, t domain.Topic) error {
	if err := s.Validate(t, domain.SubscriptionRules{EndpointProtocols: m.cfg.EndpointProtocols}); err != nil {
		return err
	}
	// Hermes accepts a path Jayway cannot parse and then filters out every
	// message; refusing it here tells the owner at once.
	if _, err := m.CompileFilters(s.Filters); err != nil {
		return err
	}
	if err := m.cfg.NameLimits.CheckSubscription(s.Name); err != nil {
		return err
	}
	return m.checkOwner(s.Owner)
}

// CreateSubscription validates s, records its start position and stores it.
func (m *Management) CreateSubscription(ctx context.Context, topic string, s domain.Subscription) error {
	tn, err := domain.ParseTopicName(topic)
	if err != nil {
		return err
	}
	if s.TopicName == "" {
		s.TopicName = topic
	}
	if s.TopicName != topic {
		return domain.Errorf(domain.ErrValidation, "topicName %s does not match the topic %s of the path", s.TopicName, topic)
	}
	t, err := m.store.Topic(ctx, tn)
	if err != nil {
		return err
	}
	if err := m.validateSubscription(s, t); err != nil {
		return err
	}
	if err := m.access.checkSubscriptionRights(ctx, s, t, nil); err != nil {
		return err
	}
	if err := m.checkEndpoint(ctx, s.Endpoint); err != nil {
		return err
	}
	name := s.QualifiedName()
	if _, err := m.store.Subscription(ctx, name); err == nil {
		return domain.Errorf(domain.ErrSubscriptionAlreadyExists, "Subscription %s already exists", name)
	} else if !errors.Is(err, domain.ErrSubscriptionNotFound) {
		return err
	}
	if err := m.admin.CreateSubscriptionPosition(ctx, name); err != nil {
		return err
	}
	return m.store.CreateSubscription(ctx, s)
}

// UpdateSubscription merge-patches a subscription.
func (m *Management) UpdateSubscription(ctx context.Context, topic, name string, patch []byte) error {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return err
	}
	t, err := m.store.Topic(ctx, n.Topic)
	if err != nil {
		return err
	}
	if err := m.checkPatchedEndpoint(ctx, patch); err != nil {
		return err
	}
	_, err = m.store.UpdateSubscription(ctx, n, func(cur domain.Subscription) (domain.Subscription, error) {
		merged, err := mergePatch(cur, patch)
		if err != nil {
			return domain.Subscription{}, err
		}
		next, err := domain.DecodeSubscription(merged)
		if err != nil {
			return domain.Subscription{}, err
		}
		// A client writing back what GET showed sends masked secrets.
		if next, err = next.KeepMaskedSecrets(cur); err != nil {
			return domain.Subscription{}, err
		}
		if next.Name != cur.Name || next.TopicName != cur.TopicName {
			return domain.Subscription{}, domain.Errorf(domain.ErrValidation, "name and topicName cannot be changed")
		}
		if next.State == domain.StatePending {
			next.State = cur.State
		}
		next.CreatedAt, next.ModifiedAt = cur.CreatedAt, cur.ModifiedAt
		if err := m.validateSubscription(next, t); err != nil {
			return domain.Subscription{}, err
		}
		return next, m.access.checkSubscriptionRights(ctx, next, t, &cur)
	})
	return err
}

// DeleteSubscription removes a subscription and its store position.
func (m *Management) DeleteSubscription(ctx context.Context, topic, name string) error {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return err
	}
	return m.deleteSubscription(ctx, n)
}

func (m *Management) deleteSubscription(ctx context.Context, n domain.SubscriptionName) error {
	if err := m.store.DeleteSubscription(ctx, n); err != nil {
		return err
	}
	// Consumers leave the group asynchronously after the delete; a group
	// that is still in use keeps its offsets until its last member leaves.
	if err := m.admin.DeleteSubscriptionPosition(ctx, n); err != nil {
		m.log.Warn("subscription position not deleted", "subscription", n.String(), "err", err)
	}
	return nil
}

// SetSubscriptionState sets ACTIVE or SUSPENDED; PENDING is ignored as in Hermes.
func (m *Management) SetSubscriptionState(ctx context.Context, topic, name string, state domain.State) error {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return err
	}
	if state == domain.StatePending {
		_, err := m.store.Subscription(ctx, n)
		return err
	}
	return m.setState(ctx, n, state)
}

func (m *Management) setState(ctx context.Context, n domain.SubscriptionName, state domain.State) error {
	_, err := m.store.UpdateSubscription(ctx, n, func(s domain.Subscription) (domain.Subscription, error) {
		s.State = state
		return s, nil
	})
	return err
}

// retransmissionWait bounds how long an ACTIVE subscription's consumers get
// to leave the group before its offsets are moved.
const retransmissionWait = 30 * time.Second

// Retransmit moves a subscription back to the messages at or after t. An
// ACTIVE subscription is suspended while its offsets move (consumers of
// every instance leave the group), then resumed.
func (m *Management) Retransmit(ctx context.Context, topic, name string, t time.Time, dryRun bool) (map[string][]ports.PartitionOffset, error) {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return nil, err
	}
	s, err := m.store.Subscription(ctx, n)
	if err != nil {
		return nil, err
	}
	if s.State == domain.StatePending {
		return nil, domain.Errorf(domain.ErrRetransmission, "Cannot retransmit messages for subscription in PENDING state")
	}
	offsets, err := m.admin.OffsetsAt(ctx, n.Topic, t)
	if err != nil {
		return nil, err
	}
	result := map[string][]ports.PartitionOffset{m.cfg.ClusterName: offsets}
	if dryRun {
		return result, nil
	}
	if s.State == domain.StateSuspended {
		return result, m.admin.CommitPositions(ctx, n, offsets)
	}
	if err := m.setState(ctx, n, domain.StateSuspended); err != nil {
		return nil, err
	}
	defer func() {
		if err := m.setState(context.WithoutCancel(ctx), n, domain.StateActive); err != nil {
			m.log.Error("subscription not resumed after retransmission", "subscription", n.String(), "err", err)
		}
	}()
	deadline := time.Now().Add(retransmissionWait)
	for {
		err = m.admin.CommitPositions(ctx, n, offsets)
		if err == nil || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, domain.Errorf(domain.ErrRetransmission, "offsets of %s not moved: %v", n, err)
	}
	return result, nil
}

// LastUndelivered returns the newest undelivered message.
func (m *Management) LastUndelivered(ctx context.Context, topic, name string) (domain.SentMessageTrace, error) {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return domain.SentMessageTrace{}, err
	}
	if _, err := m.store.Subscription(ctx, n); err != nil {
		return domain.SentMessageTrace{}, err
	}
	return m.undelivered.Last(ctx, n)
}

// Undelivered returns the newest undelivered traces.
func (m *Management) Undelivered(ctx context.Context, topic, name string) ([]domain.SentMessageTrace, error) {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return nil, err
	}
	if _, err := m.store.Subscription(ctx, n); err != nil {
		return nil, err
	}
	return m.traces.Undelivered(ctx, n, undeliveredLimit)
}

// MessageTraces returns the published and sent traces of one message.
func (m *Management) MessageTraces(ctx context.Context, topic, name, messageID string) ([]any, error) {
	n, err := subscriptionName(topic, name)
	if err != nil {
		return nil, err
	}
	published, sent, err := m.traces.MessageTraces(ctx, n, messageID)
	if err != nil {
		return nil, err
	}
	all := make([]any, 0, len(published)+len(sent))
	for _, p := range published {
		all = append(all, p)
	}
	for _, s := range sent {
		all = append(all, s)
	}
	return all, nil
}
