package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// SchemaConfig holds the Avro schema rules.
type SchemaConfig struct {
	// MetadataOptional accepts schemas without Hermes's __metadata field
	// (Hermes's management.topic.avroContentTypeMetadataRequired=false;
	// by default the field is required).
	MetadataOptional bool
	// AllowRemoval enables DELETE /topics/{topic}/schema (Hermes's
	// topic.removeSchema; off by default, as in Hermes).
	AllowRemoval bool
	// KeepOnTopicRemoval leaves a removed topic's schemas in the repository:
	// a schema registry shared with Hermes keeps its subjects unless schema
	// removal is allowed (Hermes's topic.removeSchema).
	KeepOnTopicRemoval bool
	// LatestTTL is how long the latest schema of a topic is served from
	// memory before it is read again (default 10s). Changes made through
	// this process are seen at once; other processes see them within it.
	LatestTTL time.Duration
}

// maxCompiledSchemas bounds the compiled-schema cache; past it the cache
// starts over.
const maxCompiledSchemas = 1024

// Schemas holds the Avro schemas of topics for the use cases: lookups by
// version with a cache of compiled schemas, conversions at publish and at
// delivery, and avropath filters. Safe for concurrent use; share one
// between the management, publish and delivery use cases of a process.
type Schemas struct {
	repo  ports.SchemaRepository
	codec ports.AvroCodec
	cfg   SchemaConfig

	mu       sync.Mutex
	compiled map[string]ports.AvroSchema // by schema text
	latest   map[domain.TopicName]latestSchema
	filters  map[domain.MessageFilter]*avroPathFilter
}

type latestSchema struct {
	schema domain.Schema
	at     time.Time
}

// NewSchemas returns the schema use cases over repo and codec.
func NewSchemas(cfg SchemaConfig, repo ports.SchemaRepository, codec ports.AvroCodec) *Schemas {
	if cfg.LatestTTL <= 0 {
		cfg.LatestTTL = 10 * time.Second
	}
	return &Schemas{repo: repo, codec: codec, cfg: cfg, compiled: map[string]ports.AvroSchema{},
		latest: map[domain.TopicName]latestSchema{}, filters: map[domain.MessageFilter]*avroPathFilter{}}
}

func (s *Schemas) compile(text string) (ports.AvroSchema, error) {
	s.mu.Lock()
	c, ok := s.compiled[text]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := s.codec.Compile(text)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.compiled) >= maxCompiledSchemas {
		clear(s.compiled)
	}
	s.compiled[text] = c
	s.mu.Unlock()
	return c, nil
}

// forget drops the cached latest schema of topic.
func (s *Schemas) forget(topic domain.TopicName) {
	s.mu.Lock()
	delete(s.latest, topic)
	s.mu.Unlock()
}

// load returns version of topic's schema (the latest when 0), compiled.
func (s *Schemas) load(ctx context.Context, topic domain.TopicName, version int) (domain.Schema, ports.AvroSchema, error) {
	var schema domain.Schema
	var err error
	if version > 0 {
		schema, err = s.repo.SchemaVersion(ctx, topic, version)
	} else {
		schema, err = s.latestSchema(ctx, topic)
	}
	if err != nil {
		return domain.Schema{}, nil, err
	}
	c, err := s.compile(schema.Text)
	if err != nil {
		return domain.Schema{}, nil, domain.Errorf(domain.ErrSchemaNotFound, "Missing schema: stored schema of %s does not compile: %s", topic, domain.ErrorMessage(err))
	}
	return schema, c, nil
}

func (s *Schemas) latestSchema(ctx context.Context, topic domain.TopicName) (domain.Schema, error) {
	s.mu.Lock()
	l, ok := s.latest[topic]
	s.mu.Unlock()
	if ok && time.Since(l.at) < s.cfg.LatestTTL {
		return l.schema, nil
	}
	schema, err := s.repo.LatestSchema(ctx, topic)
	if err != nil {
		return domain.Schema{}, err
	}
	s.mu.Lock()
	s.latest[topic] = latestSchema{schema: schema, at: time.Now()}
	s.mu.Unlock()
	return schema, nil
}

// check compiles text and applies the __metadata rule.
func (s *Schemas) check(text string) (ports.AvroSchema, error) {
	c, err := s.compile(text)
	if err != nil {
		return nil, err
	}
	if !s.cfg.MetadataOptional {
		if err := c.CheckMetadataField(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// register checks text (when validate), checks it can read the latest
// version's data, and stores it as the next version.
func (s *Schemas) register(ctx context.Context, topic domain.TopicName, text string, validate bool) error {
	if validate {
		c, err := s.check(text)
		if err != nil {
			return err
		}
		latest, older, err := s.load(ctx, topic, 0)
		switch {
		case err == nil && latest.Text != text:
			if err := c.CompatibleWith(older); err != nil {
				return err
			}
		case err != nil && !errors.Is(err, domain.ErrSchemaNotFound):
			return err
		}
	}
	defer s.forget(topic)
	_, err := s.repo.RegisterSchema(ctx, topic, text)
	return err
}

// toAvro converts a published body to the Avro binary Hermes stores, with
// its metadata written in, as Hermes's MessageFactory does.
func (s *Schemas) toAvro(ctx context.Context, topic domain.Topic, msg domain.Message, contentType string) (domain.Message, error) {
	schema, c, err := s.load(ctx, topic.QualifiedName(), msg.SchemaVersion)
	switch {
	case errors.Is(err, domain.ErrSchemaVersionNotFound):
		return msg, domain.Errorf(domain.ErrSchemaVersionNotFound, "Given schema version '%d' does not exist", msg.SchemaVersion)
	case errors.Is(err, domain.ErrSchemaNotFound):
		return msg, domain.Errorf(domain.ErrSchemaNotFound, "Missing schema")
	case err != nil:
		return msg, err
	}
	var body []byte
	switch ct := strings.ToLower(contentType); {
	case isMediaType(ct, "application/json"):
		body, err = c.FromJSON(msg.Body)
	case isMediaType(ct, "avro/json"):
		body, err = c.FromAvroJSON(msg.Body)
	case isMediaType(ct, "avro/binary"):
		body = msg.Body
	default:
		return msg, domain.Errorf(domain.ErrValidation, "Invalid message: Unsupported content type %s for topic %s", contentType, topic.Name)
	}
	if err == nil {
		meta := metadataMaps.Get().(map[string]string)
		meta["messageId"], meta["timestamp"] = msg.ID, strconv.FormatInt(msg.Timestamp.UnixMilli(), 10)
		maps.Copy(meta, msg.Headers)
		body, err = c.WithMetadata(body, meta)
		releaseMetadata(meta)
	}
	if errors.Is(err, domain.ErrValidation) {
		return msg, domain.Errorf(domain.ErrValidation, "Invalid message: %s", domain.ErrorMessage(err))
	}
	if err != nil {
		return msg, err
	}
	msg.Body, msg.SchemaVersion = body, schema.Version
	return msg, nil
}

// metadataMaps are the metadata maps of Avro publishes, reused
// (ports.AvroSchema.WithMetadata keeps none): a new map per publish was a
// sixth of what an AVRO publish allocated in the Hermes mirror.
var metadataMaps = sync.Pool{New: func() any { return make(map[string]string, 4) }}

// releaseMetadata gives meta back to metadataMaps unless publishers'
// headers grew it: clear keeps a map's size.
func releaseMetadata(meta map[string]string) {
	if len(meta) > maxPooledHeaders {
		return
	}
	clear(meta)
	metadataMaps.Put(meta)
}

// isMediaType matches Hermes's content type check: the type alone or
// followed by parameters.
func isMediaType(ct, want string) bool {
	return ct == want || strings.HasPrefix(ct, want+";")
}

// Delivery headers naming the schema of an Avro body.
const (
	headerSchemaVersion = "Schema-Version"
	headerSchemaID      = "Schema-Id"
)

// forSubscription renders a stored Avro message for sub: JSON without
// Hermes's metadata for JSON subscriptions (no schema headers, as Hermes
// drops the schema after converting), the stored binary with
// Schema-Version and Schema-Id for AVRO subscriptions.
func forSubscription(schema domain.Schema, c ports.AvroSchema, sub domain.Subscription, m ports.ReceivedMessage) (ports.ReceivedMessage, error) {
	if sub.ContentType == domain.ContentTypeAvro {
		h := make(map[string]string, len(m.Headers)+2)
		maps.Copy(h, m.Headers)
		h[headerSchemaVersion] = strconv.Itoa(schema.Version)
		h[headerSchemaID] = strconv.Itoa(schema.ID)
		m.Headers = h
		return m, nil
	}
	body, err := c.ToJSON(m.Body)
	if err != nil {
		return m, err
	}
	m.Body = body
	return m, nil
}

// avroPathFilter is one compiled avropath filter.
type avroPathFilter struct {
	path string
	re   *regexp.Regexp // nil when the matcher does not compile: rejects all
	any  bool
}

func (s *Schemas) avroPathFilter(spec domain.MessageFilter) *avroPathFilter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.filters[spec]; ok {
		return f
	}
	f := &avroPathFilter{path: spec.Path, any: strings.EqualFold(spec.MatchingStrategy, "any")}
	f.re, _ = regexp.Compile(`^(?:` + spec.Matcher + `)$`)
	if len(s.filters) >= maxCompiledSchemas {
		clear(s.filters)
	}
	s.filters[spec] = f
	return f
}

// matchAvroPaths applies sub's avropath filters to an Avro body, as
// Hermes's AvroPathPredicate: all (default) or any selected value must
// match; nothing selected, or a body that does not decode, rejects.
func (s *Schemas) matchAvroPaths(c ports.AvroSchema, sub domain.Subscription, body []byte) bool {
	for _, spec := range sub.Filters {
		if spec.Type != "avropath" {
			continue
		}
		f := s.avroPathFilter(spec)
		values, err := c.Select(body, f.path)
		if err != nil || len(values) == 0 || f.re == nil {
			return false
		}
		matched := !f.any
		for _, v := range values {
			if f.re.MatchString(v) == f.any {
				matched = f.any
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

func hasAvroPathFilter(sub domain.Subscription) bool {
	for _, f := range sub.Filters {
		if f.Type == "avropath" {
			return true
		}
	}
	return false
}

var _ ports.SchemaService = (*Management)(nil)

// WithSchemas enables Avro topics: schemas are checked and kept in s.
// Without it, AVRO topics are refused.
func (m *Management) WithSchemas(s *Schemas) *Management {
	m.schemas = s
	return m
}

func (m *Management) schemaTopic(topic string) (domain.TopicName, error) {
	if m.schemas == nil {
		return domain.TopicName{}, domain.Errorf(domain.ErrOperationDisabled, "Avro schemas are not enabled")
	}
	return domain.ParseTopicName(topic)
}

// GetSchema returns the latest schema of topic.
func (m *Management) GetSchema(ctx context.Context, topic string) (domain.Schema, error) {
	n, err := m.schemaTopic(topic)
	if err != nil {
		return domain.Schema{}, err
	}
	return m.schemas.repo.LatestSchema(ctx, n)
}

// GetSchemaVersion returns one version of topic's schema.
func (m *Management) GetSchemaVersion(ctx context.Context, topic string, version int) (domain.Schema, error) {
	n, err := m.schemaTopic(topic)
	if err != nil {
		return domain.Schema{}, err
	}
	return m.schemas.repo.SchemaVersion(ctx, n, version)
}

// GetSchemaByID returns the version of topic's schema with that id.
func (m *Management) GetSchemaByID(ctx context.Context, topic string, id int) (domain.Schema, error) {
	n, err := m.schemaTopic(topic)
	if err != nil {
		return domain.Schema{}, err
	}
	versions, err := m.schemas.repo.SchemaVersions(ctx, n)
	if err != nil {
		return domain.Schema{}, err
	}
	for _, v := range versions {
		s, err := m.schemas.repo.SchemaVersion(ctx, n, v)
		if err == nil && s.ID == id {
			return s, nil
		}
	}
	return domain.Schema{}, domain.Errorf(domain.ErrSchemaNotFound, "No schema with id %d for topic %s", id, n)
}

// RegisterSchema registers a new version of an existing topic's schema;
// validate checks it (always done for AVRO topics, as Hermes does on
// topic updates).
//
// As in Hermes, only Avro schemas are validated: validate on a JSON topic
// is refused (400 VALIDATION_ERROR). Without validate, a text that is not
// an Avro schema at all is refused as a schema registry refuses it (400
// SCHEMA_BAD_REQUEST), since nothing could read messages with it.
func (m *Management) RegisterSchema(ctx context.Context, topic, text string, validate bool) error {
	n, err := m.schemaTopic(topic)
	if err != nil {
		return err
	}
	t, err := m.store.Topic(ctx, n)
	if err != nil {
		return err
	}
	if validate && t.ContentType != domain.ContentTypeAvro {
		return domain.Errorf(domain.ErrValidation, "No schema validator for content-type: %s", t.ContentType)
	}
	if !validate {
		if _, err := m.schemas.compile(text); err != nil {
			return fmt.Errorf("%w: %w", domain.Errorf(domain.ErrSchemaRejected, "Invalid schema: %s", domain.ErrorMessage(err)), err)
		}
	}
	return m.schemas.register(ctx, n, text, validate)
}

// DeleteSchemas removes every version of topic's schema.
func (m *Management) DeleteSchemas(ctx context.Context, topic string) error {
	n, err := m.schemaTopic(topic)
	if err != nil {
		return err
	}
	if !m.schemas.cfg.AllowRemoval {
		return domain.Errorf(domain.ErrOperationDisabled, "Removing schema is disabled.")
	}
	defer m.schemas.forget(n)
	return m.schemas.repo.DeleteSchemas(ctx, n)
}

// CreateTopicWithSchema creates t and registers schema for it: an AVRO
// topic (or a JSON one in jsonToAvroDryRun with a schema) needs a valid
// schema and a name without one; a failed registration removes the topic.
func (m *Management) CreateTopicWithSchema(ctx context.Context, t domain.Topic, schema string) error {
	withSchema := t.ContentType == domain.ContentTypeAvro || (t.JSONToAvroDryRun && schema != "")
	if !withSchema || m.schemas == nil {
		return m.CreateTopic(ctx, t)
	}
	if err := m.validateTopic(t); err != nil {
		return err
	}
	if _, err := m.schemas.check(schema); err != nil {
		return err
	}
	name := t.QualifiedName()
	if _, err := m.schemas.repo.LatestSchema(ctx, name); err == nil {
		return domain.Errorf(domain.ErrSchemaAlreadyExists, "Schema already exists for topic %s, please remove it before creating topic.", name)
	} else if !errors.Is(err, domain.ErrSchemaNotFound) {
		return err
	}
	if err := m.createTopic(ctx, t); err != nil {
		return err
	}
	if err := m.schemas.register(ctx, name, schema, false); err != nil {
		m.log.Error("rolling back topic creation after schema registration failed", "topic", name.String(), "err", err)
		if derr := m.store.DeleteTopic(ctx, name); derr != nil {
			m.log.Error("rollback of topic failed", "topic", name.String(), "err", derr)
		} else if derr := m.admin.DeleteTopic(ctx, name); derr != nil {
			m.log.Warn("rollback of store topic failed", "topic", name.String(), "err", derr)
		}
		return err
	}
	return nil
}

// WithSchemas enables rendering AVRO topics' messages per subscription
// content type, and avropath filters.
func (d *Deliverer) WithSchemas(s *Schemas) *Deliverer {
	d.schemas = s
	return d
}
