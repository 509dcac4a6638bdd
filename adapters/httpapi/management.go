package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// MaxManagementBodySize bounds management request bodies; larger bodies get
// 413 VALIDATION_ERROR (Hermes sets no limit; entity JSON is a few KiB).
const MaxManagementBodySize = 1 << 20

type management struct {
	svc ports.Management
	log *slog.Logger
}

// NewManagement returns the management REST API (Hermes port 8090) over
// the management use cases: groups, topics, subscriptions, plus
// GET /status/health and GET /mode. Paths, status codes and error JSON are
// Hermes's; {topic} is always the qualified name. Requests no route
// matches get 404 (or 405) error JSON with code OTHER.
func NewManagement(svc ports.Management, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &management{svc: svc, log: log}
	mux := http.NewServeMux()
	for pattern, h := range m.routeTable() {
		mux.HandleFunc(pattern, m.authorized(pattern, h))
	}
	return m.audited(mux, m.adminFilters(withJSONFallback(mux)))
}

// routeTable returns the handler of every route the use cases serve, by
// ServeMux pattern; each has its entry in managementPermissions.
func (m *management) routeTable() map[string]http.HandlerFunc {
	const sub = "/topics/{topic}/subscriptions/{subscription}"
	routes := map[string]http.HandlerFunc{
		"GET /groups":                              m.listGroups,
		"POST /groups":                             m.createGroup,
		"GET /groups/{group}":                      m.getGroup,
		"PUT /groups/{group}":                      m.updateGroup,
		"DELETE /groups/{group}":                   m.deleteGroup,
		"GET /topics":                              m.listTopics,
		"POST /topics":                             m.createTopic,
		"GET /topics/{topic}":                      m.getTopic,
		"PUT /topics/{topic}":                      m.updateTopic,
		"DELETE /topics/{topic}":                   m.deleteTopic,
		"GET /topics/{topic}/subscriptions":        m.listSubscriptions,
		"POST /topics/{topic}/subscriptions":       m.createSubscription,
		"GET " + sub:                               m.getSubscription,
		"PUT " + sub:                               m.updateSubscription,
		"DELETE " + sub:                            m.deleteSubscription,
		"GET " + sub + "/state":                    m.getState,
		"PUT " + sub + "/state":                    m.setState,
		"PUT " + sub + "/retransmission":           m.retransmit,
		"GET " + sub + "/undelivered":              m.undelivered,
		"GET " + sub + "/undelivered/last":         m.lastUndelivered,
		"GET " + sub + "/events/{messageId}/trace": m.messageTraces,
		"GET /status/health":                       m.health,
		"GET /openapi.json":                        serveOpenAPI(ManagementOpenAPI),
	}
	m.schemaRoutes(routes)
	m.adminRoutes(routes)
	m.queryRoutes(routes)
	m.subscriptionHealthRoutes(routes)
	m.consumerGroupRoutes(routes)
	m.previewRoutes(routes)
	m.filterRoutes(routes)
	m.metricsRoutes(routes)
	m.auditRoutes(routes)
	return routes
}

// fail answers err per the error table; internal failures are OTHER, as
// Hermes's RuntimeExceptionMapper renders them: 503 for an unreachable
// backend (ZooKeeper, Kafka), else 500, which is logged.
func (m *management) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, ok := errorStatus(err)
	msg := domain.ErrorMessage(err)
	if !ok {
		code, msg = codeOther, internalMessage(err)
		logInternal(m.log, r, status, err)
	}
	writeError(w, status, code, msg)
}

// respond sends v as JSON, or the error.
func (m *management) respond(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		m.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// done answers an operation without a response body.
func (m *management) done(w http.ResponseWriter, r *http.Request, status int, err error) {
	if err != nil {
		m.fail(w, r, err)
		return
	}
	w.WriteHeader(status)
}

// readBody returns a JSON request body. Like Jersey's @Consumes(APPLICATION_JSON)
// it refuses other media types with 415, but it accepts a request without
// Content-Type.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &httpError{http.StatusUnsupportedMediaType, codeValidation, "Unsupported media type " + ct + ": expected application/json"}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxManagementBodySize))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		return nil, &httpError{http.StatusRequestEntityTooLarge, codeValidation, "Request body larger than " + strconv.Itoa(MaxManagementBodySize) + " bytes"}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, domain.Errorf(domain.ErrTimeout, "Timeout while reading the request body")
	}
	if err != nil {
		return nil, bodyReadError(err)
	}
	return body, nil
}

// decodeBody reads a JSON body into v; malformed JSON is a FORMAT_ERROR.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return unmarshal(body, v)
}

// decodeEntity reads a body and decodes it with one of domain's decoders,
// which apply Hermes's defaults to absent fields.
func decodeEntity[T any](w http.ResponseWriter, r *http.Request, decode func([]byte) (T, error)) (T, error) {
	body, err := readBody(w, r)
	if err != nil {
		var zero T
		return zero, err
	}
	return decode(body)
}

func unmarshal(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if _, isDomain := errors.AsType[*domain.Error](err); err != nil && !isDomain {
		return domain.Errorf(domain.ErrFormat, "Malformed JSON: %s", err.Error())
	}
	return err
}

// readPatch returns a merge-patch body, which must be a JSON object.
func readPatch(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := unmarshal(body, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, domain.Errorf(domain.ErrFormat, "Malformed JSON: patch must be a JSON object")
	}
	return body, nil
}

// orEmpty makes a nil list render as [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// queryBool reads a boolean query parameter as JAX-RS does: "true" in any
// case is true, anything else false.
func queryBool(r *http.Request, name string) bool {
	return strings.EqualFold(r.URL.Query().Get(name), "true")
}

func (m *management) listGroups(w http.ResponseWriter, r *http.Request) {
	groups, err := m.svc.ListGroups(r.Context())
	m.respond(w, r, orEmpty(groups), err)
}

func (m *management) getGroup(w http.ResponseWriter, r *http.Request) {
	g, err := m.svc.GetGroup(r.Context(), r.PathValue("group"))
	m.respond(w, r, g, err)
}

func (m *management) createGroup(w http.ResponseWriter, r *http.Request) {
	var g domain.Group
	err := decodeBody(w, r, &g)
	if err == nil {
		err = m.svc.CreateGroup(r.Context(), g)
	}
	m.done(w, r, http.StatusCreated, err)
}

func (m *management) updateGroup(w http.ResponseWriter, r *http.Request) {
	patch, err := readPatch(w, r)
	if err == nil {
		err = m.svc.UpdateGroup(r.Context(), r.PathValue("group"), patch)
	}
	// Hermes answers a group update with 204, unlike the other updates.
	m.done(w, r, http.StatusNoContent, err)
}

func (m *management) deleteGroup(w http.ResponseWriter, r *http.Request) {
	m.done(w, r, http.StatusOK, m.svc.DeleteGroup(r.Context(), r.PathValue("group")))
}

func (m *management) listTopics(w http.ResponseWriter, r *http.Request) {
	topics, err := m.svc.ListTopics(r.Context(), r.URL.Query().Get("groupName"), queryBool(r, "tracked"))
	m.respond(w, r, orEmpty(topics), err)
}

func (m *management) getTopic(w http.ResponseWriter, r *http.Request) {
	t, err := m.svc.GetTopic(r.Context(), r.PathValue("topic"))
	m.respond(w, r, t, err)
}

func (m *management) createTopic(w http.ResponseWriter, r *http.Request) {
	t, err := decodeEntity(w, r, domain.DecodeTopic)
	if err == nil {
		err = m.svc.CreateTopic(r.Context(), t)
	}
	m.done(w, r, http.StatusCreated, err)
}

func (m *management) updateTopic(w http.ResponseWriter, r *http.Request) {
	patch, err := readPatch(w, r)
	if err == nil {
		err = m.svc.UpdateTopic(r.Context(), r.PathValue("topic"), patch)
	}
	m.done(w, r, http.StatusOK, err)
}

func (m *management) deleteTopic(w http.ResponseWriter, r *http.Request) {
	m.done(w, r, http.StatusOK, m.svc.DeleteTopic(r.Context(), r.PathValue("topic")))
}

func (m *management) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	subs, err := m.svc.ListSubscriptions(r.Context(), r.PathValue("topic"), queryBool(r, "tracked"))
	m.respond(w, r, orEmpty(subs), err)
}

// createSubscription passes the body's topicName as sent: the use case
// fills an empty one from the path and rejects a different one.
func (m *management) createSubscription(w http.ResponseWriter, r *http.Request) {
	s, err := decodeEntity(w, r, domain.DecodeSubscription)
	if err == nil {
		err = m.svc.CreateSubscription(r.Context(), r.PathValue("topic"), s)
	}
	m.done(w, r, http.StatusCreated, err)
}

func (m *management) getSubscription(w http.ResponseWriter, r *http.Request) {
	s, err := m.svc.GetSubscription(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
	m.respond(w, r, s.Masked(), err)
}

func (m *management) updateSubscription(w http.ResponseWriter, r *http.Request) {
	patch, err := readPatch(w, r)
	if err == nil {
		err = m.svc.UpdateSubscription(r.Context(), r.PathValue("topic"), r.PathValue("subscription"), patch)
	}
	m.done(w, r, http.StatusOK, err)
}

func (m *management) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	m.done(w, r, http.StatusOK, m.svc.DeleteSubscription(r.Context(), r.PathValue("topic"), r.PathValue("subscription")))
}

func (m *management) getState(w http.ResponseWriter, r *http.Request) {
	s, err := m.svc.GetSubscription(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
	m.respond(w, r, s.State, err)
}

// setState takes a JSON string ("ACTIVE", quotes included); a bare ACTIVE
// is malformed JSON, a FORMAT_ERROR, as in Hermes.
func (m *management) setState(w http.ResponseWriter, r *http.Request) {
	var state domain.State
	err := decodeBody(w, r, &state)
	if err == nil {
		err = m.svc.SetSubscriptionState(r.Context(), r.PathValue("topic"), r.PathValue("subscription"), state)
	}
	m.done(w, r, http.StatusOK, err)
}

func (m *management) retransmit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RetransmissionDate json.RawMessage `json:"retransmissionDate"`
	}
	err := decodeBody(w, r, &req)
	var at time.Time
	if err == nil {
		at, err = parseOffsetDateTime(req.RetransmissionDate)
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	offsets, err := m.svc.Retransmit(r.Context(), r.PathValue("topic"), r.PathValue("subscription"), at, queryBool(r, "dryRun"))
	m.respond(w, r, offsetSummary(offsets), err)
}

// parseOffsetDateTime reads a java.time.OffsetDateTime as Jackson does: an
// ISO offset date-time string (seconds optional), or epoch seconds with an
// optional fraction.
func parseOffsetDateTime(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, domain.Errorf(domain.ErrValidation, "retransmissionDate must not be null")
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var i domain.Instant
		if err := i.UnmarshalJSON(raw); err != nil {
			return time.Time{}, domain.Errorf(domain.ErrFormat, "retransmissionDate: cannot parse %s as an offset date-time", raw)
		}
		return i.Time, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, domain.Errorf(domain.ErrFormat, "retransmissionDate: cannot parse %q as an offset date-time like 2021-10-25T00:00:00+02:00", s)
}

func (m *management) undelivered(w http.ResponseWriter, r *http.Request) {
	traces, err := m.svc.Undelivered(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
	m.respond(w, r, orEmpty(traces), err)
}

// lastUndelivered answers 404 with an empty body when there is none.
func (m *management) lastUndelivered(w http.ResponseWriter, r *http.Request) {
	trace, err := m.svc.LastUndelivered(r.Context(), r.PathValue("topic"), r.PathValue("subscription"))
	if errors.Is(err, domain.ErrNotFound) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	m.respond(w, r, trace, err)
}

func (m *management) messageTraces(w http.ResponseWriter, r *http.Request) {
	traces, err := m.svc.MessageTraces(r.Context(), r.PathValue("topic"), r.PathValue("subscription"), r.PathValue("messageId"))
	m.respond(w, r, orEmpty(traces), err)
}
