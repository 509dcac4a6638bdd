package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Topic message-size bounds and default, as in Hermes.
const (
	MinMessageSize     = 1024
	MaxMessageSize     = 2 * 1024 * 1024
	DefaultMessageSize = 50 * 1024
)

// Owner identifies who owns a topic or subscription.
type Owner struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// RetentionTime is how long Kafka keeps a topic's messages.
type RetentionTime struct {
	Duration      int      `json:"duration"`
	RetentionUnit TimeUnit `json:"retentionUnit"`
}

// AsDuration returns the retention as a time.Duration.
func (r RetentionTime) AsDuration() time.Duration {
	unit := r.RetentionUnit
	if unit == "" {
		unit = Days
	}
	return time.Duration(int64(r.Duration) * timeUnitNanos[unit])
}

// UnmarshalJSON defaults an omitted retentionUnit to DAYS, as Hermes does.
func (r *RetentionTime) UnmarshalJSON(b []byte) error {
	type plain RetentionTime
	p := plain{RetentionUnit: Days}
	err := json.Unmarshal(b, &p)
	*r = RetentionTime(p)
	return err
}

// PublishingAuth restricts who may publish to a topic.
type PublishingAuth struct {
	Publishers                   []string `json:"publishers"`
	Enabled                      bool     `json:"enabled"`
	UnauthenticatedAccessEnabled bool     `json:"unauthenticatedAccessEnabled"`
}

// OfflineRetentionTime is the retention of offline storage.
type OfflineRetentionTime struct {
	Duration *int `json:"duration,omitempty"`
	Infinite bool `json:"infinite"`
}

// MarshalJSON renders as Hermes's OfflineRetentionTime: the duration is
// always present (0 when unset, Hermes's default) unless the retention is
// infinite, where Hermes drops it.
func (r OfflineRetentionTime) MarshalJSON() ([]byte, error) {
	if r.Infinite {
		return []byte(`{"infinite":true}`), nil
	}
	d := 0
	if r.Duration != nil {
		d = *r.Duration
	}
	return json.Marshal(struct {
		Duration int  `json:"duration"`
		Infinite bool `json:"infinite"`
	}{d, false})
}

// UnmarshalJSON reads Hermes's OfflineRetentionTime; duration 0, what
// Hermes writes for "unset", reads as unset, so a round trip keeps the value.
func (r *OfflineRetentionTime) UnmarshalJSON(b []byte) error {
	var aux struct {
		Duration *int `json:"duration"`
		Infinite bool `json:"infinite"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	if aux.Duration != nil && *aux.Duration == 0 {
		aux.Duration = nil
	}
	r.Duration, r.Infinite = aux.Duration, aux.Infinite
	return nil
}

// OfflineStorage configures offline (long-term) storage of a topic.
type OfflineStorage struct {
	Enabled       bool                 `json:"enabled"`
	RetentionTime OfflineRetentionTime `json:"retentionTime"`
}

// ChaosPolicy is one publishing chaos policy (kept for wire compatibility).
type ChaosPolicy struct {
	Probability       int  `json:"probability"`
	DelayFrom         int  `json:"delayFrom"`
	DelayTo           int  `json:"delayTo"`
	CompleteWithError bool `json:"completeWithError"`
}

// Chaos is a topic's publishing chaos configuration.
type Chaos struct {
	Mode               string                 `json:"mode"`
	GlobalPolicy       *ChaosPolicy           `json:"globalPolicy,omitempty"`
	DatacenterPolicies map[string]ChaosPolicy `json:"datacenterPolicies"`
}

// Topic holds messages of one kind. Field names are Hermes's.
type Topic struct {
	Name                              string         `json:"name"`
	Description                       *string        `json:"description"`
	Owner                             *Owner         `json:"owner"`
	RetentionTime                     *RetentionTime `json:"retentionTime"`
	JSONToAvroDryRun                  bool           `json:"jsonToAvroDryRun"`
	Ack                               Ack            `json:"ack"`
	FallbackToRemoteDatacenterEnabled bool           `json:"fallbackToRemoteDatacenterEnabled"`
	Chaos                             Chaos          `json:"chaos"`
	TrackingEnabled                   bool           `json:"trackingEnabled"`
	MigratedFromJSONType              bool           `json:"migratedFromJsonType"`
	ContentType                       ContentType    `json:"contentType"`
	MaxMessageSize                    int            `json:"maxMessageSize"`
	Auth                              PublishingAuth `json:"auth"`
	SubscribingRestricted             bool           `json:"subscribingRestricted"`
	OfflineStorage                    OfflineStorage `json:"offlineStorage"`
	CreatedAt                         *Instant       `json:"createdAt,omitempty"`
	ModifiedAt                        *Instant       `json:"modifiedAt,omitempty"`
}

// NewTopic returns a topic with Hermes's defaults for every optional field.
func NewTopic() Topic {
	return Topic{
		Ack:            AckLeader,
		Chaos:          Chaos{Mode: "DISABLED", DatacenterPolicies: map[string]ChaosPolicy{}},
		MaxMessageSize: DefaultMessageSize,
		Auth:           PublishingAuth{Publishers: []string{}, UnauthenticatedAccessEnabled: true},
	}
}

// DecodeTopic parses Topic JSON on top of the defaults. Unknown fields are
// ignored, as Hermes does.
func DecodeTopic(body []byte) (Topic, error) {
	t := NewTopic()
	if err := decodeJSON(body, &t); err != nil {
		return Topic{}, err
	}
	return t, nil
}

// decodeJSON wraps json.Unmarshal so every failure is an ErrFormat.
func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var de *Error
		if errors.As(err, &de) {
			return err
		}
		return Errorf(ErrFormat, "Malformed JSON: %s", err.Error())
	}
	return nil
}

// TopicName parses the qualified name.
func (t Topic) TopicName() (TopicName, error) { return ParseTopicName(t.Name) }

// QualifiedName returns the parsed name; call only on a validated topic.
func (t Topic) QualifiedName() TopicName {
	n, _ := ParseTopicName(t.Name)
	return n
}

// Validate reports every rule the topic breaks, joined in one ErrValidation.
func (t Topic) Validate() error {
	var v violations
	if t.Name == "" {
		v.add("name must not be null")
	} else if n, err := ParseTopicName(t.Name); err != nil {
		return err
	} else if err := n.Validate(); err != nil {
		v.add("name " + ErrorMessage(err))
	}
	if t.Description == nil {
		v.add("description must not be null")
	}
	v.owner(t.Owner)
	if t.RetentionTime == nil {
		v.add("retentionTime must not be null")
	} else if t.RetentionTime.Duration < 0 {
		v.add("retentionTime.duration must be greater than or equal to 0")
	}
	if t.ContentType == "" {
		v.add("contentType must not be null")
	}
	if t.MaxMessageSize < MinMessageSize || t.MaxMessageSize > MaxMessageSize {
		v.add("maxMessageSize must be between 1024 and 2097152")
	}
	if t.OfflineStorage.RetentionTime.Duration != nil && *t.OfflineStorage.RetentionTime.Duration < 1 {
		v.add("offlineStorage.retentionTime.duration must be greater than or equal to 1")
	}
	return v.err()
}

// violations collects bean-validation style messages ("<path> <msg>").
type violations []string

func (v *violations) add(msg string) { *v = append(*v, msg) }

func (v *violations) owner(o *Owner) {
	switch {
	case o == nil:
		v.add("owner must not be null")
	case o.Source == "":
		v.add("owner.source must not be null")
	case o.ID == "":
		v.add("owner.id must not be null")
	}
}

func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return Errorf(ErrValidation, "%s", strings.Join(v, "; "))
}
