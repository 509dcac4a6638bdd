package domain

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Header is an extra HTTP header sent with every delivery of a subscription.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MessageFilter is one subscription filter (jsonpath, avropath or header).
type MessageFilter struct {
	Type             string `json:"type"`
	Path             string `json:"path,omitempty"`
	Matcher          string `json:"matcher,omitempty"`
	Header           string `json:"header,omitempty"`
	MatchingStrategy string `json:"matchingStrategy,omitempty"`
}

// MetricsConfig holds optional per-subscription metrics.
type MetricsConfig struct {
	MessageProcessing MessageProcessingMetrics `json:"messageProcessing"`
}

// MessageProcessingMetrics configures the message processing duration
// histogram (at most 10 positive thresholds).
type MessageProcessingMetrics struct {
	ThresholdsMilliseconds []int64 `json:"thresholdsMilliseconds"`
	Enabled                bool    `json:"enabled"`
}

// MonitoringDetails tells operators how important a subscription is.
type MonitoringDetails struct {
	Severity string `json:"severity"`
	Reaction string `json:"reaction"`
}

// OAuthPolicy configures OAuth token use for deliveries.
type OAuthPolicy struct {
	GrantType    string `json:"grantType"`
	ProviderName string `json:"providerName"`
	Scope        string `json:"scope,omitempty"`
	Username     string `json:"username,omitempty"`
	Password     string `json:"password,omitempty"`
}

// Subscription is a subscriber's interest in a topic. Field names are Hermes's.
//
// The "subscriptionPolicy" JSON field is Serial or Batch depending on
// DeliveryType; exactly one of them is set after decoding.
type Subscription struct {
	TopicName                          string                   `json:"topicName"`
	Name                               string                   `json:"name"`
	Endpoint                           string                   `json:"endpoint"`
	State                              State                    `json:"state"`
	Description                        *string                  `json:"description"`
	Serial                             *SubscriptionPolicy      `json:"-"`
	Batch                              *BatchSubscriptionPolicy `json:"-"`
	TrackingMode                       TrackingMode             `json:"trackingMode"`
	Owner                              *Owner                   `json:"owner"`
	MonitoringDetails                  MonitoringDetails        `json:"monitoringDetails"`
	ContentType                        ContentType              `json:"contentType"`
	DeliveryType                       DeliveryType             `json:"deliveryType"`
	Filters                            []MessageFilter          `json:"filters"`
	Mode                               SubscriptionMode         `json:"mode"`
	Headers                            []Header                 `json:"headers"`
	EndpointAddressResolverMetadata    map[string]any           `json:"endpointAddressResolverMetadata"`
	OAuthPolicy                        *OAuthPolicy             `json:"oAuthPolicy,omitempty"`
	HTTP2Enabled                       bool                     `json:"http2Enabled"`
	ProfilingEnabled                   bool                     `json:"profilingEnabled"`
	ProfilingThresholdMs               int64                    `json:"profilingThresholdMs"`
	SubscriptionIdentityHeadersEnabled bool                     `json:"subscriptionIdentityHeadersEnabled"`
	AutoDeleteWithTopicEnabled         bool                     `json:"autoDeleteWithTopicEnabled"`
	MetricsConfig                      MetricsConfig            `json:"metricsConfig"`
	CreatedAt                          *Instant                 `json:"createdAt,omitempty"`
	ModifiedAt                         *Instant                 `json:"modifiedAt,omitempty"`
}

// NewSubscription returns a subscription with Hermes's defaults.
func NewSubscription() Subscription {
	p := DefaultSubscriptionPolicy()
	return Subscription{
		State:                           StatePending,
		Serial:                          &p,
		TrackingMode:                    TrackingOff,
		MonitoringDetails:               MonitoringDetails{Severity: "NON_IMPORTANT", Reaction: ""},
		ContentType:                     ContentTypeJSON,
		DeliveryType:                    DeliverySerial,
		Filters:                         []MessageFilter{},
		Mode:                            ModeAnycast,
		Headers:                         []Header{},
		EndpointAddressResolverMetadata: map[string]any{},
		MetricsConfig:                   MetricsConfig{MessageProcessing: MessageProcessingMetrics{ThresholdsMilliseconds: []int64{}}},
	}
}

// DecodeSubscription parses Subscription JSON on top of the defaults.
func DecodeSubscription(body []byte) (Subscription, error) {
	s := NewSubscription()
	if err := decodeJSON(body, &s); err != nil {
		return Subscription{}, err
	}
	return s, nil
}

type subscriptionJSON Subscription

type subscriptionWire struct {
	*subscriptionJSON
	SubscriptionPolicy any  `json:"subscriptionPolicy"`
	TrackingEnabled    bool `json:"trackingEnabled"`
}

// MarshalJSON renders the policy that matches DeliveryType and the
// deprecated trackingEnabled flag.
func (s Subscription) MarshalJSON() ([]byte, error) {
	w := subscriptionWire{subscriptionJSON: (*subscriptionJSON)(&s), TrackingEnabled: s.TrackingMode != TrackingOff && s.TrackingMode != ""}
	if s.DeliveryType == DeliveryBatch && s.Batch != nil {
		w.SubscriptionPolicy = s.Batch
	} else if s.Serial != nil {
		p := *s.Serial
		p.BackoffMaxIntervalMillis = int64(p.BackoffMaxIntervalInSec) * 1000
		w.SubscriptionPolicy = p
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes onto the receiver's current values (defaults),
// picking the policy type by deliveryType.
func (s *Subscription) UnmarshalJSON(b []byte) error {
	var aux struct {
		*subscriptionJSON
		SubscriptionPolicy json.RawMessage `json:"subscriptionPolicy"`
		TrackingEnabled    *bool           `json:"trackingEnabled"`
		TrackingMode       *string         `json:"trackingMode"`
	}
	aux.subscriptionJSON = (*subscriptionJSON)(s)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	switch {
	case aux.TrackingMode != nil:
		s.TrackingMode = ParseTrackingMode(*aux.TrackingMode)
	case aux.TrackingEnabled != nil && *aux.TrackingEnabled:
		s.TrackingMode = TrackingAll
	}
	raw := aux.SubscriptionPolicy
	if len(raw) == 0 || string(raw) == "null" {
		raw = []byte("{}")
	}
	if s.DeliveryType == DeliveryBatch {
		p := DefaultBatchSubscriptionPolicy()
		if s.Batch != nil {
			p = *s.Batch
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return Errorf(ErrFormat, "subscriptionPolicy: %s", err.Error())
		}
		s.Batch, s.Serial = &p, nil
		return nil
	}
	p := DefaultSubscriptionPolicy()
	if s.Serial != nil {
		p = *s.Serial
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Errorf(ErrFormat, "subscriptionPolicy: %s", err.Error())
	}
	p.BackoffMaxIntervalMillis = 0 // derived on output only
	s.Serial, s.Batch = &p, nil
	return nil
}

// QualifiedName returns the subscription's name with its parsed topic.
func (s Subscription) QualifiedName() SubscriptionName {
	t, _ := ParseTopicName(s.TopicName)
	return SubscriptionName{Topic: t, Name: s.Name}
}

// SubscriptionRules are the configurable parts of subscription validation.
type SubscriptionRules struct {
	// EndpointProtocols are the accepted endpoint schemes.
	EndpointProtocols []string
}

// DefaultEndpointProtocols are the schemes Hermes accepts out of the box.
var DefaultEndpointProtocols = []string{"http", "https", "jms", "googlepubsub", "googlebigquery"}

var credentialsPattern = regexp.MustCompile(`^([a-zA-Z0-9.+-]+)://(([a-zA-Z0-9.~_-]*):([^@]*)@)?(.*)$`)

// Validate reports every rule the subscription breaks, against its topic.
func (s Subscription) Validate(topic Topic, rules SubscriptionRules) error {
	var v violations
	if s.Name == "" {
		v.add("name must not be empty")
	} else if !NamePattern.MatchString(s.Name) {
		v.add("name must match pattern " + NamePattern.String())
	}
	if s.TopicName == "" {
		v.add("topicName must not be null")
	}
	if s.Description == nil {
		v.add("description must not be null")
	}
	v.owner(s.Owner)
	if s.Endpoint == "" {
		v.add("endpoint must not be null")
	} else if msg := s.endpointProblem(rules); msg != "" {
		v.add(msg)
	}
	// Hermes accepts an AVRO subscription on a JSON topic (its messages
	// are delivered as the JSON they are), so that a topic about to move
	// to Avro can get its subscriptions ready.
	if s.DeliveryType == DeliveryBatch {
		if s.ContentType == ContentTypeAvro {
			v.add("contentType AVRO is not supported with BATCH delivery")
		}
		if s.Mode == ModeBroadcast {
			v.add("mode BROADCAST is not supported with BATCH delivery")
		}
		if s.Batch != nil {
			s.Batch.validate(&v)
		}
	} else if s.Serial != nil {
		s.Serial.validate(&v)
	}
	if th := s.MetricsConfig.MessageProcessing.ThresholdsMilliseconds; len(th) > 10 || slices.ContainsFunc(th, func(v int64) bool { return v <= 0 }) {
		v.add("metricsConfig.messageProcessing.thresholdsMilliseconds must hold at most 10 positive values")
	}
	for _, f := range s.Filters {
		if msg := validateFilter(f, topic.ContentType); msg != "" {
			v.add(msg)
		}
	}
	return v.err()
}

func validateEndpoint(endpoint string, rules SubscriptionRules) string {
	protocols := rules.EndpointProtocols
	if len(protocols) == 0 {
		protocols = DefaultEndpointProtocols
	}
	m := credentialsPattern.FindStringSubmatch(endpoint)
	if m == nil {
		return "endpoint is not a valid URI: " + MaskEndpoint(endpoint)
	}
	if !slices.Contains(protocols, m[1]) {
		return "endpoint protocol " + m[1] + " is not supported, use one of " + strings.Join(protocols, ", ")
	}
	u, err := url.Parse(StripCredentials(endpoint))
	if err != nil || u.Host == "" {
		return "endpoint is not a valid URI: " + MaskEndpoint(endpoint)
	}
	if strings.Contains(u.Hostname(), "_") {
		return "Endpoint contains invalid chars in host name. Underscore is one of them."
	}
	return ""
}

func validateFilter(f MessageFilter, topicType ContentType) string {
	ok := f.Type == "header" ||
		(f.Type == "jsonpath" && topicType == ContentTypeJSON) ||
		(f.Type == "avropath" && topicType == ContentTypeAvro)
	if !ok {
		return "Message filter type " + f.Type + " doesn't match topic content type " + string(topicType)
	}
	if f.MatchingStrategy != "" && f.MatchingStrategy != "all" && f.MatchingStrategy != "any" {
		return "filter matchingStrategy must be all or any"
	}
	if _, err := regexp.Compile(f.Matcher); err != nil {
		return "filter matcher is not a valid regular expression: " + f.Matcher
	}
	return ""
}

// EndpointCredentials returns the user and password embedded in an endpoint.
func EndpointCredentials(endpoint string) (user, password string, ok bool) {
	m := credentialsPattern.FindStringSubmatch(endpoint)
	if m == nil || m[2] == "" {
		return "", "", false
	}
	return m[3], m[4], true
}

// StripCredentials removes user:password@ from an endpoint.
func StripCredentials(endpoint string) string {
	m := credentialsPattern.FindStringSubmatch(endpoint)
	if m == nil || m[2] == "" {
		return endpoint
	}
	return m[1] + "://" + m[5]
}

// MaskEndpoint renders credentials as Hermes does: user:*****@host.
func MaskEndpoint(endpoint string) string {
	m := credentialsPattern.FindStringSubmatch(endpoint)
	if m == nil || m[2] == "" {
		return endpoint
	}
	return m[1] + "://" + m[3] + ":" + maskedEndpointPassword + "@" + m[5]
}

// Masked returns a copy safe to show: endpoint credentials and the OAuth
// password replaced as Hermes renders them.
func (s Subscription) Masked() Subscription {
	s.Endpoint = MaskEndpoint(s.Endpoint)
	if s.OAuthPolicy != nil && s.OAuthPolicy.GrantType == "password" {
		p := *s.OAuthPolicy
		p.Password = maskedOAuthPassword
		s.OAuthPolicy = &p
	}
	return s
}
