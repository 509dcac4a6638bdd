package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.SchemaRepository = (*Store)(nil)

// Schemas live beside their topic, so deleting the topic deletes them:
//
//	<dir>/groups/{group}/topics/{topic}/schema/v{n}.avsc   version n, as registered
//
// Hermes itself keeps schemas in a schema registry; this layout is
// Hermes-Go's. A schema's ID is its version.
const schemaSuffix = ".avsc"

func (s *Store) schemaDir(n domain.TopicName) string { return filepath.Join(s.topicDir(n), "schema") }

// versions lists the stored versions of topic, ascending.
func (s *Store) versions(n domain.TopicName) ([]int, error) {
	if !validName(n.Group) || !validName(n.Name) {
		return []int{}, nil
	}
	entries, err := os.ReadDir(s.schemaDir(n))
	if errors.Is(err, fs.ErrNotExist) {
		return []int{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	out := []int{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(strings.TrimPrefix(e.Name(), "v"), schemaSuffix)
		if v, err := strconv.Atoi(name); ok && err == nil && v > 0 {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *Store) readSchema(n domain.TopicName, version int) (domain.Schema, error) {
	b, err := os.ReadFile(filepath.Join(s.schemaDir(n), "v"+strconv.Itoa(version)+schemaSuffix))
	if errors.Is(err, fs.ErrNotExist) {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaVersionNotFound, "Schema version %d for topic %s does not exist", version, n)
	}
	if err != nil {
		return domain.Schema{}, fmt.Errorf("filestore: %w", err)
	}
	return domain.Schema{Version: version, ID: version, Text: string(b)}, nil
}

// RegisterSchema implements ports.SchemaRepository: domain.ErrTopicNotFound
// when the topic does not exist.
func (s *Store) RegisterSchema(ctx context.Context, topic domain.TopicName, text string) (domain.Schema, error) {
	if err := s.usable(ctx); err != nil {
		return domain.Schema{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireTopic(topic); err != nil {
		return domain.Schema{}, err
	}
	latest, err := s.latest(topic)
	switch {
	case err == nil && latest.Text == text:
		return latest, nil
	case err != nil && !errors.Is(err, domain.ErrSchemaNotFound):
		return domain.Schema{}, err
	}
	next := latest.Version + 1
	if err := write(filepath.Join(s.schemaDir(topic), "v"+strconv.Itoa(next)+schemaSuffix), []byte(text)); err != nil {
		return domain.Schema{}, err
	}
	return domain.Schema{Version: next, ID: next, Text: text}, nil
}

func (s *Store) latest(topic domain.TopicName) (domain.Schema, error) {
	vs, err := s.versions(topic)
	if err != nil {
		return domain.Schema{}, err
	}
	if len(vs) == 0 {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaNotFound, "No schema for topic %s", topic)
	}
	return s.readSchema(topic, vs[len(vs)-1])
}

// LatestSchema implements ports.SchemaRepository.
func (s *Store) LatestSchema(ctx context.Context, topic domain.TopicName) (domain.Schema, error) {
	if err := s.usable(ctx); err != nil {
		return domain.Schema{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.latest(topic)
}

// SchemaVersion implements ports.SchemaRepository.
func (s *Store) SchemaVersion(ctx context.Context, topic domain.TopicName, version int) (domain.Schema, error) {
	if err := s.usable(ctx); err != nil {
		return domain.Schema{}, err
	}
	if version < 1 || !validName(topic.Group) || !validName(topic.Name) {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaVersionNotFound, "Schema version %d for topic %s does not exist", version, topic)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readSchema(topic, version)
}

// SchemaVersions implements ports.SchemaRepository.
func (s *Store) SchemaVersions(ctx context.Context, topic domain.TopicName) ([]int, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.versions(topic)
}

// DeleteSchemas implements ports.SchemaRepository.
func (s *Store) DeleteSchemas(ctx context.Context, topic domain.TopicName) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	if !validName(topic.Group) || !validName(topic.Name) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.RemoveAll(s.schemaDir(topic)); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}
