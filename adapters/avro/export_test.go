package avro

// ReaderFromJSON and ReaderFromAvroJSON run the reference conversion
// alone, for the differential tests of the fast path.
func (s *Schema) ReaderFromJSON(body []byte) ([]byte, error) {
	return s.readerFromJSON(body, reader{}, "Failed to convert JSON to Avro")
}

func (s *Schema) ReaderFromAvroJSON(body []byte) ([]byte, error) {
	return s.readerFromJSON(body, reader{wrapped: true}, "Failed to convert to AVRO")
}

// FastFromJSON runs the fast path alone; ok is false when it declines.
func (s *Schema) FastFromJSON(body []byte, wrapped bool) (out []byte, ok bool) {
	out, err := fastFromJSON(s.fast, body, wrapped)
	return out, err == nil
}

// Decode reads data as a record, unions as {branch: value}.
func (s *Schema) Decode(data []byte) (map[string]any, error) { return s.decode(data) }

// Physical is the schema the conversion works on (logical types removed).
func (s *Schema) Physical() any { return s.physical }

// ReaderWithMetadata runs WithMetadata's reference path alone.
func (s *Schema) ReaderWithMetadata(data []byte, meta map[string]string) ([]byte, error) {
	return s.readerWithMetadata(data, meta)
}

// FastWithMetadata runs WithMetadata's fast path alone; ok is false when
// it declines.
func (s *Schema) FastWithMetadata(data []byte, meta map[string]string) ([]byte, bool) {
	return fastWithMetadata(s.fast, data, meta)
}
