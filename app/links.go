package app

import (
	"context"
	"slices"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// LinkTemplate is a named URL template.
type LinkTemplate struct {
	Name string
	URL  string
}

// LinksConfig holds the URL templates of Hermes's helper links. In every
// template "{topic}" is the qualified topic name, "{group}" its group,
// "{topicName}" its name within the group and "{subscription}" the
// subscription's name. An empty template means not configured.
type LinksConfig struct {
	OfflineClientsURL        string
	TopicDashboardURL        string
	SubscriptionDashboardURL string
	TopicTrackingURLs        []LinkTemplate
	SubscriptionTrackingURLs []LinkTemplate
}

// Links implements ports.LinkService.
type Links struct {
	store ports.MetadataStore
	cfg   LinksConfig
}

var _ ports.LinkService = (*Links)(nil)

// NewLinks returns the helper link use cases.
func NewLinks(store ports.MetadataStore, cfg LinksConfig) *Links {
	return &Links{store: store, cfg: cfg}
}

func expand(tmpl, topic, subscription string) string {
	group, name := topic, ""
	if i := strings.LastIndex(topic, "."); i >= 0 {
		group, name = topic[:i], topic[i+1:]
	}
	return strings.NewReplacer("{topic}", topic, "{group}", group, "{topicName}", name, "{subscription}", subscription).Replace(tmpl)
}

// TopicClients lists the owners of the topic's subscriptions, as Hermes's
// DefaultAllTopicClientsService does.
func (l *Links) TopicClients(ctx context.Context, topic string) ([]string, error) {
	name, err := domain.ParseTopicName(topic)
	if err != nil {
		return nil, err
	}
	subs, err := l.store.Subscriptions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, s := range subs {
		if s.Owner != nil && !slices.Contains(out, s.Owner.ID) {
			out = append(out, s.Owner.ID)
		}
	}
	return out, nil
}

// OfflineClientsSource expands the offline clients template.
func (l *Links) OfflineClientsSource(_ context.Context, topic string) (string, error) {
	if l.cfg.OfflineClientsURL == "" {
		return "", domain.Errorf(domain.ErrImplementationAbsent, "Offline clients implementation is absent")
	}
	return expand(l.cfg.OfflineClientsURL, topic, ""), nil
}

// TrackingURLs expands the tracking templates.
func (l *Links) TrackingURLs(_ context.Context, topic, subscription string) ([]ports.TrackingURL, error) {
	tmpls := l.cfg.TopicTrackingURLs
	if subscription != "" {
		tmpls = l.cfg.SubscriptionTrackingURLs
	}
	out := []ports.TrackingURL{}
	for _, t := range tmpls {
		out = append(out, ports.TrackingURL{Name: t.Name, URL: expand(t.URL, topic, subscription)})
	}
	return out, nil
}

// DashboardURL expands the dashboard template.
func (l *Links) DashboardURL(_ context.Context, topic, subscription string) (string, error) {
	tmpl := l.cfg.TopicDashboardURL
	if subscription != "" {
		tmpl = l.cfg.SubscriptionDashboardURL
	}
	if tmpl == "" {
		return "", domain.Errorf(domain.ErrImplementationAbsent, "Dashboard url implementation is absent")
	}
	return expand(tmpl, topic, subscription), nil
}
