// Package avro implements ports.AvroCodec with hamba/avro: schema
// parsing and compatibility, Hermes's JSON to Avro conversion (plain JSON
// and Avro's JSON encoding), Hermes's __metadata field, rendering Avro as
// the JSON subscribers receive, and avropath selection for filters.
package avro
