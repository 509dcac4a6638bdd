package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/hermes-go/hermes/domain"
)

// Hermes error codes (api/ErrorCode.java) used by this package.
const (
	codeValidation       = "VALIDATION_ERROR"
	codeFormat           = "FORMAT_ERROR"
	codeGroupNameInvalid = "GROUP_NAME_IS_INVALID"
	codeGroupNotExists   = "GROUP_NOT_EXISTS"
	codeGroupExists      = "GROUP_ALREADY_EXISTS"
	codeGroupNotEmpty    = "GROUP_NOT_EMPTY"
	codeTopicNotExists   = "TOPIC_NOT_EXISTS"
	codeTopicExists      = "TOPIC_ALREADY_EXISTS"
	codeTopicNotEmpty    = "TOPIC_NOT_EMPTY"
	codeSubNotExists     = "SUBSCRIPTION_NOT_EXISTS"
	codeSubExists        = "SUBSCRIPTION_ALREADY_EXISTS"
	codeOperationOff     = "OPERATION_DISABLED"
	codeTimeout          = "TIMEOUT"
	codeStoreTimeout     = "SENDING_TO_KAFKA_TIMEOUT"
	codeRetransmission   = "MOVING_SUBSCRIPTION_OFFSETS_VALIDATION_ERROR"
	codeInternal         = "INTERNAL_ERROR"
	codeSchemaMissing    = "SCHEMA_COULD_NOT_BE_LOADED"
	codeSchemaVersion    = "SCHEMA_VERSION_DOES_NOT_EXIST"
	codeSchemaExists     = "SCHEMA_ALREADY_EXISTS"
	codeSchemaBadRequest = "SCHEMA_BAD_REQUEST"
	codeSchemaMetadata   = "AVRO_SCHEMA_INVALID_METADATA"
	codeOther            = "OTHER"
	codePermission       = "PERMISSION_DENIED"
)

// errorCodes is the one table from domain sentinels to HTTP status and
// Hermes error code. Order matters: an error wrapping several sentinels
// gets the first match, so the more specific kinds come first.
// domain.ErrUnavailable and unknown errors are absent: each API renders
// them with its own code (management OTHER, frontend INTERNAL_ERROR), as
// 503 for a backend that cannot be reached and 500 for the rest.
var errorCodes = []struct {
	kind   error
	status int
	code   string
}{
	{domain.ErrGroupNameInvalid, http.StatusBadRequest, codeGroupNameInvalid},
	{domain.ErrGroupNotFound, http.StatusNotFound, codeGroupNotExists},
	{domain.ErrGroupAlreadyExists, http.StatusBadRequest, codeGroupExists},
	{domain.ErrGroupNotEmpty, http.StatusForbidden, codeGroupNotEmpty},
	{domain.ErrTopicNotFound, http.StatusNotFound, codeTopicNotExists},
	{domain.ErrTopicAlreadyExists, http.StatusBadRequest, codeTopicExists},
	{domain.ErrTopicNotEmpty, http.StatusForbidden, codeTopicNotEmpty},
	// Hermes answers a missing subscription with 400, not 404.
	{domain.ErrSubscriptionNotFound, http.StatusBadRequest, codeSubNotExists},
	{domain.ErrSubscriptionAlreadyExists, http.StatusBadRequest, codeSubExists},
	{domain.ErrOperationDisabled, http.StatusNotAcceptable, codeOperationOff},
	{domain.ErrRetransmission, http.StatusBadRequest, codeRetransmission},
	{domain.ErrSchemaNotFound, http.StatusInternalServerError, codeSchemaMissing},
	{domain.ErrSchemaVersionNotFound, http.StatusBadRequest, codeSchemaVersion},
	{domain.ErrSchemaAlreadyExists, http.StatusBadRequest, codeSchemaExists},
	{domain.ErrSchemaIncompatible, http.StatusBadRequest, codeSchemaBadRequest},
	{domain.ErrSchemaRejected, http.StatusBadRequest, codeSchemaBadRequest},
	{domain.ErrSchemaInvalidMetadata, http.StatusBadRequest, codeSchemaMetadata},
	// Hermes's InvalidSchemaException is a FORMAT_ERROR.
	{domain.ErrSchemaInvalid, http.StatusBadRequest, codeFormat},
	{domain.ErrMessageTooLarge, http.StatusBadRequest, codeValidation},
	{domain.ErrFormat, http.StatusBadRequest, codeFormat},
	// Hermes wraps its MatcherInputException in an IllegalArgumentException,
	// which it answers 400 OTHER.
	{domain.ErrQueryInput, http.StatusBadRequest, codeOther},
	{domain.ErrValidation, http.StatusBadRequest, codeValidation},
	{domain.ErrTimeout, http.StatusRequestTimeout, codeTimeout},
	{domain.ErrStoreTimeout, http.StatusServiceUnavailable, codeStoreTimeout},
	// Hermes's only 503 code for a store that does not take the message;
	// the message says why.
	{domain.ErrStoreUnavailable, http.StatusServiceUnavailable, codeStoreTimeout},
	// Hermes has no code for these; its JAX-RS mapper renders a bare
	// WebApplicationException as its status with OTHER.
	{domain.ErrNotFound, http.StatusNotFound, codeOther},
	// An entity whose stored data is broken cannot be served until an
	// operator repairs it; the message names it and says why.
	{domain.ErrCorrupt, http.StatusServiceUnavailable, codeOther},
	{domain.ErrConflict, http.StatusConflict, codeOther},
	{domain.ErrUnauthenticated, http.StatusUnauthorized, codeAuth},
	// Hermes's PermissionDeniedException (group creation, restricted
	// subscribing, retransmission rights).
	{domain.ErrPermissionDenied, http.StatusForbidden, codePermission},
}

// httpError is a failure decided by this adapter (bad media type, body too
// large, unknown route) rather than by a use case.
type httpError struct {
	status int
	code   string
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// errorStatus returns err's HTTP status and Hermes code; ok is false for
// errors that get the API's own code: 503 for domain.ErrUnavailable (a
// backend outage: the client may retry, possibly on another instance),
// 500 for unknown errors.
func errorStatus(err error) (status int, code string, ok bool) {
	if he, isHTTP := errors.AsType[*httpError](err); isHTTP {
		return he.status, he.code, true
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.kind) {
			return e.status, e.code, true
		}
	}
	if errors.Is(err, domain.ErrUnavailable) {
		return http.StatusServiceUnavailable, "", false
	}
	return http.StatusInternalServerError, "", false
}

// errorBody is Hermes's ErrorDescription.
type errorBody struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

// writeError sends Hermes's error JSON.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Message: msg, Code: code})
}

// writeJSON sends v as a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"response not serializable","code":"INTERNAL_ERROR"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeText sends a text/plain body.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// internalMessage is what a client is told of an internal failure: the
// message of a domain.Error in err's chain (written for clients), else a
// generic text. The cause itself stays in the log (logInternal): adapter
// errors carry file paths, addresses and vendor text that are no business
// of a client.
func internalMessage(err error) string {
	if e, ok := errors.AsType[*domain.Error](err); ok {
		return e.Message
	}
	return internalFailure
}

// internalFailure is the message of an internal failure without a
// domain.Error.
const internalFailure = "Internal server error; the cause is in the server log"

// logInternal logs an internal failure (a 500) where it is handled: once,
// at the HTTP boundary. Mapped errors are the client's or expected
// back-pressure (503) and are not logged at error level: an outage is
// logged once by the adapter that sees it, not at every request.
func logInternal(log *slog.Logger, r *http.Request, status int, err error) {
	if status == http.StatusServiceUnavailable {
		log.DebugContext(r.Context(), "request failed: backend unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
}

// statusRecorder captures what a handler would answer, without a body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(status int)      { s.status = status }

// withJSONFallback serves mux, but answers requests no pattern matches with
// Hermes error JSON (404, or 405 with Allow) instead of ServeMux's text.
func withJSONFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			writeError(w, http.StatusMethodNotAllowed, codeOther, "Method "+r.Method+" not allowed on "+r.URL.Path)
			return
		}
		writeError(w, http.StatusNotFound, codeOther, "Not found: "+r.URL.Path)
	})
}
