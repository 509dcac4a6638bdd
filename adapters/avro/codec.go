package avro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Codec compiles Avro schemas with hamba/avro.
type Codec struct{}

var (
	_ ports.AvroCodec  = (*Codec)(nil)
	_ ports.AvroSchema = (*Schema)(nil)
)

// api encodes as Java's GenericDatumWriter with a BinaryEncoder does: an
// array or map is one block with a positive item count and no byte size.
// Values may be as large as the largest message.
var api = avro.Config{
	BlockLength:            math.MaxInt32,
	DisableBlockSizeHeader: true,
	MaxByteSliceSize:       domain.MaxMessageSize,
}.Freeze()

// NewCodec returns the Avro codec.
func NewCodec() *Codec { return &Codec{} }

// Schema is a compiled record schema. Binary work uses the physical
// schema (logical types removed), so values keep their underlying Avro
// types, as Hermes's converter treats them; the bytes are the same either
// way, logical types do not change Avro's binary encoding.
type Schema struct {
	logical  avro.Schema
	physical *avro.RecordSchema
	fast     *node // the converter tree, compiled once per schema
}

// invalidSchema is Hermes's InvalidSchemaException message.
func invalidSchema(format string, args ...any) error {
	return domain.Errorf(domain.ErrSchemaInvalid, "Error while trying to validate schema: "+format, args...)
}

// Compile parses text. Each parse gets its own name cache: hamba's default
// cache is process-wide, and two versions of one topic's schema share
// their record names.
func (c *Codec) Compile(text string) (ports.AvroSchema, error) {
	if strings.TrimSpace(text) == "" {
		return nil, invalidSchema("Message schema cannot be empty")
	}
	logical, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		return nil, invalidSchema("%v", err)
	}
	stripped, err := withoutLogicalTypes(text)
	if err != nil {
		return nil, invalidSchema("%v", err)
	}
	physical, err := avro.ParseWithCache(stripped, "", &avro.SchemaCache{})
	if err != nil {
		return nil, invalidSchema("%v", err)
	}
	rec, ok := physical.(*avro.RecordSchema)
	if !ok {
		return nil, invalidSchema("schema must be a record, not %s", physical.Type())
	}
	return &Schema{logical: logical, physical: rec, fast: compileFast(rec)}, nil
}

// withoutLogicalTypes drops every "logicalType" attribute of a schema.
func withoutLogicalTypes(text string) (string, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return "", err
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "logicalType")
			for _, c := range x {
				strip(c)
			}
		case []any:
			for _, c := range x {
				strip(c)
			}
		}
	}
	strip(doc)
	b, err := json.Marshal(doc)
	return string(b), err
}

// CheckMetadataField checks Hermes's __metadata field as management does
// when management.topic.avroContentTypeMetadataRequired is on.
func (s *Schema) CheckMetadataField() error {
	f := s.field(domain.MetadataField)
	if f == nil {
		return invalidSchema("Missing Hermes __metadata field")
	}
	u, ok := f.Type().(*avro.UnionSchema)
	if !ok || len(u.Types()) != 2 || u.Types()[0].Type() != avro.Null {
		return invalidSchema("Invalid types used in field __metadata")
	}
	m, ok := u.Types()[1].(*avro.MapSchema)
	if !ok || m.Values().Type() != avro.String {
		return invalidSchema("Invalid types used in field __metadata")
	}
	return nil
}

func (s *Schema) field(name string) *avro.Field {
	for _, f := range s.physical.Fields() {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// FromJSON converts plain JSON as Hermes's JsonAvroConverter does.
func (s *Schema) FromJSON(body []byte) ([]byte, error) {
	return s.fromJSON(body, reader{}, "Failed to convert JSON to Avro")
}

// FromAvroJSON converts Avro's JSON encoding.
func (s *Schema) FromAvroJSON(body []byte) ([]byte, error) {
	return s.fromJSON(body, reader{wrapped: true}, "Failed to convert to AVRO")
}

func (s *Schema) fromJSON(body []byte, r reader, prefix string) ([]byte, error) {
	if out, err := fastFromJSON(s.fast, body, r.wrapped); err == nil {
		return out, nil
	}
	return s.readerFromJSON(body, r, prefix)
}

// readerFromJSON is the reference conversion through generic values: it
// defines the rules, answers what the fast path declines, and words the
// errors.
func (s *Schema) readerFromJSON(body []byte, r reader, prefix string) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil || doc == nil || d.More() {
		return nil, domain.Errorf(domain.ErrValidation, "Failed to parse json to map format.")
	}
	v, err := r.record(s.physical, doc, nil)
	if err != nil {
		return nil, domain.Errorf(domain.ErrValidation, "%s: %s", prefix, err.Error())
	}
	out, err := api.Marshal(s.physical, v)
	if err != nil {
		return nil, domain.Errorf(domain.ErrValidation, "%s: %v", prefix, err)
	}
	return out, nil
}

// decode reads data as a record of the schema. Unlike api.Unmarshal,
// which takes running out of bytes for a normal end, truncated data is an
// error.
func (s *Schema) decode(data []byte) (map[string]any, error) {
	var v map[string]any
	r := avro.NewReader(nil, 0, avro.WithReaderConfig(api)).Reset(data)
	r.ReadVal(s.physical, &v)
	if err := r.Error; err != nil || v == nil {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("data ends before the record")
		}
		return nil, domain.Errorf(domain.ErrValidation, "Could not deserialize avro message with provided schema: %v", err)
	}
	return canonical(s.physical, v).(map[string]any), nil
}

// primitiveBranch names the union branch hamba decoded a primitive into:
// it wraps named and complex branches as {name: value} but returns
// primitive ones bare.
var primitiveBranch = map[reflect.Type]string{
	reflect.TypeFor[string]():  "string",
	reflect.TypeFor[int]():     "int",
	reflect.TypeFor[int64]():   "long",
	reflect.TypeFor[float32](): "float",
	reflect.TypeFor[float64](): "double",
	reflect.TypeFor[bool]():    "boolean",
	reflect.TypeFor[[]byte]():  "bytes",
}

// canonical rewrites decoded values so every union is {branch: value}
// ({} for null), the form the reader produces and hamba encodes.
func canonical(s avro.Schema, v any) any {
	switch s := resolve(s).(type) {
	case *avro.RecordSchema:
		rec, _ := v.(map[string]any)
		for _, f := range s.Fields() {
			rec[f.Name()] = canonical(f.Type(), rec[f.Name()])
		}
		return rec
	case *avro.ArraySchema:
		list, _ := v.([]any)
		for i := range list {
			list[i] = canonical(s.Items(), list[i])
		}
		return list
	case *avro.MapSchema:
		m, _ := v.(map[string]any)
		for k := range m {
			m[k] = canonical(s.Values(), m[k])
		}
		return m
	case *avro.UnionSchema:
		if v == nil {
			return map[string]any{}
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for name, x := range m {
				if t, _ := s.Types().Get(name); t != nil {
					return map[string]any{name: canonical(t, x)}
				}
			}
		}
		return map[string]any{primitiveBranch[reflect.TypeOf(v)]: v}
	}
	return v
}

// WithMetadata writes Hermes's metadata into the record, as Hermes's
// AvroMessageContentWrapper does; a schema without the field keeps data.
func (s *Schema) WithMetadata(data []byte, meta map[string]string) ([]byte, error) {
	if out, ok := fastWithMetadata(s.fast, data, meta); ok {
		return out, nil
	}
	return s.readerWithMetadata(data, meta)
}

// readerWithMetadata is WithMetadata's reference path (fast_metadata.go).
func (s *Schema) readerWithMetadata(data []byte, meta map[string]string) ([]byte, error) {
	rec, err := s.decode(data)
	if err != nil {
		return nil, err
	}
	if s.field(domain.MetadataField) == nil {
		return data, nil
	}
	m := make(map[string]any, len(meta))
	for k, v := range meta {
		m[k] = v
	}
	rec[domain.MetadataField] = map[string]any{"map": m}
	out, err := api.Marshal(s.physical, rec)
	if err != nil {
		return nil, domain.Errorf(domain.ErrSchemaInvalidMetadata,
			"Schema does not contain mandatory __metadata field for Hermes internal metadata. Please fix topic schema.")
	}
	return out, nil
}

// ToJSON renders the record without its metadata field.
func (s *Schema) ToJSON(data []byte) ([]byte, error) {
	rec, err := s.decode(data)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeRecord(&b, s.physical, rec, true); err != nil {
		return nil, domain.Errorf(domain.ErrValidation, "Could not render avro message as JSON: %v", err)
	}
	return b.Bytes(), nil
}

// CompatibleWith checks backward compatibility (this schema reads older's data).
func (s *Schema) CompatibleWith(older ports.AvroSchema) error {
	o, ok := older.(*Schema)
	if !ok {
		return fmt.Errorf("avro: schema of another codec: %T", older)
	}
	if err := avro.NewSchemaCompatibility().Compatible(s.logical, o.logical); err != nil {
		return domain.Errorf(domain.ErrSchemaIncompatible, "Schema is not backward compatible with the latest version: %v", err)
	}
	return nil
}

// resolve follows a named-type reference.
func resolve(s avro.Schema) avro.Schema {
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema()
	}
	return s
}
