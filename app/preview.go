package app

import (
	"context"
	"errors"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// PreviewConfig is Hermes's frontend.message.preview.*.
type PreviewConfig struct {
	// Enabled turns previews on (Hermes's default: off, and then a topic
	// has no preview).
	Enabled bool
	// Size is how many messages a topic's preview shows (default 3).
	Size int
	// MaxBytes truncates each previewed message (default 10 KiB).
	MaxBytes int
	// ClusterName is the message store cluster's name in the
	// single-message path.
	ClusterName string
}

// PreviewTopic implements ports.PreviewService: topics' newest messages,
// read back from the message store, as JSON text (AVRO converted with the
// schema version each was written with).
type PreviewTopic struct {
	cfg     PreviewConfig
	store   ports.MetadataStore
	admin   ports.MessageStoreAdmin
	schemas *Schemas // nil: AVRO bodies are shown as stored
}

var _ ports.PreviewService = (*PreviewTopic)(nil)

// NewPreviewTopic returns the preview use case.
func NewPreviewTopic(cfg PreviewConfig, store ports.MetadataStore, admin ports.MessageStoreAdmin, schemas *Schemas) *PreviewTopic {
	if cfg.Size <= 0 {
		cfg.Size = 3
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 10 * 1024
	}
	return &PreviewTopic{cfg: cfg, store: store, admin: admin, schemas: schemas}
}

// previews returns the topic's preview contents; none when previews are
// off or the topic does not exist (Hermes then has no stored preview).
func (p *PreviewTopic) previews(ctx context.Context, topic string) ([]ports.MessageTextPreview, error) {
	none := []ports.MessageTextPreview{}
	if !p.cfg.Enabled {
		return none, nil
	}
	tn, err := domain.ParseTopicName(topic)
	if err != nil {
		return nil, err
	}
	t, err := p.store.Topic(ctx, tn)
	if errors.Is(err, domain.ErrTopicNotFound) {
		return none, nil
	}
	if err != nil {
		return nil, err
	}
	msgs, err := p.admin.LatestMessages(ctx, t, p.cfg.Size)
	if errors.Is(err, domain.ErrTopicNotFound) {
		return none, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]ports.MessageTextPreview, 0, len(msgs))
	for _, m := range msgs {
		content := p.asJSON(ctx, t, m.Message)
		preview := ports.MessageTextPreview{Content: string(content)}
		if len(content) > p.cfg.MaxBytes {
			preview = ports.MessageTextPreview{Content: string(content[:p.cfg.MaxBytes]), Truncated: true}
		}
		out = append(out, preview)
	}
	return out, nil
}

// asJSON is Hermes's MessageToJsonConverter: AVRO as JSON, anything that
// does not convert as it is.
func (p *PreviewTopic) asJSON(ctx context.Context, t domain.Topic, m domain.Message) []byte {
	if t.ContentType != domain.ContentTypeAvro || p.schemas == nil {
		return m.Body
	}
	_, c, err := p.schemas.load(ctx, t.QualifiedName(), m.SchemaVersion)
	if err != nil {
		return m.Body
	}
	if j, err := c.ToJSON(m.Body); err == nil {
		return j
	}
	return m.Body
}

// Preview implements ports.PreviewService.
func (p *PreviewTopic) Preview(ctx context.Context, topic string) ([]ports.MessageTextPreview, error) {
	return p.previews(ctx, topic)
}

// PreviewAt implements ports.PreviewService.
func (p *PreviewTopic) PreviewAt(ctx context.Context, topic string, idx int) ([]byte, error) {
	all, err := p.previews(ctx, topic)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= len(all) {
		return nil, domain.Errorf(domain.ErrNotFound, "Message preview not found for topic %s and offset %d", topic, idx)
	}
	return []byte(all[idx].Content), nil
}

// MessageAt implements ports.PreviewService.
func (p *PreviewTopic) MessageAt(ctx context.Context, topic, cluster string, partition int32, offset int64) (string, error) {
	tn, err := domain.ParseTopicName(topic)
	if err != nil {
		return "", err
	}
	t, err := p.store.Topic(ctx, tn)
	if err != nil {
		return "", err
	}
	notFound := domain.Errorf(domain.ErrNotFound, "Message not found for brokers cluster %s, topic %s, partition %d and offset %d",
		cluster, topic, partition, offset)
	if cluster != p.cfg.ClusterName {
		return "", notFound
	}
	m, err := p.admin.ReadMessage(ctx, t, partition, offset)
	if errors.Is(err, domain.ErrNotFound) {
		return "", notFound
	}
	if err != nil {
		return "", err
	}
	if t.ContentType == domain.ContentTypeAvro {
		return string(p.asJSON(ctx, t, m.Message)), nil
	}
	return string(m.Value), nil
}
