package ports

import (
	"context"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// StoreTopicInventory lists and removes message store topics by their own
// names, for the consistency check between the store and the metadata.
// Optional: a MessageStoreAdmin may implement it.
type StoreTopicInventory interface {
	// StoreTopics maps each store topic's name to the qualified topic name
	// it would hold, as Hermes maps them (the namespace prefix and an
	// "_avro" suffix removed). The store's internal topics are left out.
	// Errors wrap domain.ErrUnavailable.
	StoreTopics(ctx context.Context) (map[string]string, error)
	// DeleteStoreTopic removes the store topic of exactly that name.
	// Idempotent.
	DeleteStoreTopic(ctx context.Context, name string) error
	// LastPublished returns the timestamp of the topic's newest message;
	// ok is false when it holds none. Errors wrap domain.ErrUnavailable.
	LastPublished(ctx context.Context, topic domain.TopicName) (t time.Time, ok bool, err error)
}

// InconsistentGroup is Hermes's InconsistentGroup: a group whose copies
// differ between datacenters.
type InconsistentGroup struct {
	Name                 string                 `json:"name"`
	InconsistentMetadata []InconsistentMetadata `json:"inconsistentMetadata"`
	InconsistentTopics   []InconsistentTopic    `json:"inconsistentTopics"`
}

// InconsistentTopic is Hermes's InconsistentTopic.
type InconsistentTopic struct {
	Name                      string                     `json:"name"`
	InconsistentMetadata      []InconsistentMetadata     `json:"inconsistentMetadata"`
	InconsistentSubscriptions []InconsistentSubscription `json:"inconsistentSubscriptions"`
}

// InconsistentSubscription is Hermes's InconsistentSubscription.
type InconsistentSubscription struct {
	Name                 string                 `json:"name"`
	InconsistentMetadata []InconsistentMetadata `json:"inconsistentMetadata"`
}

// InconsistentMetadata is one datacenter's copy; Content is absent when
// that datacenter has none.
type InconsistentMetadata struct {
	Datacenter string `json:"datacenter"`
	Content    string `json:"content,omitempty"`
}

// ConsistencyService is the driving port of Hermes's /consistency.
// Hermes-Go runs in one datacenter, whose metadata is one copy: the
// metadata is consistent by construction, and the answers say so from
// the stored data.
type ConsistencyService interface {
	// ConsistencyGroups lists every group name.
	ConsistencyGroups(ctx context.Context) ([]string, error)
	// InconsistentGroups checks the named groups (all when none).
	InconsistentGroups(ctx context.Context, groups []string) ([]InconsistentGroup, error)
	// Sync copies an entity from primaryDatacenter to the others; there
	// are none. domain.ErrValidation for an unknown datacenter.
	// subscription is "" for a topic, topic "" for a group.
	Sync(ctx context.Context, group, topic, subscription, primaryDatacenter string) error
	// InconsistentStoreTopics lists store topics that no topic owns.
	InconsistentStoreTopics(ctx context.Context) ([]string, error)
	// RemoveStoreTopic removes a store topic by its store name.
	RemoveStoreTopic(ctx context.Context, name string) error
}

// DatacenterReadiness is Hermes's DatacenterReadiness.
type DatacenterReadiness struct {
	Datacenter string `json:"datacenter"`
	// Status is READY or NOT_READY.
	Status string `json:"status"`
}

// ReadinessService is the driving port of Hermes's /readiness/datacenters.
type ReadinessService interface {
	// DatacentersReadiness lists every known datacenter's readiness
	// (READY unless set otherwise).
	DatacentersReadiness(ctx context.Context) ([]DatacenterReadiness, error)
	// SetReadiness records a datacenter's readiness.
	SetReadiness(ctx context.Context, datacenter string, ready bool) error
}

// Stats is Hermes's Stats (GET /stats).
type Stats struct {
	TopicStats        TopicStats        `json:"topicStats"`
	SubscriptionStats SubscriptionStats `json:"subscriptionStats"`
}

// TopicStats counts topics.
type TopicStats struct {
	TopicCount                int `json:"topicCount"`
	AckAllTopicCount          int `json:"ackAllTopicCount"`
	TrackingEnabledTopicCount int `json:"trackingEnabledTopicCount"`
	AvroTopicCount            int `json:"avroTopicCount"`
}

// SubscriptionStats counts subscriptions.
type SubscriptionStats struct {
	SubscriptionCount                int `json:"subscriptionCount"`
	TrackingEnabledSubscriptionCount int `json:"trackingEnabledSubscriptionCount"`
	AvroSubscriptionCount            int `json:"avroSubscriptionCount"`
}

// StatsService answers GET /stats.
type StatsService interface {
	Stats(ctx context.Context) (Stats, error)
}

// RetransmissionTask is Hermes's OfflineRetransmissionTask. Times are ISO
// instants; the optional ones are absent when not set.
type RetransmissionTask struct {
	Type           string `json:"type"`
	TaskID         string `json:"taskId"`
	SourceViewPath string `json:"sourceViewPath,omitempty"`
	SourceTopic    string `json:"sourceTopic,omitempty"`
	TargetTopic    string `json:"targetTopic"`
	StartTimestamp string `json:"startTimestamp,omitempty"`
	EndTimestamp   string `json:"endTimestamp,omitempty"`
	CreatedAt      string `json:"createdAt"`
}

// RetransmissionRequest is Hermes's OfflineRetransmissionRequest: type
// "topic" (source topic and time range) or "view" (a source view path).
type RetransmissionRequest struct {
	Type           string `json:"type"`
	SourceTopic    string `json:"sourceTopic"`
	TargetTopic    string `json:"targetTopic"`
	StartTimestamp string `json:"startTimestamp"`
	EndTimestamp   string `json:"endTimestamp"`
	SourceViewPath string `json:"sourceViewPath"`
}

// RetransmissionTaskInfo is Hermes's OfflineRetransmissionTaskMonitoringInfo.
type RetransmissionTaskInfo struct {
	Type          string `json:"type"`
	TaskID        string `json:"taskId"`
	LogsURL       string `json:"logsUrl"`
	MetricsURL    string `json:"metricsUrl"`
	JobDetailsURL string `json:"jobDetailsUrl"`
}

// OfflineRetransmissionService is the driving port of Hermes's
// /offline-retransmission: tasks stored for an external job that copies
// messages from offline storage, as Hermes stores them.
type OfflineRetransmissionService interface {
	// CreateRetransmissionTask validates and stores a task;
	// domain.ErrValidation.
	CreateRetransmissionTask(ctx context.Context, r RetransmissionRequest) (RetransmissionTask, error)
	// RetransmissionTasks lists every task.
	RetransmissionTasks(ctx context.Context) ([]RetransmissionTask, error)
	// TopicRetransmissionTasks lists the tasks from or to a topic.
	TopicRetransmissionTasks(ctx context.Context, topic string) ([]RetransmissionTaskInfo, error)
	// DeleteRetransmissionTask removes a task; domain.ErrValidation when
	// absent, as Hermes answers.
	DeleteRetransmissionTask(ctx context.Context, id string) error
}

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

// InactiveTopic is Hermes's InactiveTopic.
type InactiveTopic struct {
	Topic             string  `json:"topic"`
	LastPublishedTsMs int64   `json:"lastPublishedTsMs"`
	NotificationTsMs  []int64 `json:"notificationTsMs"`
	Whitelisted       bool    `json:"whitelisted"`
}

// InactiveTopicsService answers GET /inactive-topics.
type InactiveTopicsService interface {
	InactiveTopics(ctx context.Context) ([]InactiveTopic, error)
}
