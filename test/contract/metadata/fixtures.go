package metadata

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// runID keeps names unique across runs against a shared backend.
var (
	runID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	seq   atomic.Int64
)

// unique returns prefix followed by a name no other test uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s%s%d", prefix, runID, seq.Add(1))
}

func ptr[T any](v T) *T { return &v }

// minimalTopic is a topic with every enum set, so every backend can store it.
func minimalTopic(name domain.TopicName) domain.Topic {
	t := domain.NewTopic()
	t.Name = name.String()
	t.Description = ptr("minimal")
	t.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
	t.RetentionTime = &domain.RetentionTime{Duration: 1, RetentionUnit: domain.Days}
	t.ContentType = domain.ContentTypeJSON
	return t
}

// fullTopic sets a non-default value in every field.
func fullTopic(name domain.TopicName) domain.Topic {
	return domain.Topic{
		Name:                              name.String(),
		Description:                       ptr("orders of the shop"),
		Owner:                             &domain.Owner{Source: "Plaintext", ID: "team-orders"},
		RetentionTime:                     &domain.RetentionTime{Duration: 3, RetentionUnit: domain.Hours},
		JSONToAvroDryRun:                  true,
		Ack:                               domain.AckAll,
		FallbackToRemoteDatacenterEnabled: true,
		Chaos: domain.Chaos{
			Mode:               "DATACENTER",
			GlobalPolicy:       &domain.ChaosPolicy{Probability: 5, DelayFrom: 10, DelayTo: 20, CompleteWithError: true},
			DatacenterPolicies: map[string]domain.ChaosPolicy{"dc1": {Probability: 1, DelayFrom: 2, DelayTo: 3}},
		},
		TrackingEnabled:       true,
		MigratedFromJSONType:  true,
		ContentType:           domain.ContentTypeAvro,
		MaxMessageSize:        4096,
		Auth:                  domain.PublishingAuth{Publishers: []string{"svc-a", "svc-b"}, Enabled: true},
		SubscribingRestricted: true,
		OfflineStorage:        domain.OfflineStorage{Enabled: true, RetentionTime: domain.OfflineRetentionTime{Duration: ptr(7)}},
	}
}

func minimalSubscription(topic domain.TopicName, name string) domain.Subscription {
	s := domain.NewSubscription()
	s.TopicName, s.Name = topic.String(), name
	s.Endpoint = "http://localhost:1/" + name
	s.Description = ptr("minimal")
	s.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
	return s
}

// fullSerialSubscription sets a non-default value in every field.
func fullSerialSubscription(topic domain.TopicName, name string) domain.Subscription {
	return domain.Subscription{
		TopicName:   topic.String(),
		Name:        name,
		Endpoint:    "https://user:secret@example.com/hooks/orders",
		State:       domain.StateActive,
		Description: ptr("order hook"),
		Serial: &domain.SubscriptionPolicy{
			Rate: 50, MessageTTL: 120, MessageBackoff: 250, RequestTimeout: 2000, SocketTimeout: 3000,
			SendingDelay: 10, BackoffMultiplier: 2.5, BackoffMaxIntervalInSec: 30, RetryClientErrors: true,
			InflightSize: ptr(5),
		},
		TrackingMode:      domain.TrackingAll,
		Owner:             &domain.Owner{Source: "Plaintext", ID: "team-hooks"},
		MonitoringDetails: domain.MonitoringDetails{Severity: "CRITICAL", Reaction: "page the team"},
		ContentType:       domain.ContentTypeJSON,
		DeliveryType:      domain.DeliverySerial,
		Filters: []domain.MessageFilter{
			{Type: "jsonpath", Path: "$.id", Matcher: "^a.*", MatchingStrategy: "all"},
			{Type: "header", Header: "X-Kind", Matcher: "order"},
		},
		Mode:                               domain.ModeBroadcast,
		Headers:                            []domain.Header{{Name: "X-Team", Value: "hooks"}},
		EndpointAddressResolverMetadata:    map[string]any{"region": "eu", "sticky": true, "weights": []any{1.0, 2.5}},
		OAuthPolicy:                        &domain.OAuthPolicy{GrantType: "password", ProviderName: "okta", Scope: "read", Username: "u", Password: "p"},
		HTTP2Enabled:                       true,
		ProfilingEnabled:                   true,
		ProfilingThresholdMs:               250,
		SubscriptionIdentityHeadersEnabled: true,
		AutoDeleteWithTopicEnabled:         true,
	}
}

func fullBatchSubscription(topic domain.TopicName, name string) domain.Subscription {
	s := fullSerialSubscription(topic, name)
	s.DeliveryType, s.Mode, s.Serial = domain.DeliveryBatch, domain.ModeAnycast, nil
	s.Batch = &domain.BatchSubscriptionPolicy{
		MessageTTL: 30, MessageBackoff: 700, RetryClientErrors: true, RequestTimeout: 9000,
		BatchSize: 10, BatchTime: 500, BatchVolume: 2048,
	}
	s.TrackingMode = domain.TrackingDiscardedOnly
	return s
}

// withoutTimes returns a copy without the times the store sets.
func withoutTimes[T domain.Topic | domain.Subscription](v T) T {
	switch e := any(&v).(type) {
	case *domain.Topic:
		e.CreatedAt, e.ModifiedAt = nil, nil
	case *domain.Subscription:
		e.CreatedAt, e.ModifiedAt = nil, nil
	}
	return v
}

func requireTimes(t *testing.T, created, modified *domain.Instant) {
	t.Helper()
	require.NotNil(t, created, "createdAt")
	require.NotNil(t, modified, "modifiedAt")
	require.False(t, created.IsZero(), "createdAt")
	require.False(t, modified.Before(created.Time), "modifiedAt before createdAt")
}

// newGroup creates a group with a unique name.
func newGroup(t *testing.T, s ports.MetadataStore, prefix string) string {
	t.Helper()
	name := unique(prefix)
	require.NoError(t, s.CreateGroup(t.Context(), domain.Group{GroupName: name}))
	return name
}

// newTopic creates a minimal topic in a new group.
func newTopic(t *testing.T, s ports.MetadataStore) domain.TopicName {
	t.Helper()
	name := domain.TopicName{Group: newGroup(t, s, "g"), Name: unique("t")}
	require.NoError(t, s.CreateTopic(t.Context(), minimalTopic(name)))
	return name
}

// newSubscription creates a minimal subscription of a new topic.
func newSubscription(t *testing.T, s ports.MetadataStore) domain.SubscriptionName {
	t.Helper()
	name := domain.SubscriptionName{Topic: newTopic(t, s), Name: unique("s")}
	require.NoError(t, s.CreateSubscription(t.Context(), minimalSubscription(name.Topic, name.Name)))
	return name
}
