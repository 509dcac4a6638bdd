package ports

import "context"

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
