package domain

import (
	"encoding/json"
	"slices"
	"strings"
)

// decodeEnum reads into dst a JSON string that must be one of allowed, as
// Jackson does for Java enums (an unknown constant is a format error and
// leaves dst empty).
func decodeEnum[T ~string](b []byte, dst *T, field string, allowed ...T) error {
	*dst = ""
	var s string // not T: its UnmarshalJSON would call back here
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(ErrFormat, "%s: expected one of [%s]", field, joinEnum(allowed))
	}
	if !slices.Contains(allowed, T(s)) {
		return Errorf(ErrFormat, "%s: value %q not one of [%s]", field, s, joinEnum(allowed))
	}
	*dst = T(s)
	return nil
}

func joinEnum[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// ContentType is the format of a topic's messages or a subscription's delivery.
type ContentType string

// Content types.
const (
	ContentTypeJSON ContentType = "JSON"
	ContentTypeAvro ContentType = "AVRO"
)

// UnmarshalJSON accepts JSON or AVRO.
func (c *ContentType) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, c, "contentType", "JSON", "AVRO")
}

// Ack is the Kafka acknowledgement a topic's publishes wait for.
type Ack string

// Ack levels.
const (
	AckNone   Ack = "NONE"
	AckLeader Ack = "LEADER"
	AckAll    Ack = "ALL"
)

// UnmarshalJSON accepts NONE, LEADER or ALL.
func (a *Ack) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, a, "ack", "NONE", "LEADER", "ALL")
}

// State is a subscription's lifecycle state.
type State string

// Subscription states.
const (
	StatePending   State = "PENDING"
	StateActive    State = "ACTIVE"
	StateSuspended State = "SUSPENDED"
)

// UnmarshalJSON accepts PENDING, ACTIVE or SUSPENDED.
func (s *State) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, s, "state", "PENDING", "ACTIVE", "SUSPENDED")
}

// DeliveryType says whether messages are sent one by one or in batches.
type DeliveryType string

// Delivery types.
const (
	DeliverySerial DeliveryType = "SERIAL"
	DeliveryBatch  DeliveryType = "BATCH"
)

// UnmarshalJSON accepts SERIAL or BATCH.
func (d *DeliveryType) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, d, "deliveryType", "SERIAL", "BATCH")
}

// SubscriptionMode is ANYCAST (one endpoint) or BROADCAST (every resolved endpoint).
type SubscriptionMode string

// Subscription modes.
const (
	ModeAnycast   SubscriptionMode = "ANYCAST"
	ModeBroadcast SubscriptionMode = "BROADCAST"
)

// UnmarshalJSON accepts ANYCAST or BROADCAST.
func (m *SubscriptionMode) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, m, "mode", "ANYCAST", "BROADCAST")
}

// TrackingMode says which delivery events of a subscription are traced.
// Unknown strings mean trackingOff, as in Hermes.
type TrackingMode string

// Tracking modes.
const (
	TrackingAll           TrackingMode = "trackingAll"
	TrackingDiscardedOnly TrackingMode = "discardedOnly"
	TrackingOff           TrackingMode = "trackingOff"
)

// ParseTrackingMode maps Hermes's strings; anything else is TrackingOff.
func ParseTrackingMode(s string) TrackingMode {
	switch TrackingMode(s) {
	case TrackingAll, TrackingDiscardedOnly:
		return TrackingMode(s)
	}
	return TrackingOff
}

// TimeUnit is a java.util.concurrent.TimeUnit name.
type TimeUnit string

// Time units Hermes accepts in retentionTime.
const (
	Seconds TimeUnit = "SECONDS"
	Minutes TimeUnit = "MINUTES"
	Hours   TimeUnit = "HOURS"
	Days    TimeUnit = "DAYS"
)

var timeUnitNanos = map[TimeUnit]int64{
	"NANOSECONDS": 1, "MICROSECONDS": 1e3, "MILLISECONDS": 1e6,
	Seconds: 1e9, Minutes: 60e9, Hours: 3600e9, Days: 86400e9,
}

// UnmarshalJSON accepts every java TimeUnit name.
func (u *TimeUnit) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, u, "retentionUnit", "NANOSECONDS", "MICROSECONDS", "MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS")
}
