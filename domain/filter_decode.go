package domain

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeFilterDocument decodes the first JSON value of body as jsonpath
// filters see it, exactly as an encoding/json Decoder with UseNumber does
// (map[string]any, []any, json.Number, string, bool, nil; what follows the
// first value is not read; invalid UTF-8 and lone surrogates become
// U+FFFD), at about a third of its allocations: the Decoder copies the
// body into a buffer of its own first, and filters decode every message.
//
// The value is checked with the scanner ValidJSON uses, then built
// without further checks; a body the scanner refuses goes to the Decoder,
// whose error is the one filters report.
func decodeFilterDocument(body []byte) (any, error) {
	start := skipJSONSpace(body, 0)
	end := scanJSONValue(body, start)
	if end < 0 {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var doc any
		err := d.Decode(&doc)
		return doc, err
	}
	doc, _ := (&documentBuilder{data: body[:end]}).value(start)
	return doc, nil
}

// documentBuilder builds the value of a document the scanner accepted.
type documentBuilder struct {
	data []byte
}

// value builds the value starting at data[i] and returns it and the
// index after it.
func (b *documentBuilder) value(i int) (any, int) {
	switch c := b.data[i]; c {
	case '{':
		m := map[string]any{}
		i = skipJSONSpace(b.data, i+1)
		if b.data[i] == '}' {
			return m, i + 1
		}
		for {
			var k string
			k, i = b.string(i)
			i = skipJSONSpace(b.data, i)   // to ':'
			i = skipJSONSpace(b.data, i+1) // to the value
			m[k], i = b.value(i)
			i = skipJSONSpace(b.data, i)
			if b.data[i] == '}' {
				return m, i + 1
			}
			i = skipJSONSpace(b.data, i+1) // past ','
		}
	case '[':
		a := []any{}
		i = skipJSONSpace(b.data, i+1)
		if b.data[i] == ']' {
			return a, i + 1
		}
		for {
			var v any
			v, i = b.value(i)
			a = append(a, v)
			i = skipJSONSpace(b.data, i)
			if b.data[i] == ']' {
				return a, i + 1
			}
			i = skipJSONSpace(b.data, i+1)
		}
	case '"':
		return b.string(i)
	case 't':
		return true, i + len("true")
	case 'f':
		return false, i + len("false")
	case 'n':
		return nil, i + len("null")
	default:
		end := scanJSONNumber(b.data, i)
		return json.Number(b.data[i:end]), end
	}
}

// string returns the string whose opening quote is at data[i] and the
// index after its closing quote. Strings without escapes in valid UTF-8
// are copied as they are; others are unquoted by encoding/json, which
// replaces what is not valid UTF-8.
func (b *documentBuilder) string(i int) (string, int) {
	end := scanJSONString(b.data, i)
	raw := b.data[i+1 : end-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), end
	}
	var s string
	_ = json.Unmarshal(b.data[i:end], &s) // a string the scanner accepted
	return s, end
}
