package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeAdmin answers the admin ports with canned values and records the
// owner lookups.
type fakeAdmin struct {
	*fakeManagement
	console  ports.ConsoleConfig
	ownerErr error
	topics   []domain.Topic
	subs     []domain.Subscription

	mu    sync.Mutex
	mode  string
	asked []string
}

func newFakeAdmin() *fakeAdmin {
	return &fakeAdmin{fakeManagement: &fakeManagement{}, mode: ports.ModeReadWrite}
}

func (f *fakeAdmin) ask(s ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, s...)
}

func (f *fakeAdmin) ConsoleConfiguration(context.Context) ports.ConsoleConfig { return f.console }

func (f *fakeAdmin) OwnerSources(context.Context) []ports.OwnerSourceDescriptor {
	return []ports.OwnerSourceDescriptor{{Name: "Plaintext"}}
}

func (f *fakeAdmin) SearchOwners(_ context.Context, source, search string) ([]ports.Owner, error) {
	f.ask(source, search)
	return []ports.Owner{{ID: "a", Name: "A", URL: "http://a"}}, f.ownerErr
}

func (f *fakeAdmin) Owner(_ context.Context, source, id string) (ports.Owner, error) {
	f.ask(source, id)
	return ports.Owner{ID: id, Name: id}, f.ownerErr
}

func (f *fakeAdmin) TopicsOwnedBy(_ context.Context, source, id string) ([]domain.Topic, error) {
	f.ask(source, id)
	return f.topics, f.ownerErr
}

func (f *fakeAdmin) SubscriptionsOwnedBy(_ context.Context, source, id string) ([]domain.Subscription, error) {
	f.ask(source, id)
	return f.subs, f.ownerErr
}

func (f *fakeAdmin) Roles(_ context.Context, topic, subscription string) ([]string, error) {
	return []string{"t=" + topic, "s=" + subscription}, nil
}

func (f *fakeAdmin) Mode() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mode
}

func (f *fakeAdmin) SetMode(_ context.Context, mode string) error {
	if mode != ports.ModeReadWrite && mode != ports.ModeReadOnly {
		return domain.Errorf(domain.ErrValidation, "bad mode")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = mode
	return nil
}

func (f *fakeAdmin) ReadOnly() bool { return f.Mode() != ports.ModeReadWrite }

func (f *fakeAdmin) lastAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

func TestManagementConsole(t *testing.T) {
	t.Parallel()
	f := newFakeAdmin()
	f.console.Console.Title = "my hermes"
	f.console.Topic.Defaults.OfflineStorage.RetentionTime = ports.ConsoleRetentionTime{Duration: 1, RetentionUnit: "DAYS"}
	rec := serve(NewManagement(f, nil), "GET", "/console", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var got map[string]map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, "my hermes", got["console"]["title"])
	for _, section := range []string{"console", "dashboard", "metrics", "auth", "owner", "topic", "subscription", "consistency", "group", "costs"} {
		assert.Contains(t, got, section)
	}
	storage := got["topic"]["defaults"].(map[string]any)["offlineStorage"].(map[string]any)
	assert.Equal(t, map[string]any{"duration": 1.0, "retentionUnit": "DAYS"}, storage["retentionTime"])
}

func TestManagementRoles(t *testing.T) {
	t.Parallel()
	h := NewManagement(newFakeAdmin(), nil)
	for path, want := range map[string]string{
		"/roles":                             `["t=","s="]`,
		"/roles/topics/g.t":                  `["t=g.t","s="]`,
		"/roles/topics/g.t/subscriptions/s1": `["t=g.t","s=s1"]`,
	} {
		rec := serve(h, "GET", path, "")
		require.Equal(t, http.StatusOK, rec.Code, path)
		assert.JSONEq(t, want, rec.Body.String(), path)
	}
}

func TestManagementOwners(t *testing.T) {
	t.Parallel()
	f := newFakeAdmin()
	topic := domain.NewTopic()
	topic.Name = "g.t"
	f.topics = []domain.Topic{topic}
	sub := domain.NewSubscription()
	sub.TopicName, sub.Name, sub.Endpoint = "g.t", "s", "http://user:secret@host/x"
	f.subs = []domain.Subscription{sub}
	h := NewManagement(f, nil)

	rec := serve(h, "GET", "/owners/sources", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `[{"name":"Plaintext","autocomplete":false,"deprecated":false}]`, rec.Body.String())

	rec = serve(h, "GET", "/owners/sources/Plaintext?search=te", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `[{"id":"a","name":"A","url":"http://a"}]`, rec.Body.String())
	assert.Equal(t, []string{"Plaintext", "te"}, f.lastAsked())

	rec = serve(h, "GET", "/owners/sources/Plaintext/Team%20A", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"id":"Team A","name":"Team A"}`, rec.Body.String(), "no url when the source has none")

	rec = serve(h, "GET", "/topics/owner/Plaintext/Team%20A", "")
	require.Equal(t, http.StatusOK, rec.Code)
	var topics []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &topics))
	require.Len(t, topics, 1)
	assert.Equal(t, "g.t", topics[0]["name"])
	assert.Equal(t, []string{"Plaintext", "te", "Plaintext", "Team A", "Plaintext", "Team A"}, f.lastAsked())

	rec = serve(h, "GET", "/subscriptions/owner/Plaintext/Team%20A", "")
	require.Equal(t, http.StatusOK, rec.Code)
	var subs []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &subs))
	require.Len(t, subs, 1)
	assert.Equal(t, "http://user:*****@host/x", subs[0]["endpoint"], "credentials masked")

	// The owner route must not shadow topics, even one whose group is "owner".
	rec = serve(h, "GET", "/topics/owner.t/subscriptions", "")
	assert.Equal(t, http.StatusOK, rec.Code)
}

func TestManagementOwnerErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{domain.Errorf(domain.ErrOwnerSourceNotFound, "x"), http.StatusNotFound, "OWNER_SOURCE_NOT_FOUND"},
		{domain.Errorf(domain.ErrOwnerNotFound, "x"), http.StatusNotFound, "OWNER_NOT_FOUND"},
		{domain.Errorf(domain.ErrOwnerAutocompleteUnsupported, "x"), http.StatusBadRequest, "OWNER_SOURCE_DOESNT_SUPPORT_AUTOCOMPLETE"},
	} {
		f := newFakeAdmin()
		f.ownerErr = tc.err
		h := NewManagement(f, nil)
		for _, path := range []string{"/owners/sources/S?search=x", "/owners/sources/S/id", "/topics/owner/S/id", "/subscriptions/owner/S/id"} {
			requireError(t, serve(h, "GET", path, ""), tc.status, tc.code)
		}
	}
}

func TestManagementReadOnlyMode(t *testing.T) {
	t.Parallel()
	f := newFakeAdmin()
	h := NewManagement(f, nil)
	assert.Equal(t, http.StatusBadRequest, serve(h, "POST", "/mode", "").Code, "no mode")
	assert.Equal(t, http.StatusBadRequest, serve(h, "POST", "/mode?mode=sideways", "").Code)
	assert.Equal(t, http.StatusCreated, serve(h, "POST", "/groups", `{"groupName":"g"}`).Code, "read-write accepts changes")

	require.Equal(t, http.StatusOK, serve(h, "POST", "/mode?mode=readOnly", "").Code)
	rec := serve(h, "GET", "/mode", "")
	assert.Equal(t, "readOnly", rec.Body.String())
	assert.Equal(t, "text/plain", rec.Header().Get("Content-Type"))

	msg := requireError(t, serve(h, "POST", "/groups", `{"groupName":"g"}`), http.StatusServiceUnavailable, "OTHER")
	assert.Equal(t, "Action forbidden due to read-only mode", msg)
	requireError(t, serve(h, "DELETE", "/topics/g.t", ""), http.StatusServiceUnavailable, "OTHER")
	requireError(t, serve(h, "PUT", subPath+"/state", `"ACTIVE"`), http.StatusServiceUnavailable, "OTHER")
	assert.Equal(t, http.StatusOK, serve(h, "GET", "/groups", "").Code, "reads pass")
	assert.NotEqual(t, http.StatusServiceUnavailable, serve(h, "POST", "/topics/g.t/subscriptions/query", `{"query":{}}`).Code, "queries pass")
	assert.NotEqual(t, http.StatusServiceUnavailable, serve(h, "POST", "/query/topics", `{"query":{}}`).Code, "queries pass")

	require.Equal(t, http.StatusOK, serve(h, "POST", "/mode?mode=readWrite", "").Code, "/mode itself passes")
	assert.Equal(t, http.StatusCreated, serve(h, "POST", "/groups", `{"groupName":"g"}`).Code)
}
