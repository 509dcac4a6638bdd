package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// schemaAPI serves Hermes's SchemaEndpoint and the "schema" field of
// TopicWithSchema on topic create, get and update.
type schemaAPI struct {
	*management
	schemas ports.SchemaService
}

// schemaRoutes adds the schema routes to routes, replacing the topic
// create, get and update handlers with schema-aware ones, when the
// management use cases manage schemas (ports.SchemaService).
func (m *management) schemaRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.SchemaService)
	if !ok {
		return
	}
	s := &schemaAPI{management: m, schemas: svc}
	const base = "/topics/{topic}/schema"
	routes["GET "+base] = s.get
	routes["GET "+base+"/versions/{version}"] = s.getVersion
	routes["GET "+base+"/ids/{id}"] = s.getByID
	routes["POST "+base] = s.register
	routes["DELETE "+base] = s.delete
	routes["POST /topics"] = s.createTopic
	routes["GET /topics/{topic}"] = s.getTopic
	routes["PUT /topics/{topic}"] = s.updateTopic
}

// writeSchema answers the raw schema JSON, or 204 when there is none.
func (s *schemaAPI) writeSchema(w http.ResponseWriter, r *http.Request, schema domain.Schema, err error) {
	if errors.Is(err, domain.ErrSchemaNotFound) || errors.Is(err, domain.ErrSchemaVersionNotFound) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(schema.Text))
}

func (s *schemaAPI) get(w http.ResponseWriter, r *http.Request) {
	schema, err := s.schemas.GetSchema(r.Context(), r.PathValue("topic"))
	s.writeSchema(w, r, schema, err)
}

// pathInt reads an int path parameter; like JAX-RS, a value that is not
// an int matches no resource (404).
func pathInt(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(r.PathValue(name))
	if err != nil {
		writeError(w, http.StatusNotFound, codeOther, "Not found: "+r.URL.Path)
	}
	return n, err == nil
}

func (s *schemaAPI) getVersion(w http.ResponseWriter, r *http.Request) {
	if v, ok := pathInt(w, r, "version"); ok {
		schema, err := s.schemas.GetSchemaVersion(r.Context(), r.PathValue("topic"), v)
		s.writeSchema(w, r, schema, err)
	}
}

func (s *schemaAPI) getByID(w http.ResponseWriter, r *http.Request) {
	if id, ok := pathInt(w, r, "id"); ok {
		schema, err := s.schemas.GetSchemaByID(r.Context(), r.PathValue("topic"), id)
		s.writeSchema(w, r, schema, err)
	}
}

// register takes the raw schema text; ?validate defaults to true.
func (s *schemaAPI) register(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err == nil {
		v := r.URL.Query().Get("validate")
		err = s.schemas.RegisterSchema(r.Context(), r.PathValue("topic"), string(body), v == "" || strings.EqualFold(v, "true"))
	}
	s.done(w, r, http.StatusCreated, err)
}

func (s *schemaAPI) delete(w http.ResponseWriter, r *http.Request) {
	s.done(w, r, http.StatusOK, s.schemas.DeleteSchemas(r.Context(), r.PathValue("topic")))
}

// schemaField reads TopicWithSchema's "schema": absent or null is "".
func schemaField(raw json.RawMessage) (string, error) {
	var schema *string
	if len(raw) > 0 {
		if err := unmarshal(raw, &schema); err != nil {
			return "", err
		}
	}
	if schema == nil {
		return "", nil
	}
	return *schema, nil
}

func (s *schemaAPI) createTopic(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	var t domain.Topic
	if err == nil {
		t, err = domain.DecodeTopic(body)
	}
	var extra struct {
		Schema json.RawMessage `json:"schema"`
	}
	if err == nil {
		err = unmarshal(body, &extra)
	}
	var schema string
	if err == nil {
		schema, err = schemaField(extra.Schema)
	}
	if err == nil {
		err = s.schemas.CreateTopicWithSchema(r.Context(), t, schema)
	}
	s.done(w, r, http.StatusCreated, err)
}

// getTopic answers TopicWithSchema: an AVRO topic carries its latest schema.
func (s *schemaAPI) getTopic(w http.ResponseWriter, r *http.Request) {
	t, err := s.svc.GetTopic(r.Context(), r.PathValue("topic"))
	if err != nil || t.ContentType != domain.ContentTypeAvro {
		s.respond(w, r, t, err)
		return
	}
	schema, err := s.schemas.GetSchema(r.Context(), t.Name)
	if errors.Is(err, domain.ErrSchemaNotFound) {
		s.respond(w, r, t, nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := json.Marshal(t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text, _ := json.Marshal(schema.Text) // a string always marshals
	out := append(body[:len(body)-1], `,"schema":`...)
	out = append(append(out, text...), '}')
	s.respond(w, r, json.RawMessage(out), nil)
}

// updateTopic registers the patch's "schema" as a new version first, then
// applies the rest of the patch, as Hermes's updateTopicWithSchema.
func (s *schemaAPI) updateTopic(w http.ResponseWriter, r *http.Request) {
	patch, err := readPatch(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(patch, &obj) // readPatch checked it is an object
	if raw, ok := obj["schema"]; ok {
		schema, err := schemaField(raw)
		if err == nil && schema != "" {
			// Hermes validates the schema only when the topic already is
			// AVRO; a JSON topic migrating to AVRO registers it as is.
			var t domain.Topic
			if t, err = s.svc.GetTopic(r.Context(), r.PathValue("topic")); err == nil {
				err = s.schemas.RegisterSchema(r.Context(), r.PathValue("topic"), schema, t.ContentType == domain.ContentTypeAvro)
			}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		delete(obj, "schema")
		patch, _ = json.Marshal(obj) // raw messages always marshal
	}
	s.done(w, r, http.StatusOK, s.svc.UpdateTopic(r.Context(), r.PathValue("topic"), patch))
}
