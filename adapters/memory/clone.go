package memory

import (
	"maps"
	"slices"

	"github.com/hermes-go/hermes/domain"
)

// The store keeps and hands out deep copies so callers never alias its
// state. Copying field by field (not a JSON round trip) keeps entities with
// empty enum values storable, which tests of other packages rely on.

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneTopic(t domain.Topic) domain.Topic {
	t.Description = clonePtr(t.Description)
	t.Owner = clonePtr(t.Owner)
	t.RetentionTime = clonePtr(t.RetentionTime)
	t.Chaos.GlobalPolicy = clonePtr(t.Chaos.GlobalPolicy)
	t.Chaos.DatacenterPolicies = maps.Clone(t.Chaos.DatacenterPolicies)
	t.Auth.Publishers = slices.Clone(t.Auth.Publishers)
	t.OfflineStorage.RetentionTime.Duration = clonePtr(t.OfflineStorage.RetentionTime.Duration)
	t.CreatedAt = clonePtr(t.CreatedAt)
	t.ModifiedAt = clonePtr(t.ModifiedAt)
	return t
}

func cloneSubscription(s domain.Subscription) domain.Subscription {
	s.Description = clonePtr(s.Description)
	s.Serial = clonePtr(s.Serial)
	if s.Serial != nil {
		s.Serial.InflightSize = clonePtr(s.Serial.InflightSize)
	}
	s.Batch = clonePtr(s.Batch)
	s.Owner = clonePtr(s.Owner)
	s.Filters = slices.Clone(s.Filters)
	s.Headers = slices.Clone(s.Headers)
	if s.EndpointAddressResolverMetadata != nil {
		s.EndpointAddressResolverMetadata = cloneAny(s.EndpointAddressResolverMetadata).(map[string]any)
	}
	s.OAuthPolicy = clonePtr(s.OAuthPolicy)
	s.CreatedAt = clonePtr(s.CreatedAt)
	s.ModifiedAt = clonePtr(s.ModifiedAt)
	return s
}

// cloneAny copies the maps and slices of a decoded JSON value.
func cloneAny(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = cloneAny(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneAny(e)
		}
		return c
	}
	return v
}
