// Package schemaregistry is a ports.SchemaRepository over the REST API of a
// Confluent-compatible schema registry (Confluent Schema Registry, Karapace,
// Apicurio's ccompat API, Redpanda), the schema repository Hermes uses.
//
// Each topic is one subject, named as Hermes's SubjectNamingStrategy does:
// the qualified topic name, "-value" appended when Config.SubjectSuffix is
// set, Config.SubjectNamespace and its separator prepended when set. A
// schema's ID is the registry's global schema id, not its version.
package schemaregistry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.SchemaRepository = (*Registry)(nil)

// ContentType is the media type of the registry's API, sent with every
// request body and accepted in answers.
const ContentType = "application/vnd.schemaregistry.v1+json"

// Confluent error codes the repository tells apart; the HTTP status alone
// says 404 for a missing subject, version or schema alike.
const (
	codeSubjectNotFound    = 40401
	codeSubjectSoftDeleted = 40404
	codeInvalidSchema      = 42201
)

const (
	// maxResponseBytes bounds an answer read into memory.
	maxResponseBytes = 4 << 20
	// maxCachedVersions bounds the version cache; past it the cache
	// starts over.
	maxCachedVersions = 1024
)

// Config configures a Registry.
type Config struct {
	// URL is the registry's base URL, e.g. http://localhost:8081 (Hermes's
	// schema.repository.serverUrl).
	URL string
	// SubjectSuffix appends "-value" to every subject (Hermes's
	// schema.repository.subjectSuffixEnabled; default off).
	SubjectSuffix bool
	// SubjectNamespace, when not "", prefixes every subject with it and
	// NamespaceSeparator (Hermes's subjectNamespaceEnabled, which uses the
	// Kafka namespace).
	SubjectNamespace string
	// NamespaceSeparator joins namespace and subject (default "_").
	NamespaceSeparator string
	// Timeout bounds each request (default 2s, as Hermes's httpReadTimeout).
	Timeout time.Duration
	// CacheTTL is how long a version read from the registry is served
	// from memory (default 10s). Versions do not change in a registry
	// until the subject is deleted; the cache spares delivery a request
	// per message. Deletes made through this Registry clear it at once.
	CacheTTL time.Duration
	// Client sends the requests (default: a client with Timeout).
	Client *http.Client
}

// Registry is a ports.SchemaRepository backed by a schema registry. Safe
// for concurrent use; the registry orders concurrent registrations.
type Registry struct {
	base   string
	cfg    Config
	client *http.Client

	mu    sync.Mutex
	cache map[versionKey]cachedVersion
}

type versionKey struct {
	subject string
	version int
}

type cachedVersion struct {
	schema domain.Schema
	at     time.Time
}

// New returns a Registry for cfg; an error when cfg.URL is no http(s) URL.
func New(cfg Config) (*Registry, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("schemaregistry: url %q: want http(s)://host:port: %w", cfg.URL, domain.ErrValidation)
	}
	if cfg.NamespaceSeparator == "" {
		cfg.NamespaceSeparator = "_"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 10 * time.Second
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	return &Registry{base: strings.TrimRight(cfg.URL, "/"), cfg: cfg, client: client, cache: map[versionKey]cachedVersion{}}, nil
}

// Close releases idle connections.
func (r *Registry) Close() { r.client.CloseIdleConnections() }

// Subject is the registry subject of topic.
func (r *Registry) Subject(topic domain.TopicName) string {
	s := topic.String()
	if r.cfg.SubjectSuffix {
		s += "-value"
	}
	if r.cfg.SubjectNamespace != "" {
		s = r.cfg.SubjectNamespace + r.cfg.NamespaceSeparator + s
	}
	return s
}

// apiError is the registry's error answer.
type apiError struct {
	status  int
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("registry answered %d (error_code %d): %s", e.status, e.Code, e.Message)
}

// subjectVersion is the registry's answer for one version of a subject.
type subjectVersion struct {
	Subject string `json:"subject"`
	ID      int    `json:"id"`
	Version int    `json:"version"`
	Schema  string `json:"schema"`
}

func (v subjectVersion) domain() domain.Schema {
	return domain.Schema{Version: v.Version, ID: v.ID, Text: v.Schema}
}

type schemaBody struct {
	Schema string `json:"schema"`
}

// call sends one request and decodes a 2xx answer into out. Transport
// failures and 5xx answers are domain.ErrUnavailable; 4xx answers are an
// *apiError for the caller to map.
func (r *Registry) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("schemaregistry: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return fmt.Errorf("schemaregistry: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", ContentType+", application/json")
	if in != nil {
		req.Header.Set("Content-Type", ContentType)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("schemaregistry: %s %s: %w: %w", method, path, domain.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("schemaregistry: %s %s: read answer: %w: %w", method, path, domain.ErrUnavailable, err)
	}
	if resp.StatusCode >= 300 {
		e := &apiError{status: resp.StatusCode}
		_ = json.Unmarshal(data, e) // a body that is no error JSON leaves the status
		if resp.StatusCode >= 500 || resp.StatusCode < 400 {
			return fmt.Errorf("schemaregistry: %s %s: %w: %w", method, path, domain.ErrUnavailable, e)
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("schemaregistry: %s %s: answer %.100q: %w: %w", method, path, data, domain.ErrUnavailable, err)
	}
	return nil
}

// status is the status of a registry's 4xx answer in err, else 0.
func status(err error) (int, int) {
	var e *apiError
	if errors.As(err, &e) {
		return e.status, e.Code
	}
	return 0, 0
}

// unexpected turns a 4xx answer no caller expects (a wrong URL, a missing
// credential) into domain.ErrUnavailable: the registry cannot serve us.
func unexpected(op string, err error) error {
	var e *apiError
	if errors.As(err, &e) {
		return fmt.Errorf("schemaregistry: %s: %w: %w", op, domain.ErrUnavailable, err)
	}
	return err
}

func subjectPath(subject string) string { return "/subjects/" + url.PathEscape(subject) }

// RegisterSchema implements ports.SchemaRepository. The registry applies
// its own compatibility level (409 is domain.ErrSchemaIncompatible, 422
// domain.ErrSchemaInvalid). A registry keeps one version per distinct
// schema: registering the text of an older version returns that version.
func (r *Registry) RegisterSchema(ctx context.Context, topic domain.TopicName, text string) (domain.Schema, error) {
	subject := r.Subject(topic)
	var id struct {
		ID int `json:"id"`
	}
	err := r.call(ctx, http.MethodPost, subjectPath(subject)+"/versions", schemaBody{text}, &id)
	switch st, code := status(err); {
	case st == http.StatusConflict:
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaIncompatible, "Schema of topic %s is incompatible with its latest version: %s", topic, domain.ErrorMessage(err))
	case st == http.StatusUnprocessableEntity || code == codeInvalidSchema:
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaInvalid, "Invalid schema of topic %s: %s", topic, domain.ErrorMessage(err))
	case err != nil:
		return domain.Schema{}, unexpected("register schema of "+subject, err)
	}
	// The registration answers only the global id; looking the schema up
	// in the subject gives its version (the latest could be a concurrent
	// registration's).
	var v subjectVersion
	if err := r.call(ctx, http.MethodPost, subjectPath(subject), schemaBody{text}, &v); err != nil {
		return domain.Schema{}, unexpected("look up registered schema of "+subject, err)
	}
	s := v.domain()
	r.remember(subject, s)
	return s, nil
}

// LatestSchema implements ports.SchemaRepository.
func (r *Registry) LatestSchema(ctx context.Context, topic domain.TopicName) (domain.Schema, error) {
	subject := r.Subject(topic)
	var v subjectVersion
	err := r.call(ctx, http.MethodGet, subjectPath(subject)+"/versions/latest", nil, &v)
	if st, _ := status(err); st == http.StatusNotFound {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaNotFound, "No schema for topic %s", topic)
	}
	if err != nil {
		return domain.Schema{}, unexpected("latest schema of "+subject, err)
	}
	s := v.domain()
	r.remember(subject, s)
	return s, nil
}

// SchemaVersion implements ports.SchemaRepository. Versions read once are
// served from memory for Config.CacheTTL.
func (r *Registry) SchemaVersion(ctx context.Context, topic domain.TopicName, version int) (domain.Schema, error) {
	if version < 1 { // the registry reads -1 as "latest"
		return domain.Schema{}, noVersion(topic, version)
	}
	subject := r.Subject(topic)
	if s, ok := r.cached(subject, version); ok {
		return s, nil
	}
	var v subjectVersion
	err := r.call(ctx, http.MethodGet, subjectPath(subject)+"/versions/"+strconv.Itoa(version), nil, &v)
	if st, _ := status(err); st == http.StatusNotFound {
		return domain.Schema{}, noVersion(topic, version)
	}
	if err != nil {
		return domain.Schema{}, unexpected("schema version of "+subject, err)
	}
	s := v.domain()
	r.remember(subject, s)
	return s, nil
}

func noVersion(topic domain.TopicName, version int) error {
	return domain.Errorf(domain.ErrSchemaVersionNotFound, "Schema version %d for topic %s does not exist", version, topic)
}

// SchemaVersions implements ports.SchemaRepository.
func (r *Registry) SchemaVersions(ctx context.Context, topic domain.TopicName) ([]int, error) {
	subject := r.Subject(topic)
	var versions []int
	err := r.call(ctx, http.MethodGet, subjectPath(subject)+"/versions", nil, &versions)
	if st, _ := status(err); st == http.StatusNotFound {
		return []int{}, nil
	}
	if err != nil {
		return nil, unexpected("schema versions of "+subject, err)
	}
	slices.Sort(versions)
	return versions, nil
}

// SchemaByID returns the version of topic's schema whose global id is id,
// or domain.ErrSchemaNotFound (Hermes's lookup by SchemaId: the schema by
// id, then its version in the topic's subject).
func (r *Registry) SchemaByID(ctx context.Context, topic domain.TopicName, id int) (domain.Schema, error) {
	subject := r.Subject(topic)
	var body schemaBody
	err := r.call(ctx, http.MethodGet, "/schemas/ids/"+strconv.Itoa(id), nil, &body)
	var v subjectVersion
	if err == nil {
		err = r.call(ctx, http.MethodPost, subjectPath(subject), body, &v)
	}
	if st, _ := status(err); st == http.StatusNotFound {
		return domain.Schema{}, domain.Errorf(domain.ErrSchemaNotFound, "No schema with id %d for topic %s", id, topic)
	}
	if err != nil {
		return domain.Schema{}, unexpected("schema by id of "+subject, err)
	}
	return v.domain(), nil
}

// DeleteSchemas implements ports.SchemaRepository: a soft delete of the
// subject, then a permanent one, since a registry keeps counting versions
// after a soft delete and the port starts again at 1.
func (r *Registry) DeleteSchemas(ctx context.Context, topic domain.TopicName) error {
	subject := r.Subject(topic)
	defer r.forget(subject)
	path := subjectPath(subject)
	err := r.call(ctx, http.MethodDelete, path, nil, nil)
	if _, code := status(err); code == codeSubjectNotFound {
		return nil
	} else if err != nil && code != codeSubjectSoftDeleted {
		return unexpected("delete subject "+subject, err)
	}
	err = r.call(ctx, http.MethodDelete, path+"?permanent=true", nil, nil)
	if _, code := status(err); code == codeSubjectNotFound {
		return nil
	}
	return unexpected("permanently delete subject "+subject, err)
}

func (r *Registry) cached(subject string, version int) (domain.Schema, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cache[versionKey{subject, version}]
	if !ok || time.Since(c.at) >= r.cfg.CacheTTL {
		return domain.Schema{}, false
	}
	return c.schema, true
}

// remember caches s; past maxCachedVersions the cache starts over.
func (r *Registry) remember(subject string, s domain.Schema) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cache) >= maxCachedVersions {
		clear(r.cache)
	}
	r.cache[versionKey{subject, s.Version}] = cachedVersion{schema: s, at: time.Now()}
}

func (r *Registry) forget(subject string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.cache {
		if k.subject == subject {
			delete(r.cache, k)
		}
	}
}
