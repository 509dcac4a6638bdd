package tracking

import "github.com/hermes-go/hermes/domain"

// Collection (MongoDB) and index base (Elasticsearch) names used by Hermes.
const (
	PublishedName = "published_messages"
	SentName      = "sent_messages"
)

// Field names of the stored documents, as Hermes's trackers write them.
const (
	FieldMessageID    = "messageId"
	FieldTimestamp    = "timestamp"
	FieldTopicName    = "topicName"
	FieldSubscription = "subscription"
	FieldStatus       = "status"
)

// MaxTraces bounds how many published or sent traces of one message a
// query returns (Hermes's management uses the same limit).
const MaxTraces = 1000

// PublishedDoc is a stored frontend trace. The field names are Hermes's
// (hermes-tracker-elasticsearch and the former hermes-tracker-mongo), so
// Hermes tooling reads what Hermes-Go writes and vice versa; Hermes's
// hostname fields are not written because the traces carry no host.
type PublishedDoc struct {
	MessageID           string `bson:"messageId" json:"messageId"`
	Timestamp           int64  `bson:"timestamp" json:"timestamp"`
	TimestampSeconds    int64  `bson:"timestamp_seconds" json:"timestamp_seconds"`
	TopicName           string `bson:"topicName" json:"topicName"`
	Status              string `bson:"status" json:"status"`
	Reason              string `bson:"reason,omitempty" json:"reason,omitempty"`
	Message             string `bson:"message,omitempty" json:"message,omitempty"`
	Cluster             string `bson:"cluster,omitempty" json:"cluster,omitempty"`
	ExtraRequestHeaders string `bson:"extra_request_headers,omitempty" json:"extra_request_headers,omitempty"`
	StorageDC           string `bson:"storageDc,omitempty" json:"storageDc,omitempty"`
}

// SentDoc is a stored consumer trace, with Hermes's field names.
type SentDoc struct {
	MessageID        string `bson:"messageId,omitempty" json:"messageId,omitempty"`
	BatchID          string `bson:"batchId,omitempty" json:"batchId,omitempty"`
	Timestamp        int64  `bson:"timestamp" json:"timestamp"`
	TimestampSeconds int64  `bson:"timestamp_seconds" json:"timestamp_seconds"`
	TopicName        string `bson:"topicName" json:"topicName"`
	Subscription     string `bson:"subscription" json:"subscription"`
	Status           string `bson:"status" json:"status"`
	Reason           string `bson:"reason,omitempty" json:"reason,omitempty"`
	Message          string `bson:"message,omitempty" json:"message,omitempty"`
	Partition        *int32 `bson:"partition,omitempty" json:"partition,omitempty"`
	Offset           *int64 `bson:"offset,omitempty" json:"offset,omitempty"`
	Cluster          string `bson:"cluster,omitempty" json:"cluster,omitempty"`
}

// Item is one queued trace: exactly one of the two is set.
type Item struct {
	Published *PublishedDoc
	Sent      *SentDoc
}

// PublishedItem converts a trace into a queued document.
func PublishedItem(t domain.PublishedMessageTrace) Item {
	return Item{Published: &PublishedDoc{
		MessageID: t.MessageID, Timestamp: t.Timestamp, TimestampSeconds: t.Timestamp / 1000,
		TopicName: t.TopicName, Status: t.Status, Reason: t.Reason, Message: t.Message,
		Cluster: t.Cluster, ExtraRequestHeaders: t.ExtraRequestHeaders, StorageDC: t.StorageDC,
	}}
}

// SentItem converts a trace into a queued document.
func SentItem(t domain.SentMessageTrace) Item {
	return Item{Sent: &SentDoc{
		MessageID: t.MessageID, BatchID: t.BatchID, Timestamp: t.Timestamp, TimestampSeconds: t.Timestamp / 1000,
		TopicName: t.TopicName, Subscription: t.Subscription, Status: t.Status, Reason: t.Reason,
		Message: t.Message, Partition: clone(t.Partition), Offset: clone(t.Offset), Cluster: t.Cluster,
	}}
}

// clone copies a pointed-to value, so a caller may reuse its trace while
// the queued copy waits.
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Trace converts a stored document back.
func (d PublishedDoc) Trace() domain.PublishedMessageTrace {
	return domain.PublishedMessageTrace{
		MessageID: d.MessageID, Timestamp: d.Timestamp, TopicName: d.TopicName, Status: d.Status,
		Reason: d.Reason, Message: d.Message, Cluster: d.Cluster,
		ExtraRequestHeaders: d.ExtraRequestHeaders, StorageDC: d.StorageDC,
	}
}

// Trace converts a stored document back.
func (d SentDoc) Trace() domain.SentMessageTrace {
	return domain.SentMessageTrace{
		MessageID: d.MessageID, BatchID: d.BatchID, Timestamp: d.Timestamp, Subscription: d.Subscription,
		TopicName: d.TopicName, Status: d.Status, Reason: d.Reason, Message: d.Message,
		Partition: d.Partition, Offset: d.Offset, Cluster: d.Cluster,
	}
}

// Traces converts stored documents back, never returning nil.
func Traces[D interface{ Trace() T }, T any](docs []D) []T {
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.Trace())
	}
	return out
}
