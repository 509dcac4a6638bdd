package httpapi

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeStored keeps constraints and OAuth providers in maps.
type fakeStored struct {
	*fakeManagement
	mu          sync.Mutex
	constraints map[string]domain.Constraints
	providers   map[string]domain.OAuthProvider
}

func newFakeStored() *fakeStored {
	return &fakeStored{fakeManagement: &fakeManagement{}, constraints: map[string]domain.Constraints{}, providers: map[string]domain.OAuthProvider{}}
}

func (f *fakeStored) AllWorkloadConstraints(context.Context) (domain.WorkloadConstraints, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := domain.WorkloadConstraints{TopicConstraints: map[string]domain.Constraints{}, SubscriptionConstraints: map[string]domain.Constraints{}}
	for k, v := range f.constraints {
		if _, err := domain.ParseSubscriptionName(k); err == nil {
			out.SubscriptionConstraints[k] = v
		} else {
			out.TopicConstraints[k] = v
		}
	}
	return out, nil
}

func (f *fakeStored) set(key string, c domain.Constraints) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, existed := f.constraints[key]
	f.constraints[key] = c
	return !existed, nil
}

func (f *fakeStored) SetTopicConstraints(_ context.Context, topic string, c domain.Constraints) (bool, error) {
	return f.set(topic, c)
}

func (f *fakeStored) SetSubscriptionConstraints(_ context.Context, sub string, c domain.Constraints) (bool, error) {
	return f.set(sub, c)
}

func (f *fakeStored) DeleteTopicConstraints(_ context.Context, topic string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.constraints, topic)
	return nil
}

func (f *fakeStored) DeleteSubscriptionConstraints(_ context.Context, topic, sub string) error {
	return f.DeleteTopicConstraints(context.Background(), topic+"$"+sub)
}

func (f *fakeStored) OAuthProviderNames(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.providers {
		out = append(out, k)
	}
	return out, nil
}

func (f *fakeStored) OAuthProvider(_ context.Context, name string) (domain.OAuthProvider, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.providers[name]
	if !ok {
		return p, domain.Errorf(domain.ErrOAuthProviderNotFound, "OAuth provider %s does not exist", name)
	}
	return p, nil
}

func (f *fakeStored) CreateOAuthProvider(_ context.Context, p domain.OAuthProvider) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.providers[p.Name]; ok {
		return domain.Errorf(domain.ErrOAuthProviderAlreadyExists, "exists")
	}
	f.providers[p.Name] = p
	return nil
}

func (f *fakeStored) UpdateOAuthProvider(ctx context.Context, name string, _ []byte) error {
	_, err := f.OAuthProvider(ctx, name)
	return err
}

func (f *fakeStored) DeleteOAuthProvider(ctx context.Context, name string) error {
	if _, err := f.OAuthProvider(ctx, name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.providers, name)
	return nil
}

var (
	_ ports.WorkloadConstraintsService = (*fakeStored)(nil)
	_ ports.OAuthProviderService       = (*fakeStored)(nil)
)

func TestManagementWorkloadConstraints(t *testing.T) {
	t.Parallel()
	h := NewManagement(newFakeStored(), nil)
	assert.JSONEq(t, `{"topicConstraints":{},"subscriptionConstraints":{}}`, serve(h, "GET", "/workload-constraints", "").Body.String())

	topic := `{"topicName":"g.t","constraints":{"consumersNumber":2,"reason":"r"}}`
	assert.Equal(t, http.StatusCreated, serve(h, "PUT", "/workload-constraints/topic", topic).Code, "created")
	assert.Equal(t, http.StatusOK, serve(h, "PUT", "/workload-constraints/topic", topic).Code, "updated")
	sub := `{"subscriptionName":"g.t$s","constraints":{"consumersNumber":1}}`
	assert.Equal(t, http.StatusCreated, serve(h, "PUT", "/workload-constraints/subscription", sub).Code)
	rec := serve(h, "GET", "/workload-constraints", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"topicConstraints":{"g.t":{"consumersNumber":2,"reason":"r"}},
		"subscriptionConstraints":{"g.t$s":{"consumersNumber":1,"reason":""}}}`, rec.Body.String())

	requireError(t, serve(h, "PUT", "/workload-constraints/topic", `{"topicName":"g.t"}`), http.StatusBadRequest, "VALIDATION_ERROR")
	requireError(t, serve(h, "PUT", "/workload-constraints/topic", `{"topicName":`), http.StatusBadRequest, "FORMAT_ERROR")

	assert.Equal(t, http.StatusOK, serve(h, "DELETE", "/workload-constraints/topic/g.t", "").Code)
	assert.Equal(t, http.StatusOK, serve(h, "DELETE", "/workload-constraints/subscription/g.t/s", "").Code)
	assert.JSONEq(t, `{"topicConstraints":{},"subscriptionConstraints":{}}`, serve(h, "GET", "/workload-constraints", "").Body.String())
}

func TestManagementOAuthProviders(t *testing.T) {
	t.Parallel()
	h := NewManagement(newFakeStored(), nil)
	assert.JSONEq(t, `[]`, serve(h, "GET", "/oauth/providers", "").Body.String())
	body := `{"name":"p","tokenEndpoint":"http://t","clientId":"c","clientSecret":"s3cret","tokenRequestInitialDelay":1,"tokenRequestMaxDelay":2,"requestTimeout":100,"socketTimeout":0}`
	assert.Equal(t, http.StatusCreated, serve(h, "POST", "/oauth/providers", body).Code)
	requireError(t, serve(h, "POST", "/oauth/providers", body), http.StatusBadRequest, "OAUTH_PROVIDER_ALREADY_EXISTS")

	rec := serve(h, "GET", "/oauth/providers/p", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"name":"p","tokenEndpoint":"http://t","clientId":"c","clientSecret":"******","tokenRequestInitialDelay":1,"tokenRequestMaxDelay":2,"requestTimeout":100,"socketTimeout":0}`,
		rec.Body.String(), "the secret is masked")
	assert.JSONEq(t, `["p"]`, serve(h, "GET", "/oauth/providers", "").Body.String())
	assert.Equal(t, http.StatusOK, serve(h, "PUT", "/oauth/providers/p", `{"clientId":"d"}`).Code)
	assert.Equal(t, http.StatusOK, serve(h, "DELETE", "/oauth/providers/p", "").Code)
	requireError(t, serve(h, "GET", "/oauth/providers/p", ""), http.StatusNotFound, "OAUTH_PROVIDER_NOT_EXISTS")
	requireError(t, serve(h, "PUT", "/oauth/providers/p", `{}`), http.StatusNotFound, "OAUTH_PROVIDER_NOT_EXISTS")
	requireError(t, serve(h, "DELETE", "/oauth/providers/p", ""), http.StatusNotFound, "OAUTH_PROVIDER_NOT_EXISTS")
}
