package app_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"regexp"
	"testing"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
)

// Fuzz targets of the management use cases with hostile JSON: a create,
// then a merge-patch update (what PUT sends). Every refusal must be one
// an API answers 4xx (a domain error other than ErrUnavailable), never an
// internal failure, and an update refused leaves the entity as it was.

// refusedByClient reports whether err is a 4xx refusal.
func refusedByClient(err error) bool {
	_, isDomain := errors.AsType[*domain.Error](err)
	return isDomain && !errors.Is(err, domain.ErrUnavailable)
}

// fuzzAdmin accepts every message store call the management cases make.
type fuzzAdmin struct{ admin }

func (fuzzAdmin) CreateSubscriptionPosition(context.Context, domain.SubscriptionName) error {
	return nil
}
func (fuzzAdmin) DeleteSubscriptionPosition(context.Context, domain.SubscriptionName) error {
	return nil
}

func fuzzManagement(t *testing.T) (*app.Management, *memory.MetadataStore) {
	ctx := context.Background()
	store := memory.NewMetadataStore()
	if err := store.CreateGroup(ctx, domain.Group{GroupName: "g"}); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTopic(ctx, ownedTopic("g.t", "Plaintext", "o")); err != nil {
		t.Fatal(err)
	}
	s := ownedSubscription("g.t", "s", "Plaintext", "o")
	s.Endpoint = "http://alice:secret@localhost:1/hook"
	d := "d"
	s.Description = &d
	if err := store.CreateSubscription(ctx, s); err != nil {
		t.Fatal(err)
	}
	m := app.NewManagement(app.ManagementConfig{
		GroupNamePattern: regexp.MustCompile(domain.DefaultGroupNamePattern), AllowTopicRemoval: true,
		OwnerSources: []string{"Plaintext"}, EndpointProtocols: domain.DefaultEndpointProtocols,
	}, store, fuzzAdmin{}, nil, nil, slog.New(slog.DiscardHandler))
	return m, store
}

func FuzzTopicCreateAndPatch(f *testing.F) {
	for _, s := range []string{
		`{"name":"g.u","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"o"}}`,
		`{"name":"g.t","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"o"}}`,
		`{"name":"nogroup.t","contentType":"JSON"}`, `{"name":"g.\xff"}`, `{"ack":"ALL","maxMessageSize":1}`,
		`{"name":"g.x"}`, `{"retentionTime":null}`, `{"owner":{"source":"Other"}}`, `null`, `[]`, `{"contentType":"AVRO"}`,
	} {
		f.Add([]byte(s), []byte(`{"description":"x","ack":"ALL"}`))
		f.Add([]byte(s), []byte(s))
	}
	f.Fuzz(func(t *testing.T, create, patch []byte) {
		m, store := fuzzManagement(t)
		ctx := context.Background()
		if topic, err := domain.DecodeTopic(create); err == nil {
			if err := m.CreateTopic(ctx, topic); err != nil && !refusedByClient(err) {
				t.Fatalf("CreateTopic(%q): %v is an internal failure", create, err)
			}
		}
		before, err := store.Topic(ctx, domain.TopicName{Group: "g", Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		err = m.UpdateTopic(ctx, "g.t", patch)
		if err == nil {
			return
		}
		if !refusedByClient(err) {
			t.Fatalf("UpdateTopic(%q): %v is an internal failure", patch, err)
		}
		after, _ := store.Topic(ctx, domain.TopicName{Group: "g", Name: "t"})
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("a refused patch %q changed the topic", patch)
		}
	})
}

func FuzzSubscriptionCreateAndPatch(f *testing.F) {
	for _, s := range []string{
		`{"name":"s2","topicName":"g.t","description":"d","endpoint":"http://localhost/","owner":{"source":"Plaintext","id":"o"}}`,
		`{"endpoint":"http://alice:*****@localhost:2/"}`, `{"endpoint":"http://bob:*****@localhost:2/"}`,
		`{"name":"other"}`, `{"topicName":"g.u"}`, `{"state":"PENDING"}`, `{"deliveryType":"BATCH"}`,
		`{"subscriptionPolicy":{"messageTtl":-1}}`, `{"filters":[{"type":"header","header":"h","matcher":"["}]}`,
		`{"filters":[{"type":"jsonpath","path":"$..[?(@.a)]","matcher":"x"}]}`, `{"oAuthPolicy":{"grantType":"password","password":"******"}}`,
		`{"endpoint":"\xff"}`, `null`, `"x"`, `{"headers":[{"name":"\r\n"}]}`,
	} {
		f.Add([]byte(s), []byte(s))
	}
	f.Fuzz(func(t *testing.T, create, patch []byte) {
		m, store := fuzzManagement(t)
		ctx := context.Background()
		if s, err := domain.DecodeSubscription(create); err == nil {
			if err := m.CreateSubscription(ctx, "g.t", s); err != nil && !refusedByClient(err) {
				t.Fatalf("CreateSubscription(%q): %v is an internal failure", create, err)
			}
		}
		name := domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s"}
		before, err := store.Subscription(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		err = m.UpdateSubscription(ctx, "g.t", "s", patch)
		after, _ := store.Subscription(ctx, name)
		if err == nil {
			if after.Endpoint == domain.MaskEndpoint(before.Endpoint) && after.Endpoint != before.Endpoint {
				t.Fatalf("patch %q stored the masked endpoint %q", patch, after.Endpoint)
			}
			return
		}
		if !refusedByClient(err) {
			t.Fatalf("UpdateSubscription(%q): %v is an internal failure", patch, err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("a refused patch %q changed the subscription", patch)
		}
	})
}
