package domain

import (
	"encoding/json"
	"time"
)

// AnonymousPrincipal is the audit log's name of a caller without identity.
const AnonymousPrincipal = "anonymous"

// AuditEntry is one management write as the audit log keeps it: who,
// what, how it ended, and the entity before and after (secrets masked).
type AuditEntry struct {
	Time time.Time `json:"time"`
	// Principal is the caller's name, AnonymousPrincipal when none.
	Principal string `json:"principal"`
	// AuthMethod is how the caller was identified ("jwt", "token",
	// "basic", "tls"); empty for anonymous callers.
	AuthMethod string `json:"authMethod,omitempty"`
	// Operation is the route that served the request
	// ("PUT /topics/{topic}"); empty when no route matched.
	Operation string `json:"operation"`
	// Kind and Name say which entity the write is about ("topic",
	// "g.t"); empty when the operation has no single entity.
	Kind   string `json:"kind,omitempty"`
	Name   string `json:"name,omitempty"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// Before and After are the entity's JSON, masked as GET shows it;
	// null when it did not exist or is not recorded for the kind.
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	// Limit is the most entries returned, newest first; 0 means all kept.
	Limit int
	// Since, when not zero, keeps entries at or after it.
	Since time.Time
	// Principal, when not empty, keeps that caller's entries.
	Principal string
}
