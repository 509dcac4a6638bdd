package app

import (
	"context"
	"errors"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// storeTopics reads every topic, sorted by name. A topic removed while
// listing is skipped, not an error.
func storeTopics(ctx context.Context, store ports.MetadataStore) ([]domain.Topic, error) {
	names, err := store.Topics(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]domain.Topic, 0, len(names))
	for _, n := range names {
		name, err := domain.ParseTopicName(n)
		if err != nil {
			return nil, err
		}
		t, err := store.Topic(ctx, name)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// storeSubscriptions reads every subscription, by topic then name.
func storeSubscriptions(ctx context.Context, store ports.MetadataStore) ([]domain.Subscription, error) {
	topics, err := store.Topics(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []domain.Subscription
	for _, n := range topics {
		name, err := domain.ParseTopicName(n)
		if err != nil {
			return nil, err
		}
		subs, err := store.Subscriptions(ctx, name)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, subs...)
	}
	return out, nil
}
