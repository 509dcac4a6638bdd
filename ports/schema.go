package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// SchemaRepository keeps the Avro schema versions of topics. Safe for
// concurrent use, also across processes sharing one backend.
type SchemaRepository interface {
	// RegisterSchema stores text as the topic's next version (1 for the
	// first) and returns it. Registering the text of the latest version
	// again returns that version (idempotent, as a schema registry). The
	// text is stored as given; checking it is the caller's job.
	RegisterSchema(ctx context.Context, topic domain.TopicName, text string) (domain.Schema, error)
	// LatestSchema returns the newest version, or domain.ErrSchemaNotFound.
	LatestSchema(ctx context.Context, topic domain.TopicName) (domain.Schema, error)
	// SchemaVersion returns one version, or domain.ErrSchemaVersionNotFound.
	SchemaVersion(ctx context.Context, topic domain.TopicName, version int) (domain.Schema, error)
	// SchemaVersions lists the topic's versions in ascending order (empty
	// when it has none).
	SchemaVersions(ctx context.Context, topic domain.TopicName) ([]int, error)
	// DeleteSchemas removes every version of the topic's schema.
	// Idempotent. A later RegisterSchema starts again at version 1.
	DeleteSchemas(ctx context.Context, topic domain.TopicName) error
}

// AvroCodec compiles Avro schemas. Safe for concurrent use.
type AvroCodec interface {
	// Compile parses an Avro schema: domain.ErrSchemaInvalid when it does
	// not parse or is not a record.
	Compile(text string) (AvroSchema, error)
}

// AvroSchema is a compiled Avro record schema. Safe for concurrent use.
// Logical types are handled as their underlying Avro type, as Hermes's
// JSON converter does: timestamp-millis is a JSON number, uuid a string,
// decimal bytes a string of ISO-8859-1 code points.
type AvroSchema interface {
	// CheckMetadataField returns domain.ErrSchemaInvalid unless the record
	// has Hermes's domain.MetadataField with type ["null", map of string].
	CheckMetadataField() error
	// FromJSON converts a plain JSON object to Avro binary as Hermes does
	// (union values without type wrappers, unknown fields ignored, absent
	// fields take their default): domain.ErrValidation naming the field.
	FromJSON(body []byte) ([]byte, error)
	// FromAvroJSON converts Avro's JSON encoding (unions wrapped as
	// {"type": value}) to Avro binary: domain.ErrValidation naming the field.
	FromAvroJSON(body []byte) ([]byte, error)
	// WithMetadata checks that data is a record of this schema
	// (domain.ErrValidation otherwise) and, when the schema has the
	// metadata field, returns it re-encoded with that field set to meta.
	// It keeps nothing of meta once it returned (callers reuse the map).
	WithMetadata(data []byte, meta map[string]string) ([]byte, error)
	// ToJSON renders Avro binary as plain JSON without the metadata field
	// (what JSON subscribers receive): domain.ErrValidation when data is
	// not a record of this schema.
	ToJSON(data []byte) ([]byte, error)
	// Select returns the string forms of the values an avropath (".a.b",
	// ".list[*].c", ".list[0]") selects in data: null as "null", strings
	// and enum symbols bare, others as JSON; nil when nothing matches.
	Select(data []byte, path string) ([]string, error)
	// CompatibleWith returns domain.ErrSchemaIncompatible unless this
	// schema can read data written with older (backward compatibility).
	CompatibleWith(older AvroSchema) error
}

// SchemaService is the management of topic schemas, an optional
// capability of a Management (the HTTP adapter type-asserts it).
type SchemaService interface {
	// GetSchema returns the latest version, or domain.ErrSchemaNotFound.
	GetSchema(ctx context.Context, topic string) (domain.Schema, error)
	// GetSchemaVersion returns one version or domain.ErrSchemaVersionNotFound.
	GetSchemaVersion(ctx context.Context, topic string, version int) (domain.Schema, error)
	// GetSchemaByID returns the version with that id or domain.ErrSchemaNotFound.
	GetSchemaByID(ctx context.Context, topic string, id int) (domain.Schema, error)
	// RegisterSchema checks (when validate) and registers a new version:
	// domain.ErrTopicNotFound, domain.ErrSchemaInvalid, domain.ErrSchemaIncompatible.
	RegisterSchema(ctx context.Context, topic, text string, validate bool) error
	// DeleteSchemas removes every version; domain.ErrOperationDisabled
	// when schema removal is off.
	DeleteSchemas(ctx context.Context, topic string) error
	// CreateTopicWithSchema is CreateTopic that also registers schema (an
	// AVRO topic needs one); a failed registration removes the topic again.
	// domain.ErrSchemaAlreadyExists when the topic's name has a schema.
	CreateTopicWithSchema(ctx context.Context, t domain.Topic, schema string) error
}

// AvroPublisher is the optional capability of a Publisher to take an AVRO
// topic's body in the request's content type (the HTTP adapter
// type-asserts it).
type AvroPublisher interface {
	// PublishContent is Publish for a body of contentType: on an AVRO topic
	// application/json is converted to Avro with the schema version
	// msg.SchemaVersion names (the latest when 0), avro/json likewise,
	// avro/binary is checked; Hermes's metadata is written into the record.
	// Errors as Publish, plus domain.ErrSchemaVersionNotFound and
	// domain.ErrSchemaNotFound. On a JSON topic it is Publish.
	PublishContent(ctx context.Context, topic domain.Topic, msg domain.Message, contentType string) error
}
