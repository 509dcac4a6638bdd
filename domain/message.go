package domain

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Message is one published message, as the frontend accepted it.
type Message struct {
	// ID is the Hermes-Message-Id (a UUID).
	ID string
	// Timestamp is when the frontend accepted the message.
	Timestamp time.Time
	// Key is the Partition-Key, nil when none was sent.
	Key []byte
	// Body is the payload exactly as published.
	Body []byte
	// Headers are propagated publisher headers (external metadata).
	Headers map[string]string
	// SchemaVersion is the Avro schema version, 0 when none.
	SchemaVersion int
}

// wrappedMetadata is Hermes's metadata block inside the Kafka value.
type wrappedMetadata struct {
	Timestamp        int64             `json:"timestamp"`
	ID               string            `json:"id"`
	ExternalMetadata map[string]string `json:"externalMetadata"`
}

// WrapJSON encodes a JSON message the way Hermes stores it in Kafka:
// {"_w":true,"metadata":{...},"message":<raw body>}. The body must be
// valid JSON (the frontend checks it), since it is embedded as is. The
// metadata is written by hand, byte for byte what encoding/json writes for
// it: this runs once per publish.
func WrapJSON(m Message) []byte {
	b := make([]byte, 0, len(m.Body)+len(m.ID)+128)
	b = append(b, `{"_w":true,"metadata":{"timestamp":`...)
	b = strconv.AppendInt(b, m.Timestamp.UnixMilli(), 10)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, m.ID)
	b = append(b, `,"externalMetadata":`...)
	if len(m.Headers) == 0 {
		b = append(b, `{}`...)
	} else {
		h, _ := json.Marshal(m.Headers) // sorted keys, as before
		b = append(b, h...)
	}
	b = append(b, `},"message":`...)
	b = append(b, m.Body...)
	return append(b, '}')
}

// appendJSONString appends s as encoding/json quotes it: as is when it
// needs no escaping, else through json.Marshal (HTML characters, control
// characters, non-ASCII).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// wrapPrefix and wrapMessage frame what WrapJSON writes around the
// metadata object.
const (
	wrapPrefix  = `{"_w":true,"metadata":`
	wrapMessage = `,"message":`
)

// UnwrapJSON decodes a Kafka value written by WrapJSON (or by Hermes). A
// value without the wrapper marker is returned as the body unchanged, with
// an empty ID, so foreign producers' records still reach subscribers.
//
// Values laid out exactly as WrapJSON writes them are split without a
// full decode (this runs once per delivered message); any other layout
// goes through encoding/json with the same result.
func UnwrapJSON(value []byte) (Message, error) {
	if m, ok := unwrapWritten(value); ok {
		return m, nil
	}
	var w struct {
		W        bool            `json:"_w"`
		Metadata wrappedMetadata `json:"metadata"`
		Message  json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(value, &w); err != nil || !w.W {
		return Message{Body: value}, nil
	}
	return Message{
		ID:        w.Metadata.ID,
		Timestamp: time.UnixMilli(w.Metadata.Timestamp),
		Body:      []byte(w.Message),
		Headers:   w.Metadata.ExternalMetadata,
	}, nil
}

// unwrapWritten splits a value in WrapJSON's layout; ok is false for any
// other value, valid or not. The body is checked to be one JSON value, as
// a full decode would, and is copied out of value.
func unwrapWritten(value []byte) (m Message, ok bool) {
	rest, ok := bytes.CutPrefix(value, []byte(wrapPrefix))
	if !ok || len(rest) == 0 || rest[0] != '{' {
		return Message{}, false
	}
	end := scanJSONValue(rest, 0)
	if end < 0 {
		return Message{}, false
	}
	meta, rest := rest[:end], rest[end:]
	body, ok := bytes.CutPrefix(rest, []byte(wrapMessage))
	if !ok || len(body) < 2 || body[len(body)-1] != '}' {
		return Message{}, false
	}
	body = body[:len(body)-1]
	if scanJSONValue(body, 0) != len(body) {
		return Message{}, false
	}
	w, ok := parseWrittenMetadata(meta)
	if !ok {
		if json.Unmarshal(meta, &w) != nil {
			return Message{}, false
		}
	}
	return Message{ID: w.ID, Timestamp: time.UnixMilli(w.Timestamp), Body: bytes.Clone(body), Headers: w.ExternalMetadata}, true
}

// parseWrittenMetadata reads the metadata object WrapJSON writes when the
// id needs no escaping and there are no headers; ok is false otherwise.
func parseWrittenMetadata(meta []byte) (w wrappedMetadata, ok bool) {
	rest, ok := bytes.CutPrefix(meta, []byte(`{"timestamp":`))
	if !ok {
		return w, false
	}
	digits := 0
	for digits < len(rest) && digits < 18 && rest[digits] >= '0' && rest[digits] <= '9' {
		w.Timestamp = w.Timestamp*10 + int64(rest[digits]-'0')
		digits++
	}
	if rest, ok = bytes.CutPrefix(rest[digits:], []byte(`,"id":"`)); digits == 0 || !ok {
		return w, false
	}
	n := 0
	for n < len(rest) && rest[n] >= 0x20 && rest[n] < 0x80 && rest[n] != '"' && rest[n] != '\\' {
		n++
	}
	if !bytes.Equal(rest[n:], []byte(`","externalMetadata":{}}`)) {
		return w, false
	}
	w.ID, w.ExternalMetadata = string(rest[:n]), map[string]string{}
	return w, true
}

// ValidJSON reports whether data is one JSON value, exactly as
// encoding/json.Valid does (the same grammar, the same nesting limit of
// 10 000, no UTF-8 check inside strings), several times faster: the
// frontend checks every JSON body with it.
func ValidJSON(data []byte) bool {
	end := scanJSONValue(data, skipJSONSpace(data, 0))
	return end >= 0 && skipJSONSpace(data, end) == len(data)
}

// maxJSONDepth is encoding/json's limit of nested arrays and objects.
const maxJSONDepth = 10000

// scanJSONValue returns the end of the JSON value starting at data[i], or
// -1 when none starts there. It keeps no recursion: containers still open
// are a stack of their closing bytes.
func scanJSONValue(data []byte, i int) int {
	var buf [32]byte
	open := buf[:0]
	for {
		if i < 0 || i >= len(data) {
			return -1
		}
		switch c := data[i]; c {
		case '{', '[':
			if len(open) == maxJSONDepth {
				return -1
			}
			open = append(open, c+2) // '}' and ']' follow their openers by 2
			if i = skipJSONSpace(data, i+1); i < len(data) && data[i] == c+2 {
				open, i = open[:len(open)-1], i+1
				break
			}
			if c == '{' {
				i = scanJSONKey(data, i)
			}
			continue
		case '"':
			i = scanJSONString(data, i)
		case 't':
			i = scanJSONLiteral(data, i, "true")
		case 'f':
			i = scanJSONLiteral(data, i, "false")
		case 'n':
			i = scanJSONLiteral(data, i, "null")
		default:
			i = scanJSONNumber(data, i)
		}
		// After a value: close containers, or move on to the next member.
		for i >= 0 && len(open) > 0 {
			j := skipJSONSpace(data, i)
			switch {
			case j >= len(data):
				return -1
			case data[j] == open[len(open)-1]:
				open, i = open[:len(open)-1], j+1
				continue
			case data[j] != ',':
				return -1
			}
			if i = skipJSONSpace(data, j+1); open[len(open)-1] == '}' {
				i = scanJSONKey(data, i)
			}
			break
		}
		if i < 0 || len(open) == 0 {
			return i
		}
	}
}

func skipJSONSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
		i++
	}
	return i
}

// scanJSONKey scans `"key" :` and the space after it, returning where the
// member's value starts, or -1.
func scanJSONKey(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i = scanJSONString(data, i); i < 0 {
		return -1
	}
	if i = skipJSONSpace(data, i); i >= len(data) || data[i] != ':' {
		return -1
	}
	return skipJSONSpace(data, i+1)
}

// scanJSONString scans the string whose opening quote is at data[i].
func scanJSONString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i++; i >= len(data) {
				return -1
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 0; k < 4; k++ {
					if i++; i >= len(data) || !isHex(data[i]) {
						return -1
					}
				}
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func scanJSONLiteral(data []byte, i int, lit string) int {
	if !bytes.HasPrefix(data[i:], []byte(lit)) {
		return -1
	}
	return i + len(lit)
}

// scanJSONNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanJSONNumber(data []byte, i int) int {
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		if j := skipDigits(data, i+1); j > i+1 {
			i = j
		} else {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		if i++; i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if j := skipDigits(data, i); j > i {
			i = j
		} else {
			return -1
		}
	}
	return i
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// IsWrappedJSON reports whether value is a JSON message in Hermes's Kafka
// wrapper (as WrapJSON writes it, or Hermes does): a record of a topic
// migrated from JSON to AVRO that predates the migration. An Avro record
// does not parse as a JSON object holding "_w": true.
func IsWrappedJSON(value []byte) bool {
	if _, ok := unwrapWritten(value); ok {
		return true
	}
	if len(value) == 0 || value[0] != '{' {
		return false
	}
	var w struct {
		W bool `json:"_w"`
	}
	return json.Unmarshal(value, &w) == nil && w.W
}
