package domain

import (
	"bytes"
	"encoding/json"
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
// valid JSON (the frontend checks it), since it is embedded as is.
func WrapJSON(m Message) []byte {
	meta, _ := json.Marshal(wrappedMetadata{Timestamp: m.Timestamp.UnixMilli(), ID: m.ID, ExternalMetadata: orEmpty(m.Headers)})
	var b bytes.Buffer
	b.Grow(len(m.Body) + len(meta) + 40)
	b.WriteString(`{"_w":true,"metadata":`)
	b.Write(meta)
	b.WriteString(`,"message":`)
	b.Write(m.Body)
	b.WriteByte('}')
	return b.Bytes()
}

func orEmpty(h map[string]string) map[string]string {
	if h == nil {
		return map[string]string{}
	}
	return h
}

// UnwrapJSON decodes a Kafka value written by WrapJSON (or by Hermes). A
// value without the wrapper marker is returned as the body unchanged, with
// an empty ID, so foreign producers' records still reach subscribers.
func UnwrapJSON(value []byte) (Message, error) {
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
