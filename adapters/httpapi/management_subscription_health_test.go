package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakeHealth struct {
	fakeManagement
	health    domain.SubscriptionHealth
	unhealthy []ports.UnhealthySubscription
	filter    ports.UnhealthyFilter
}

func (f *fakeHealth) SubscriptionHealth(_ context.Context, topic, sub string) (domain.SubscriptionHealth, error) {
	return f.health, f.record("SubscriptionHealth", topic, sub)
}

func (f *fakeHealth) Unhealthy(_ context.Context, filter ports.UnhealthyFilter) ([]ports.UnhealthySubscription, error) {
	f.filter = filter
	return f.unhealthy, f.record("Unhealthy")
}

func accepting(h http.Handler, path, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestSubscriptionHealthRoutes(t *testing.T) {
	t.Parallel()
	problems := []domain.HealthProblem{{Code: "LAGGING", Description: "lag"}, {Code: "TIMING_OUT", Description: "slow"}}
	f := &fakeHealth{
		health: domain.SubscriptionHealth{Status: "UNHEALTHY", Problems: problems[:1]},
		unhealthy: []ports.UnhealthySubscription{
			{Name: "a", TopicName: "g.t", Severity: "CRITICAL", Problems: problems},
			{Name: "b", TopicName: "g.t", Severity: "IMPORTANT", Problems: problems[1:]},
		},
	}
	h := NewManagement(f, nil)

	rec := serve(h, "GET", subPath+"/health", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"status":"UNHEALTHY","problems":[{"code":"LAGGING","description":"lag"}]}`, rec.Body.String())
	assert.Equal(t, call{"SubscriptionHealth", []any{"pl.group.topic", "sub"}}, f.lastCall())

	wantJSON := `[{"name":"a","topicName":"g.t","severity":"CRITICAL","problems":[{"code":"LAGGING","description":"lag"},
		{"code":"TIMING_OUT","description":"slow"}]},{"name":"b","topicName":"g.t","severity":"IMPORTANT",
		"problems":[{"code":"TIMING_OUT","description":"slow"}]}]`
	for _, accept := range []string{"", "*/*", "application/json", "text/plain;q=0.5, application/json"} {
		rec = accepting(h, "/unhealthy", accept)
		require.Equal(t, http.StatusOK, rec.Code, accept)
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), accept)
		assert.JSONEq(t, wantJSON, rec.Body.String(), accept)
	}
	assert.Equal(t, ports.UnhealthyFilter{RespectMonitoringSeverity: true}, f.filter)
	for _, accept := range []string{"text/plain", "text/*", "application/json;q=0.1, text/plain"} {
		rec = accepting(h, "/unhealthy/", accept)
		require.Equal(t, http.StatusOK, rec.Code, accept)
		assert.Equal(t, "text/plain", rec.Header().Get("Content-Type"), accept)
		assert.Equal(t, "a - lag; slow\r\nb - slow", rec.Body.String(), accept)
	}
	requireError(t, accepting(h, "/unhealthy", "application/xml"), http.StatusNotAcceptable, codeOther)

	rec = serve(h, "GET", "/unhealthy?ownerSourceName=Plaintext&ownerId=team&respectMonitoringSeverity=false"+
		"&subscriptionNames=a&subscriptionNames=b&qualifiedTopicNames=g.t", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, ports.UnhealthyFilter{OwnerSource: "Plaintext", OwnerID: "team", SubscriptionNames: []string{"a", "b"},
		QualifiedTopicNames: []string{"g.t"}}, f.filter)

	f.unhealthy = []ports.UnhealthySubscription{}
	assert.Equal(t, "", accepting(h, "/unhealthy", "text/plain").Body.String())
	assert.JSONEq(t, `[]`, accepting(h, "/unhealthy", "").Body.String())
}

func TestSubscriptionHealthErrors(t *testing.T) {
	t.Parallel()
	f := &fakeHealth{}
	f.err = fmt.Errorf("store: %w", domain.ErrSubscriptionNotFound)
	requireError(t, serve(NewManagement(f, nil), "GET", subPath+"/health", ""), http.StatusBadRequest, codeSubNotExists)
	f.err = domain.Errorf(domain.ErrOwnerNotFound, "Owner of id 'x' not found in source y")
	rec := serve(NewManagement(f, nil), "GET", "/unhealthy?ownerSourceName=y&ownerId=x", "")
	assert.Equal(t, "Owner of id 'x' not found in source y", requireError(t, rec, http.StatusNotFound, "OWNER_NOT_FOUND"))
}
