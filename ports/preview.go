package ports

import "context"

// MessageTextPreview is Hermes's MessageTextPreview JSON: one previewed
// message as text, cut at the configured size (truncated).
type MessageTextPreview struct {
	Content   string `json:"content"`
	Truncated bool   `json:"truncated"`
}

// PreviewService is Hermes's topic preview (TopicsEndpoint /preview).
type PreviewService interface {
	// Preview returns the topic's newest messages (none when previews are
	// off or the topic does not exist, as Hermes has none stored then).
	Preview(ctx context.Context, topic string) ([]MessageTextPreview, error)
	// PreviewAt returns the content of Preview's idx-th message:
	// domain.ErrNotFound.
	PreviewAt(ctx context.Context, topic string, idx int) ([]byte, error)
	// MessageAt returns the message at partition and offset of cluster as
	// Hermes shows it: the stored value for JSON topics, the record as
	// JSON for AVRO ones. domain.ErrTopicNotFound, domain.ErrNotFound.
	MessageAt(ctx context.Context, topic, cluster string, partition int32, offset int64) (string, error)
}
