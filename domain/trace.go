package domain

// Publish trace statuses.
const (
	PublishInflight = "INFLIGHT"
	PublishSuccess  = "SUCCESS"
	PublishError    = "ERROR"
)

// Send trace statuses.
const (
	SentInflight  = "INFLIGHT"
	SentSuccess   = "SUCCESS"
	SentFailed    = "FAILED"
	SentDiscarded = "DISCARDED"
	SentFiltered  = "FILTERED"
)

// PublishedMessageTrace is one frontend event of a message (Hermes's JSON).
type PublishedMessageTrace struct {
	MessageID           string `json:"messageId"`
	Timestamp           int64  `json:"timestamp"`
	TopicName           string `json:"topicName"`
	Status              string `json:"status"`
	Reason              string `json:"reason,omitempty"`
	Message             string `json:"message,omitempty"`
	Cluster             string `json:"cluster,omitempty"`
	ExtraRequestHeaders string `json:"extraRequestHeaders,omitempty"`
	StorageDC           string `json:"storageDc,omitempty"`
}

// SentMessageTrace is one consumer event of a message for a subscription,
// also the record of an undelivered message (Hermes's JSON).
type SentMessageTrace struct {
	MessageID    string `json:"messageId,omitempty"`
	BatchID      string `json:"batchId,omitempty"`
	Timestamp    int64  `json:"timestamp"`
	Subscription string `json:"subscription"`
	TopicName    string `json:"topicName"`
	Status       string `json:"status"`
	Reason       string `json:"reason,omitempty"`
	Message      string `json:"message,omitempty"`
	Partition    *int32 `json:"partition,omitempty"`
	Offset       *int64 `json:"offset,omitempty"`
	Cluster      string `json:"cluster,omitempty"`
}
