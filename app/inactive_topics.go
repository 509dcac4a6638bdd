package app

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// InactiveTopicsConfig is Hermes's management.detection.inactive-topics.
type InactiveTopicsConfig struct {
	// Threshold is how long without a message makes a topic inactive
	// (Hermes: 60 days).
	Threshold time.Duration
	// Whitelisted topics are reported with whitelisted true.
	Whitelisted []string
}

// InactiveTopicsDetection implements ports.InactiveTopicsService. Hermes's
// scheduled job stores its findings in the node inactive-topics and the
// endpoint reads them; here the finding is made when asked, from the
// message store's newest message per topic, keeping the notification
// history that node holds (Hermes-Go sends no notifications).
type InactiveTopicsDetection struct {
	store ports.MetadataStore
	nodes ports.NodeStore
	last  ports.StoreTopicInventory // nil: no topic can be found inactive
	cfg   InactiveTopicsConfig
	now   func() time.Time
}

var _ ports.InactiveTopicsService = (*InactiveTopicsDetection)(nil)

// NewInactiveTopics returns the inactive topics use case; last may be nil.
func NewInactiveTopics(store ports.MetadataStore, nodes ports.NodeStore, last ports.StoreTopicInventory, cfg InactiveTopicsConfig) *InactiveTopicsDetection {
	return &InactiveTopicsDetection{store: store, nodes: nodes, last: last, cfg: cfg, now: time.Now}
}

// InactiveTopics lists the topics without messages for the threshold.
func (i *InactiveTopicsDetection) InactiveTopics(ctx context.Context) ([]ports.InactiveTopic, error) {
	out := []ports.InactiveTopic{}
	if i.last == nil {
		return out, nil
	}
	history := map[string][]int64{}
	if b, err := i.nodes.Node(ctx, "", ports.NodeInactiveTopics); err == nil {
		var stored []ports.InactiveTopic
		if json.Unmarshal(b, &stored) == nil {
			for _, s := range stored {
				history[s.Topic] = s.NotificationTsMs
			}
		}
	} else if !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	names, err := i.store.Topics(ctx, "")
	if err != nil {
		return nil, err
	}
	now := i.now()
	for _, n := range names {
		name, err := domain.ParseTopicName(n)
		if err != nil {
			continue
		}
		at, ok, err := i.last.LastPublished(ctx, name)
		if err != nil {
			return nil, err
		}
		if !ok || now.Sub(at) < i.cfg.Threshold {
			continue
		}
		notified := history[n]
		if notified == nil {
			notified = []int64{}
		}
		out = append(out, ports.InactiveTopic{Topic: n, LastPublishedTsMs: at.UnixMilli(), NotificationTsMs: notified,
			Whitelisted: slices.Contains(i.cfg.Whitelisted, n)})
	}
	return out, nil
}
