package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
)

// auditedStore is the stored fakes with an audit trail logging to logs.
type auditedStore struct {
	*fakeStored
	*app.AuditTrail
}

type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines.
func (s *syncLog) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for l := range strings.Lines(s.b.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		out = append(out, m)
	}
	return out
}

func newAudited(t *testing.T) (http.Handler, *auditedStore, *syncLog) {
	logs := &syncLog{}
	log := slog.New(slog.NewJSONHandler(logs, nil)).With("component", "audit")
	svc := &auditedStore{fakeStored: newFakeStored(), AuditTrail: app.NewAuditTrail(10, log)}
	return NewManagement(svc, nil), svc, logs
}

// as sends a request as principal (anonymous when its name is empty).
func as(h http.Handler, p domain.Principal, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(domain.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var alice = domain.Principal{Name: "alice", Method: "token", Roles: []string{"admin"}}

// A subscription update is one audit line with the entity before and
// after, its endpoint password and OAuth password masked.
func TestAuditLogsAWriteWithMaskedBeforeAndAfter(t *testing.T) {
	t.Parallel()
	h, svc, logs := newAudited(t)
	svc.subscription = domain.Subscription{TopicName: "pl.group.topic", Name: "sub", State: domain.StateActive, Endpoint: "http://bob:endpoint-secret@host/",
		OAuthPolicy: &domain.OAuthPolicy{GrantType: domain.GrantPassword, ProviderName: "p", Username: "u", Password: "oauth-secret"}}

	require.Equal(t, http.StatusOK, as(h, alice, "PUT", subPath, `{"description": "new"}`).Code)
	require.Equal(t, http.StatusOK, as(h, alice, "GET", subPath, "").Code, "reads are not audited")

	lines := logs.lines(t)
	require.Len(t, lines, 1)
	l := lines[0]
	assert.Equal(t, "INFO", l["level"])
	assert.Equal(t, "audit", l["component"])
	assert.Equal(t, "alice", l["principal"])
	assert.Equal(t, "token", l["auth_method"])
	assert.Equal(t, "PUT /topics/{topic}/subscriptions/{subscription}", l["operation"])
	assert.Equal(t, "subscription", l["kind"])
	assert.Equal(t, "pl.group.topic.sub", l["name"])
	assert.Equal(t, "PUT", l["http_method"])
	assert.Equal(t, subPath, l["path"])
	assert.EqualValues(t, 200, l["status"])
	for _, k := range []string{"before", "after"} {
		var s struct {
			Endpoint    string
			OAuthPolicy domain.OAuthPolicy
		}
		require.NoError(t, json.Unmarshal([]byte(l[k].(string)), &s), k)
		assert.Equal(t, "http://bob:*****@host/", s.Endpoint, k)
		assert.Equal(t, "******", s.OAuthPolicy.Password, k)
	}
	all, _ := json.Marshal(lines)
	assert.NotContains(t, string(all), "endpoint-secret")
	assert.NotContains(t, string(all), "oauth-secret")
}

// Provider writes are audited with the client secret masked, failed
// ones with their status; GET /audit lists them, newest first.
func TestAuditEndpointListsWritesAndFailures(t *testing.T) {
	t.Parallel()
	h, _, logs := newAudited(t)
	provider := `{"name": "p1", "tokenEndpoint": "http://idp/token", "clientId": "c", "clientSecret": "provider-secret",
		"tokenRequestInitialDelay": 1, "tokenRequestMaxDelay": 1, "requestTimeout": 100}`
	require.Equal(t, http.StatusCreated, as(h, alice, "POST", "/oauth/providers", provider).Code)
	require.Equal(t, http.StatusBadRequest, as(h, domain.Principal{}, "POST", "/oauth/providers", provider).Code, "exists already")
	require.Equal(t, http.StatusNotFound, as(h, alice, "DELETE", "/oauth/providers/nope", "").Code)

	var entries []domain.AuditEntry
	rec := as(h, alice, "GET", "/audit", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &entries))
	require.Len(t, entries, 3)
	assert.Equal(t, []int{404, 400, 201}, []int{entries[0].Status, entries[1].Status, entries[2].Status})
	created, failed := entries[2], entries[1]
	assert.Equal(t, "POST /oauth/providers", created.Operation)
	assert.Equal(t, "oauthProvider", created.Kind)
	assert.Equal(t, "p1", created.Name)
	assert.Equal(t, "alice", created.Principal)
	assert.JSONEq(t, "null", string(orNull(created.Before)))
	var p domain.OAuthProvider
	require.NoError(t, json.Unmarshal(created.After, &p))
	assert.Equal(t, "******", p.ClientSecret)
	assert.Equal(t, domain.AnonymousPrincipal, failed.Principal)
	assert.Equal(t, "nope", entries[0].Name)
	assert.NotContains(t, rec.Body.String(), "provider-secret")
	all, _ := json.Marshal(logs.lines(t))
	assert.NotContains(t, string(all), "provider-secret")
	assert.Len(t, logs.lines(t), 3, "GET /audit is no write")

	for _, tc := range []struct {
		query string
		n     int
	}{
		{"?principal=alice", 2},
		{"?principal=anonymous", 1},
		{"?limit=1", 1},
		{"?since=2999-01-01T00:00:00Z", 0},
		{"?since=2000-01-01T00:00:00Z", 3},
	} {
		rec := as(h, alice, "GET", "/audit"+tc.query, "")
		require.Equal(t, http.StatusOK, rec.Code, tc.query)
		var got []domain.AuditEntry
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		assert.Len(t, got, tc.n, tc.query)
	}
	for _, q := range []string{"?limit=0", "?limit=x", "?since=yesterday"} {
		requireError(t, as(h, alice, "GET", "/audit"+q, ""), http.StatusBadRequest, codeValidation)
	}
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// A create whose body names the entity still reaches the handler whole.
func TestAuditLeavesTheBodyToTheHandler(t *testing.T) {
	t.Parallel()
	h, svc, _ := newAudited(t)
	require.Equal(t, http.StatusCreated, as(h, alice, "POST", "/groups", `{"groupName": "g1"}`).Code)
	svc.fakeManagement.mu.Lock()
	calls := svc.calls
	svc.fakeManagement.mu.Unlock()
	assert.Contains(t, calls, call{"CreateGroup", []any{domain.Group{GroupName: "g1"}}})
	entries, _ := svc.AuditEntries(t.Context(), domain.AuditQuery{})
	require.Len(t, entries, 1)
	assert.Equal(t, "g1", entries[0].Name)
	assert.Equal(t, "group", entries[0].Kind)
}

// readOnly is an audited store in read-only mode.
type readOnly struct{ *auditedStore }

func (readOnly) Mode() string                          { return "readOnlyAdmin" }
func (readOnly) SetMode(context.Context, string) error { return nil }
func (readOnly) ReadOnly() bool                        { return true }

// A write the read-only mode refuses is audited with its 503, and no
// body reaches the use case.
func TestAuditRecordsRefusedWrites(t *testing.T) {
	t.Parallel()
	_, svc, _ := newAudited(t)
	h := NewManagement(readOnly{svc}, nil)
	requireError(t, as(h, alice, "DELETE", "/topics/pl.group.topic", ""), http.StatusServiceUnavailable, codeOther)
	entries, _ := svc.AuditEntries(t.Context(), domain.AuditQuery{})
	require.Len(t, entries, 1)
	assert.Equal(t, http.StatusServiceUnavailable, entries[0].Status)
	assert.Equal(t, "DELETE /topics/{topic}", entries[0].Operation)
	assert.Equal(t, "pl.group.topic", entries[0].Name)
	assert.NotContains(t, svc.fakeManagement.calls, call{"DeleteTopic", []any{"pl.group.topic"}})
}
