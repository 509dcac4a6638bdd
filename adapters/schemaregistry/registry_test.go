package schemaregistry_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/schemaregistry"
	"github.com/hermes-go/hermes/domain"
)

// fakeRegistry is an in-memory Confluent Schema Registry with the
// endpoints the adapter uses, answering as Confluent does: global ids
// shared by equal schemas across subjects, versions counted per subject
// and not reused after a soft delete, a permanent delete only after a
// soft one, and Confluent's error codes. Compatibility level NONE unless
// incompatible says otherwise.
type fakeRegistry struct {
	*httptest.Server
	// incompatible, when set, makes a registration a 409.
	incompatible func(text string) bool
	down         atomic.Bool // every answer a 500
	requests     atomic.Int64

	mu       sync.Mutex
	ids      map[string]int // schema text to global id
	texts    map[int]string
	subjects map[string][]fakeVersion
}

type fakeVersion struct {
	version, id int
	deleted     bool
}

func newFakeRegistry(t *testing.T) *fakeRegistry {
	f := &fakeRegistry{ids: map[string]int{}, texts: map[int]string{}, subjects: map[string][]fakeVersion{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /subjects/{subject}/versions", f.register)
	mux.HandleFunc("POST /subjects/{subject}", f.lookup)
	mux.HandleFunc("GET /subjects/{subject}/versions", f.versions)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}", f.version)
	mux.HandleFunc("GET /schemas/ids/{id}", f.byID)
	mux.HandleFunc("DELETE /subjects/{subject}", f.delete)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if f.down.Load() {
			fail(w, http.StatusInternalServerError, 50001, "Error in the backend data store")
			return
		}
		if r.Method == http.MethodPost {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if ct != schemaregistry.ContentType && ct != "application/json" {
				fail(w, http.StatusUnsupportedMediaType, 415, "HTTP 415 Unsupported Media Type")
				return
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func fail(w http.ResponseWriter, status, code int, message string) {
	answer(w, status, map[string]any{"error_code": code, "message": message})
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", schemaregistry.ContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// live is the subject's versions not soft-deleted.
func (f *fakeRegistry) live(subject string) []fakeVersion {
	var out []fakeVersion
	for _, v := range f.subjects[subject] {
		if !v.deleted {
			out = append(out, v)
		}
	}
	return out
}

func readSchema(w http.ResponseWriter, r *http.Request) (string, bool) {
	var body struct {
		Schema string `json:"schema"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !json.Valid([]byte(body.Schema)) {
		fail(w, http.StatusUnprocessableEntity, 42201, "Invalid schema")
		return "", false
	}
	return body.Schema, true
}

func (f *fakeRegistry) subjectVersion(w http.ResponseWriter, subject string, v fakeVersion) {
	answer(w, http.StatusOK, map[string]any{"subject": subject, "id": v.id, "version": v.version, "schema": f.texts[v.id]})
}

func (f *fakeRegistry) register(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	text, ok := readSchema(w, r)
	if !ok {
		return
	}
	live := f.live(subject)
	for _, v := range live {
		if f.texts[v.id] == text {
			answer(w, http.StatusOK, map[string]int{"id": v.id})
			return
		}
	}
	if len(live) > 0 && f.incompatible != nil && f.incompatible(text) {
		fail(w, http.StatusConflict, 409, "Schema being registered is incompatible with an earlier schema")
		return
	}
	id, ok := f.ids[text]
	if !ok {
		id = len(f.ids) + 1
		f.ids[text], f.texts[id] = id, text
	}
	all := f.subjects[subject]
	next := 1
	if len(all) > 0 {
		next = all[len(all)-1].version + 1
	}
	f.subjects[subject] = append(all, fakeVersion{version: next, id: id})
	answer(w, http.StatusOK, map[string]int{"id": id})
}

func (f *fakeRegistry) lookup(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	text, ok := readSchema(w, r)
	if !ok {
		return
	}
	live := f.live(subject)
	if len(live) == 0 {
		fail(w, http.StatusNotFound, 40401, fmt.Sprintf("Subject '%s' not found.", subject))
		return
	}
	for _, v := range live {
		if f.texts[v.id] == text {
			f.subjectVersion(w, subject, v)
			return
		}
	}
	fail(w, http.StatusNotFound, 40403, "Schema not found")
}

func (f *fakeRegistry) versions(w http.ResponseWriter, r *http.Request) {
	live := f.live(r.PathValue("subject"))
	if len(live) == 0 {
		fail(w, http.StatusNotFound, 40401, "Subject not found.")
		return
	}
	out := make([]int, len(live))
	for i, v := range live {
		out[i] = v.version
	}
	answer(w, http.StatusOK, out)
}

func (f *fakeRegistry) version(w http.ResponseWriter, r *http.Request) {
	subject, raw := r.PathValue("subject"), r.PathValue("version")
	live := f.live(subject)
	n, err := strconv.Atoi(raw)
	switch {
	case raw != "latest" && (err != nil || n == 0 || n < -1):
		fail(w, http.StatusUnprocessableEntity, 42202, "The specified version is not a valid version id.")
		return
	case len(live) == 0:
		fail(w, http.StatusNotFound, 40401, "Subject not found.")
		return
	case raw == "latest" || n == -1:
		f.subjectVersion(w, subject, live[len(live)-1])
		return
	}
	for _, v := range live {
		if v.version == n {
			f.subjectVersion(w, subject, v)
			return
		}
	}
	fail(w, http.StatusNotFound, 40402, "Version not found.")
}

func (f *fakeRegistry) byID(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	text, ok := f.texts[id]
	if !ok {
		fail(w, http.StatusNotFound, 40403, "Schema not found")
		return
	}
	answer(w, http.StatusOK, map[string]string{"schema": text})
}

func (f *fakeRegistry) delete(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	all, live := f.subjects[subject], f.live(subject)
	switch permanent := r.URL.Query().Get("permanent") == "true"; {
	case len(all) == 0:
		fail(w, http.StatusNotFound, 40401, "Subject not found.")
	case permanent && len(live) > 0:
		fail(w, http.StatusNotFound, 40405, "Subject was not deleted first before being permanently deleted")
	case permanent:
		delete(f.subjects, subject)
		answer(w, http.StatusOK, []int{})
	case len(live) == 0:
		fail(w, http.StatusNotFound, 40404, "Subject was soft deleted.")
	default:
		deleted := make([]int, 0, len(all))
		for i := range all {
			all[i].deleted = true
			deleted = append(deleted, all[i].version)
		}
		answer(w, http.StatusOK, deleted)
	}
}

func newRegistry(t *testing.T, url string, cfg schemaregistry.Config) *schemaregistry.Registry {
	t.Helper()
	cfg.URL = url
	r, err := schemaregistry.New(cfg)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	return r
}

var topicA = domain.TopicName{Group: "pl.allegro", Name: "orders"}

const (
	schemaV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	schemaV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":0}]}`
)

func TestNewRefusesURLsWithoutHTTPScheme(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "localhost:8081", "ftp://registry", "http://"} {
		_, err := schemaregistry.New(schemaregistry.Config{URL: u})
		assert.ErrorIs(t, err, domain.ErrValidation, u)
	}
}

// Subjects are named as Hermes's SubjectNamingStrategy: qualified name,
// then the optional -value suffix, then the optional namespace prefix.
func TestSubjectNaming(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  schemaregistry.Config
		want string
	}{
		{"default", schemaregistry.Config{}, "pl.allegro.orders"},
		{"suffix", schemaregistry.Config{SubjectSuffix: true}, "pl.allegro.orders-value"},
		{"namespace", schemaregistry.Config{SubjectNamespace: "dc1"}, "dc1_pl.allegro.orders"},
		{"both", schemaregistry.Config{SubjectSuffix: true, SubjectNamespace: "dc1", NamespaceSeparator: "."}, "dc1.pl.allegro.orders-value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeRegistry(t)
			r := newRegistry(t, f.URL, tc.cfg)
			assert.Equal(t, tc.want, r.Subject(topicA))
			_, err := r.RegisterSchema(t.Context(), topicA, schemaV1)
			require.NoError(t, err)
			f.mu.Lock()
			defer f.mu.Unlock()
			assert.Len(t, f.live(tc.want), 1, "registered under %s", tc.want)
		})
	}
}

// The Schema-Id is the registry's global id: equal schemas share it across
// topics, and it differs from the version.
func TestIDsAreGlobalRegistryIDs(t *testing.T) {
	t.Parallel()
	f := newFakeRegistry(t)
	r := newRegistry(t, f.URL+"/", schemaregistry.Config{})
	ctx, topicB := t.Context(), domain.TopicName{Group: "pl.allegro", Name: "payments"}

	a1, err := r.RegisterSchema(ctx, topicA, schemaV1)
	require.NoError(t, err)
	b1, err := r.RegisterSchema(ctx, topicB, schemaV2)
	require.NoError(t, err)
	b2, err := r.RegisterSchema(ctx, topicB, schemaV1)
	require.NoError(t, err)
	assert.Equal(t, domain.Schema{Version: 1, ID: 1, Text: schemaV1}, a1)
	assert.Equal(t, domain.Schema{Version: 1, ID: 2, Text: schemaV2}, b1)
	assert.Equal(t, domain.Schema{Version: 2, ID: 1, Text: schemaV1}, b2)

	got, err := r.SchemaByID(ctx, topicB, 2)
	require.NoError(t, err)
	assert.Equal(t, b1, got)
	_, err = r.SchemaByID(ctx, topicA, 2)
	assert.ErrorIs(t, err, domain.ErrSchemaNotFound, "id 2 exists, but not in topic A's subject")
	_, err = r.SchemaByID(ctx, topicA, 99)
	assert.ErrorIs(t, err, domain.ErrSchemaNotFound)
}

func TestRegistryAnswersMapToDomainErrors(t *testing.T) {
	t.Parallel()
	f := newFakeRegistry(t)
	f.incompatible = func(text string) bool { return text == schemaV2 }
	r := newRegistry(t, f.URL, schemaregistry.Config{})
	ctx := t.Context()

	_, err := r.RegisterSchema(ctx, topicA, `{"type":`)
	assert.ErrorIs(t, err, domain.ErrSchemaInvalid)
	_, err = r.RegisterSchema(ctx, topicA, schemaV1)
	require.NoError(t, err)
	_, err = r.RegisterSchema(ctx, topicA, schemaV2)
	assert.ErrorIs(t, err, domain.ErrSchemaIncompatible)
	_, err = r.SchemaVersion(ctx, topicA, -1)
	assert.ErrorIs(t, err, domain.ErrSchemaVersionNotFound, "-1 is the registry's latest, not a version")

	f.down.Store(true)
	_, err = r.LatestSchema(ctx, topicA)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	_, err = r.RegisterSchema(ctx, topicA, schemaV1)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	_, err = r.SchemaVersions(ctx, topicA)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	assert.ErrorIs(t, r.DeleteSchemas(ctx, topicA), domain.ErrUnavailable)

	wrongPath := newRegistry(t, f.URL+"/no-registry-here", schemaregistry.Config{})
	f.down.Store(false)
	_, err = wrongPath.RegisterSchema(ctx, topicA, schemaV1)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "a 404 on registration means a wrong URL")

	f.Close()
	_, err = r.LatestSchema(ctx, topicA)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "connection refused")
}

// Versions read once are served from memory, so delivery does not ask the
// registry per message; a delete through the repository drops them.
func TestVersionsAreCached(t *testing.T) {
	t.Parallel()
	f := newFakeRegistry(t)
	r := newRegistry(t, f.URL, schemaregistry.Config{CacheTTL: time.Hour})
	ctx := t.Context()
	registered, err := r.RegisterSchema(ctx, topicA, schemaV1)
	require.NoError(t, err)

	before := f.requests.Load()
	for range 3 {
		got, err := r.SchemaVersion(ctx, topicA, 1)
		require.NoError(t, err)
		assert.Equal(t, registered, got)
	}
	assert.Equal(t, before, f.requests.Load(), "served from the cache")

	require.NoError(t, r.DeleteSchemas(ctx, topicA))
	_, err = r.SchemaVersion(ctx, topicA, 1)
	assert.ErrorIs(t, err, domain.ErrSchemaVersionNotFound)
}
