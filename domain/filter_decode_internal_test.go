package domain

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// decoderDocument is what jsonpath filters decoded before
// decodeFilterDocument: the reference it must match.
func decoderDocument(body []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var doc any
	err := d.Decode(&doc)
	return doc, err
}

var filterDocumentSeeds = []string{
	`{"name":"Mark","favorite_number":42,"favorite_color":"blue"}`,
	` {"a":{"b":[1,2.5,-3e10,{"c":null}],"d":true,"e":false}} `,
	`{"a":1}x`, `{"a":1}}`, `[1]]`, `123abc`, `1.5`, `-0`, `"s"`, `true`, `null`, `{}`, `[]`, `[[],{}]`,
	`{"a":"\ud800"}`, `{"a":"\u00e9\n\"\\/"}`, "{\"a\":\"\xff\"}", "{\"\xfe\":1}", `{"a":1,"a":2}`,
	"{\"a\":\"żółw\"}", `{"a":"<&>"}`, "\t\r\n{\"a\" : [ 1 , 2 ] }",
	``, `  `, `{`, `{"a"}`, `{"a":}`, `[1,]`, `01`, `1.`, `1e`, `-`, `tru`, `{"a":1,}`, "\"\x01\"", `{"a":"\x"}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
}

func checkFilterDocument(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := decoderDocument(body)
	got, err := decodeFilterDocument(body)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%q: error %v, the Decoder's %v", body, err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %#v, the Decoder's %#v", body, got, want)
	}
}

func TestDecodeFilterDocumentIsTheDecoders(t *testing.T) {
	for _, s := range filterDocumentSeeds {
		checkFilterDocument(t, []byte(s))
	}
}

func FuzzFilterDocument(f *testing.F) {
	for _, s := range filterDocumentSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkFilterDocument)
}

// The mirror's message decodes in 11 allocations: the map (2), its three
// keys, its three values and their boxes in any. The Decoder also copies
// the body into a buffer of its own.
func TestDecodeFilterDocumentAllocations(t *testing.T) {
	body := []byte(`{"name":"Mark","favorite_number":42,"favorite_color":"blue"}`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := decodeFilterDocument(body); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 11 {
		t.Fatalf("%v allocations, want at most 11", allocs)
	}
}

func BenchmarkFilterDocument(b *testing.B) {
	body := []byte(`{"name":"Mark","favorite_number":42,"favorite_color":"blue","address":{"city":"Poznan","number":7}}`)
	b.Run("decodeFilterDocument", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = decodeFilterDocument(body)
		}
	})
	b.Run("json.Decoder_UseNumber", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = decoderDocument(body)
		}
	})
}
