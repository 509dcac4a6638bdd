package zookeeper

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.SchemaRepository = (*Store)(nil)

// Schemas live beside their topic, so deleting the topic (its subtree)
// deletes them, and the metadata cache, which knows only the topics and
// subscriptions containers, ignores them:
//
//	{root}/groups/{group}/topics/{topic}/schema/v{n}   version n, the text as registered
//
// Hermes itself keeps schemas in a schema registry (see
// adapters/schemaregistry for one); this layout is Hermes-Go's. A schema's
// ID is its version. Versions are allocated by creating v{n+1}: a
// concurrent registration that got there first makes the loser try n+2.
func (s *Store) schemaPath(n domain.TopicName) string {
	return s.paths.node(topicNames(n)) + "/schema"
}

func noSchemaVersion(n domain.TopicName, version int) error {
	return domain.Errorf(domain.ErrSchemaVersionNotFound, "Schema version %d for topic %s does not exist", version, n)
}

// schemaVersions lists the versions, ascending; none when the topic or
// its schema node does not exist.
func (s *Store) schemaVersions(ctx context.Context, n domain.TopicName) ([]int, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	out := []int{}
	if !validNames(n.Group, n.Name) {
		return out, nil
	}
	kids, _, err := s.conn.Children(s.schemaPath(n))
	if errors.Is(err, zk.ErrNoNode) {
		return out, nil
	}
	if err != nil {
		return nil, s.fail("list schemas of "+n.String(), err)
	}
	for _, k := range kids {
		if v, err := strconv.Atoi(strings.TrimPrefix(k, "v")); err == nil && v > 0 && strings.HasPrefix(k, "v") {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

// SchemaVersion implements ports.SchemaRepository.
func (s *Store) SchemaVersion(ctx context.Context, topic domain.TopicName, version int) (domain.Schema, error) {
	if err := s.ready(ctx); err != nil {
		return domain.Schema{}, err
	}
	if version < 1 || !validNames(topic.Group, topic.Name) {
		return domain.Schema{}, noSchemaVersion(topic, version)
	}
	b, _, err := s.conn.Get(s.schemaPath(topic) + "/v" + strconv.Itoa(version))
	if errors.Is(err, zk.ErrNoNode) {
		return domain.Schema{}, noSchemaVersion(topic, version)
	}
	if err != nil {
		return domain.Schema{}, s.fail("read schema of "+topic.String(), err)
	}
	return domain.Schema{Version: version, ID: version, Text: string(b)}, nil
}

// LatestSchema implements ports.SchemaRepository.
func (s *Store) LatestSchema(ctx context.Context, topic domain.TopicName) (domain.Schema, error) {
	for range maxAttempts {
		vs, err := s.schemaVersions(ctx, topic)
		if err != nil {
			return domain.Schema{}, err
		}
		if len(vs) == 0 {
			return domain.Schema{}, domain.Errorf(domain.ErrSchemaNotFound, "No schema for topic %s", topic)
		}
		sc, err := s.SchemaVersion(ctx, topic, vs[len(vs)-1])
		if !errors.Is(err, domain.ErrSchemaVersionNotFound) {
			return sc, err
		}
		// Deleted between listing and reading: look again.
	}
	return domain.Schema{}, domain.Errorf(domain.ErrConflict, "Schemas of %s did not settle after %d attempts", topic, maxAttempts)
}

// SchemaVersions implements ports.SchemaRepository.
func (s *Store) SchemaVersions(ctx context.Context, topic domain.TopicName) ([]int, error) {
	return s.schemaVersions(ctx, topic)
}

// RegisterSchema implements ports.SchemaRepository: domain.ErrTopicNotFound
// when the topic does not exist.
func (s *Store) RegisterSchema(ctx context.Context, topic domain.TopicName, text string) (domain.Schema, error) {
	names := topicNames(topic)
	for range maxAttempts {
		if err := s.ready(ctx); err != nil {
			return domain.Schema{}, err
		}
		if !validNames(names...) {
			return domain.Schema{}, notFound(names)
		}
		latest, err := s.LatestSchema(ctx, topic)
		switch {
		case err == nil && latest.Text == text:
			return latest, nil
		case err != nil && !errors.Is(err, domain.ErrSchemaNotFound):
			return domain.Schema{}, err
		}
		_, err = s.conn.Create(s.schemaPath(topic), nil, 0, acl)
		if errors.Is(err, zk.ErrNoNode) {
			return domain.Schema{}, notFound(names)
		}
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return domain.Schema{}, s.fail("create schema node of "+topic.String(), err)
		}
		next := latest.Version + 1
		_, err = s.conn.Create(s.schemaPath(topic)+"/v"+strconv.Itoa(next), []byte(text), 0, acl)
		switch {
		case err == nil:
			return domain.Schema{Version: next, ID: next, Text: text}, nil
		case errors.Is(err, zk.ErrNodeExists), errors.Is(err, zk.ErrNoNode):
			continue // another registration or a delete won: look again
		default:
			return domain.Schema{}, s.fail("register schema of "+topic.String(), err)
		}
	}
	return domain.Schema{}, domain.Errorf(domain.ErrConflict, "Registering a schema of %s did not settle after %d attempts", topic, maxAttempts)
}

// DeleteSchemas implements ports.SchemaRepository.
func (s *Store) DeleteSchemas(ctx context.Context, topic domain.TopicName) error {
	for range maxAttempts {
		vs, err := s.schemaVersions(ctx, topic)
		if err != nil {
			return err
		}
		ops := make([]any, 0, len(vs)+1)
		for _, v := range vs {
			ops = append(ops, &zk.DeleteRequest{Path: s.schemaPath(topic) + "/v" + strconv.Itoa(v), Version: -1})
		}
		ops = append(ops, &zk.DeleteRequest{Path: s.schemaPath(topic), Version: -1})
		_, err = s.conn.Multi(ops...)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoNode) && len(vs) == 0:
			return nil // no schema node at all
		case errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrNotEmpty):
			continue
		default:
			return s.fail("delete schemas of "+topic.String(), err)
		}
	}
	return domain.Errorf(domain.ErrConflict, "Deleting schemas of %s did not settle after %d attempts", topic, maxAttempts)
}
