package memory

import (
	"context"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.SchemaRepository = (*SchemaRepository)(nil)

// SchemaRepository is a ports.SchemaRepository in process memory. A
// schema's ID is its version. The zero value is not usable; call
// NewSchemaRepository.
type SchemaRepository struct {
	mu       sync.RWMutex
	versions map[domain.TopicName][]string // text of version i+1 at index i
}

// NewSchemaRepository returns an empty repository.
func NewSchemaRepository() *SchemaRepository {
	return &SchemaRepository{versions: map[domain.TopicName][]string{}}
}

func schemaAt(texts []string, version int) domain.Schema {
	return domain.Schema{Version: version, ID: version, Text: texts[version-1]}
}

// RegisterSchema implements ports.SchemaRepository.
func (r *SchemaRepository) RegisterSchema(ctx context.Context, topic domain.TopicName, text string) (domain.Schema, error) {
	if err := ctx.Err(); err != nil {
		return domain.Schema{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	texts := r.versions[topic]
	if n := len(texts); n > 0 && texts[n-1] == text {
		return schemaAt(texts, n), nil
	}
	texts = append(texts, text)
	r.versions[topic] = texts
	return schemaAt(texts, len(texts)), nil
}

// LatestSchema implements ports.SchemaRepository.
func (r *SchemaRepository) LatestSchema(ctx context.Context, topic domain.TopicName) (domain.Schema, error) {
	if err := ctx.Err(); err != nil {
		return domain.Schema{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	texts := r.versions[topic]
	if len(texts) == 0 {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaNotFound, "No schema for topic %s", topic)
	}
	return schemaAt(texts, len(texts)), nil
}

// SchemaVersion implements ports.SchemaRepository.
func (r *SchemaRepository) SchemaVersion(ctx context.Context, topic domain.TopicName, version int) (domain.Schema, error) {
	if err := ctx.Err(); err != nil {
		return domain.Schema{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	texts := r.versions[topic]
	if version < 1 || version > len(texts) {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaVersionNotFound, "Schema version %d for topic %s does not exist", version, topic)
	}
	return schemaAt(texts, version), nil
}

// SchemaVersions implements ports.SchemaRepository.
func (r *SchemaRepository) SchemaVersions(ctx context.Context, topic domain.TopicName) ([]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]int, len(r.versions[topic]))
	for i := range out {
		out[i] = i + 1
	}
	return out, nil
}

// DeleteSchemas implements ports.SchemaRepository.
func (r *SchemaRepository) DeleteSchemas(ctx context.Context, topic domain.TopicName) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.versions, topic)
	return nil
}
