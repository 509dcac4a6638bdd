package domain

import "errors"

// Avro schema sentinel errors. The HTTP adapters map each to Hermes's
// schema error codes.
var (
	// ErrSchemaNotFound is returned when a topic has no schema at all
	// (frontend: 500 SCHEMA_COULD_NOT_BE_LOADED "Missing schema").
	ErrSchemaNotFound = errors.New("schema not found")
	// ErrSchemaVersionNotFound is returned when a named schema version of a
	// topic does not exist (400 SCHEMA_VERSION_DOES_NOT_EXIST).
	ErrSchemaVersionNotFound = errors.New("schema version not found")
	// ErrSchemaInvalid is returned when a schema does not parse or breaks
	// Hermes's __metadata rule (400 FORMAT_ERROR, as Hermes's
	// InvalidSchemaException).
	ErrSchemaInvalid = errors.New("schema invalid")
	// ErrSchemaIncompatible is returned when a new schema version cannot
	// read data written with the latest one (400 SCHEMA_BAD_REQUEST, as a
	// schema registry's 409 becomes in Hermes).
	ErrSchemaIncompatible = errors.New("schema incompatible")
	// ErrSchemaRejected is returned when a schema registered without
	// validation (for a JSON topic) is not a schema at all: the schema
	// store refuses it, as a schema registry does (400 SCHEMA_BAD_REQUEST).
	ErrSchemaRejected = errors.New("schema rejected")
	// ErrSchemaAlreadyExists is returned when a topic being created already
	// has a schema (400 SCHEMA_ALREADY_EXISTS).
	ErrSchemaAlreadyExists = errors.New("schema already exists")
	// ErrSchemaInvalidMetadata is returned when Hermes's metadata cannot be
	// written into a message (400 AVRO_SCHEMA_INVALID_METADATA).
	ErrSchemaInvalidMetadata = errors.New("schema has invalid metadata field")
)

// MetadataField is the Avro record field in which Hermes keeps a message's
// metadata: a ["null", {"type":"map","values":"string"}] union holding
// "messageId", "timestamp" (epoch milliseconds as a string) and the
// propagated headers.
const MetadataField = "__metadata"

// Schema is one version of a topic's Avro schema.
type Schema struct {
	// Version counts a topic's schemas from 1.
	Version int
	// ID identifies the schema (a registry's global id; stores without a
	// registry use the version).
	ID int
	// Text is the schema JSON as registered.
	Text string
}
