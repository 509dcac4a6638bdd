package ports

import "context"

// TrackingURL is Hermes's TrackingUrl.
type TrackingURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// LinkService answers Hermes's helper links: topic clients, offline
// clients, tracking URLs and metrics dashboards.
type LinkService interface {
	// TopicClients lists the owner ids of the topic's subscriptions,
	// distinct, in subscription order; domain.ErrTopicNotFound.
	TopicClients(ctx context.Context, topic string) ([]string, error)
	// OfflineClientsSource returns the iframe URL of the topic's offline
	// clients; domain.ErrImplementationAbsent when not configured.
	OfflineClientsSource(ctx context.Context, topic string) (string, error)
	// TrackingURLs lists the tracking links of a topic, or of one of its
	// subscriptions when subscription is not ""; none when not configured.
	TrackingURLs(ctx context.Context, topic, subscription string) ([]TrackingURL, error)
	// DashboardURL returns the metrics dashboard of a topic or
	// subscription; domain.ErrImplementationAbsent when not configured.
	DashboardURL(ctx context.Context, topic, subscription string) (string, error)
}
