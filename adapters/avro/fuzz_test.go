package avro_test

import (
	"errors"
	"testing"

	"github.com/hermes-go/hermes/adapters/avro"
	"github.com/hermes-go/hermes/domain"
)

// Fuzz targets of the JSON to Avro conversion the frontend runs on every
// publish to an AVRO topic, and of the avropath selection consumers run on
// every delivery. Refusals are validation errors (the publish's 400), and
// what converts comes back out.

const fuzzBody = `{"id":"o-1","quantity":2,"total":123456789012,"ratio":0.25,"weight":1.5,"paid":true,` +
	`"buyer":{"name":"Ann","address":{"city":"Poznań"}},"tags":["a","b"],` +
	`"lines":[{"sku":"x","count":1},{"sku":"y","count":2}],"attributes":{"k":"v"},` +
	`"note":"gift","status":"SHIPPED","createdAt":1700000000123,"price":"\u0004\u00d2",` +
	`"uid":"0c9f3a7e-1b2d-4c5e-8f90-123456789abc","priority":3}`

func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{fuzzBody, `{}`, `null`, `{"id":1}`, `{"quantity":1e400}`, `{"quantity":2147483648}`,
		`{"buyer":{"address":{"string":"x"}}}`, `{"status":"OTHER"}`, `{"price":"\uffff"}`, `{"tags":[null]}`,
		`{"id":"\xff\xfe"}`, `{"note":{"string":"x"}}`, `[` + fuzzBody + `]`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	s, err := avro.NewCodec().Compile(fullSchema)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, avroJSON bool) {
		convert := s.FromJSON
		if avroJSON {
			convert = s.FromAvroJSON
		}
		bin, err := convert(body)
		if err != nil {
			if !errors.Is(err, domain.ErrValidation) {
				t.Fatalf("converting %q: %v is not a validation error", body, err)
			}
			return
		}
		if _, err := s.ToJSON(bin); err != nil {
			t.Fatalf("%q converted but does not read back: %v", body, err)
		}
		if _, err := s.WithMetadata(bin, map[string]string{"messageId": "m"}); err != nil {
			t.Fatalf("%q converted but takes no metadata: %v", body, err)
		}
	})
}

// FuzzAvroPath selects fuzzed avropaths (Hermes's avropath filter) in a
// fuzzed record.
func FuzzAvroPath(f *testing.F) {
	for _, p := range []string{".id", ".buyer.address.city", ".lines[*].sku", ".lines[0].count", ".lines[9]", ".tags[*]",
		".attributes.k", "", ".", "..", ".lines[", ".lines[-1]", ".lines[99999999999999999999]", "id", ".note.string", "[*]"} {
		f.Add(p, []byte(fuzzBody))
	}
	s, err := avro.NewCodec().Compile(fullSchema)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		bin, err := s.FromJSON(body)
		if err != nil {
			return
		}
		if _, err := s.Select(bin, path); err != nil && !errors.Is(err, domain.ErrValidation) {
			t.Fatalf("Select(%q): %v is not a validation error", path, err)
		}
	})
}
