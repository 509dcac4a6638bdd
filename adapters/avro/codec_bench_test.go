package avro_test

import (
	"encoding/json"
	"math"
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/hermes-go/hermes/adapters/avro"
)

// benchSchema and benchBody are a typical order event: nested record,
// arrays, a map, a nullable union, an enum and Hermes's __metadata.
const benchSchema = `{"type":"record","name":"Order","namespace":"pl.example","fields":[
 {"name":"id","type":"string"},
 {"name":"quantity","type":"int"},
 {"name":"total","type":"long"},
 {"name":"ratio","type":"double"},
 {"name":"paid","type":"boolean"},
 {"name":"buyer","type":{"type":"record","name":"Buyer","fields":[{"name":"name","type":"string"},{"name":"city","type":"string"}]}},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"},{"name":"count","type":"int"}]}}},
 {"name":"attributes","type":{"type":"map","values":"string"}},
 {"name":"note","type":["null","string"],"default":null},
 {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","SHIPPED"]}},
 ` + metadataField + `]}`

const benchBody = `{"id":"0c9f3a7e-1b2d-4c5e-8f90-123456789abc","quantity":2,"total":123456789012,"ratio":0.25,"paid":true,` +
	`"buyer":{"name":"Ann Smith","city":"Poznan"},"tags":["gift","express","b2c"],` +
	`"lines":[{"sku":"SKU-000001","count":1},{"sku":"SKU-000002","count":2},{"sku":"SKU-000003","count":5}],` +
	`"attributes":{"channel":"web","campaign":"autumn","region":"pl"},"note":"leave at the door","status":"SHIPPED"}`

// order is benchSchema as a Go type, for the bare hamba baselines.
type order struct {
	ID         string             `json:"id" avro:"id"`
	Quantity   int32              `json:"quantity" avro:"quantity"`
	Total      int64              `json:"total" avro:"total"`
	Ratio      float64            `json:"ratio" avro:"ratio"`
	Paid       bool               `json:"paid" avro:"paid"`
	Buyer      buyer              `json:"buyer" avro:"buyer"`
	Tags       []string           `json:"tags" avro:"tags"`
	Lines      []line             `json:"lines" avro:"lines"`
	Attributes map[string]string  `json:"attributes" avro:"attributes"`
	Note       *string            `json:"note" avro:"note"`
	Status     string             `json:"status" avro:"status"`
	Metadata   *map[string]string `json:"-" avro:"__metadata"`
}

type buyer struct {
	Name string `json:"name" avro:"name"`
	City string `json:"city" avro:"city"`
}

type line struct {
	SKU   string `json:"sku" avro:"sku"`
	Count int32  `json:"count" avro:"count"`
}

// BenchmarkJSONToAvro is the publish-side conversion of an AVRO topic
// (make bench prints it): Hermes-Go's FromJSON, which needs no Go type and
// follows Hermes's JSON rules, against hamba/avro encoding a Go struct,
// with and without decoding the JSON into it first.
func BenchmarkJSONToAvro(b *testing.B) {
	s, err := avro.NewCodec().Compile(benchSchema)
	if err != nil {
		b.Fatal(err)
	}
	want, err := s.FromJSON([]byte(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	plain, err := hamba.Parse(benchSchema)
	if err != nil {
		b.Fatal(err)
	}
	var o order
	if err := json.Unmarshal([]byte(benchBody), &o); err != nil {
		b.Fatal(err)
	}
	// Hermes's block layout (Java's: one block, no byte size); map entries
	// come in Go's random order, so only the length can be compared.
	api := hamba.Config{BlockLength: math.MaxInt32, DisableBlockSizeHeader: true}.Freeze()
	if got, err := api.Marshal(plain, o); err != nil || len(got) != len(want) {
		b.Fatalf("baseline encodes differently: %v", err)
	}
	b.Run("hermes-go FromJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.FromJSON([]byte(benchBody)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare json.Unmarshal to struct + hamba.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var o order
			if err := json.Unmarshal([]byte(benchBody), &o); err != nil {
				b.Fatal(err)
			}
			if _, err := api.Marshal(plain, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare hamba.Marshal of a ready struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := api.Marshal(plain, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
