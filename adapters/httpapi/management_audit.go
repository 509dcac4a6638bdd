package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// auditRoutes serves GET /audit when the management use cases implement
// ports.AuditLog: the newest management writes, newest first, filtered by
// ?since= (RFC 3339), ?principal= and ?limit= (default 100).
func (m *management) auditRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.AuditLog)
	if !ok {
		return
	}
	routes["GET /audit"] = func(w http.ResponseWriter, r *http.Request) {
		q, err := auditQuery(r.URL.Query())
		if err != nil {
			m.fail(w, r, err)
			return
		}
		v, err := svc.AuditEntries(r.Context(), q)
		m.respond(w, r, orEmpty(v), err)
	}
}

// defaultAuditLimit is how many entries GET /audit returns without ?limit=.
const defaultAuditLimit = 100

func auditQuery(v url.Values) (domain.AuditQuery, error) {
	q := domain.AuditQuery{Limit: defaultAuditLimit, Principal: v.Get("principal")}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, domain.Errorf(domain.ErrValidation, "limit %q: want a positive number", s)
		}
		q.Limit = n
	}
	if s := v.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return q, domain.Errorf(domain.ErrValidation, "since %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", s)
		}
		q.Since = t
	}
	return q, nil
}

// audited records every request to next that may change something (any
// method but GET, HEAD and OPTIONS, except the queries and filter
// checks, which only read), whatever its outcome: also refusals by the
// read-only mode, by permissions, and requests no route matches. mux
// names the route.
func (m *management) audited(mux *http.ServeMux, next http.Handler) http.Handler {
	audit, ok := m.svc.(ports.AuditLog)
	if !ok {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		_, pattern := mux.Handler(r)
		if access, ok := managementPermissions[pattern]; ok && access <= ports.AccessRead {
			// The POST routes that change nothing: queries and filter checks.
			next.ServeHTTP(w, r)
			return
		}
		p := domain.PrincipalFrom(r.Context())
		e := domain.AuditEntry{Time: time.Now().UTC(), Principal: p.Name, AuthMethod: p.Method, Operation: pattern,
			Method: r.Method, Path: r.URL.Path}
		if p.Anonymous() {
			e.Principal = domain.AnonymousPrincipal
		}
		t := m.auditTarget(pattern, r)
		e.Kind, e.Name = t.kind, t.name
		ctx := context.WithoutCancel(r.Context()) // the after read runs when the client may be gone
		if t.read != nil {
			e.Before = t.read(ctx)
		}
		rec := &auditRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		e.Status = rec.status
		if t.read != nil {
			e.After = t.read(ctx)
		}
		audit.RecordAudit(ctx, e)
	})
}

// auditRecorder passes the answer through and keeps its status.
type auditRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (a *auditRecorder) WriteHeader(status int) {
	if !a.written {
		a.status, a.written = status, true
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *auditRecorder) Write(b []byte) (int, error) {
	a.written = true
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (a *auditRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// auditTarget is the entity a write is about and how to read it, masked.
type auditTarget struct {
	kind, name string
	read       func(ctx context.Context) json.RawMessage // nil: not recorded for the kind
}

// auditTarget finds the entity of route pattern in the path, or in the
// body for creates (which is read and put back for the handler).
func (m *management) auditTarget(pattern string, r *http.Request) auditTarget {
	vars := pathValues(pattern, r.URL.EscapedPath())
	route := pattern[strings.IndexByte(pattern, ' ')+1:]
	topic, sub := vars["topic"], vars["subscription"]
	switch {
	case route == "/groups" || route == "/groups/{group}":
		name := vars["group"]
		if name == "" {
			name = bodyField(r, "groupName")
		}
		return auditTarget{kind: "group", name: name, read: readAs(func(ctx context.Context) (any, error) { return m.svc.GetGroup(ctx, name) })}
	case route == "/topics" || route == "/topics/{topic}":
		if topic == "" {
			topic = bodyField(r, "name")
		}
		return auditTarget{kind: "topic", name: topic, read: readAs(func(ctx context.Context) (any, error) { return m.svc.GetTopic(ctx, topic) })}
	case route == "/topics/{topic}/schema":
		return auditTarget{kind: "schema", name: topic}
	case strings.HasSuffix(route, "/retransmission"):
		return auditTarget{kind: "subscription", name: topic + "." + sub}
	case strings.HasPrefix(route, "/topics/{topic}/subscriptions"):
		if sub == "" {
			sub = bodyField(r, "name")
		}
		return auditTarget{kind: "subscription", name: topic + "." + sub, read: readAs(func(ctx context.Context) (any, error) {
			s, err := m.svc.GetSubscription(ctx, topic, sub)
			return s.Masked(), err
		})}
	case strings.HasPrefix(route, "/oauth/providers"):
		svc, ok := m.svc.(ports.OAuthProviderService)
		name := vars["name"]
		if name == "" {
			name = bodyField(r, "name")
		}
		t := auditTarget{kind: "oauthProvider", name: name}
		if ok {
			t.read = readAs(func(ctx context.Context) (any, error) {
				p, err := svc.OAuthProvider(ctx, name)
				return p.Masked(), err
			})
		}
		return t
	case route == "/mode":
		t := auditTarget{kind: "mode", name: r.URL.Query().Get("mode")}
		if svc, ok := m.svc.(ports.ModeService); ok {
			t.read = readAs(func(context.Context) (any, error) { return svc.Mode(), nil })
		}
		return t
	case strings.HasPrefix(route, "/workload-constraints/topic"):
		if topic == "" {
			topic = bodyField(r, "topicName")
		}
		return auditTarget{kind: "topicConstraints", name: topic}
	case strings.HasPrefix(route, "/workload-constraints/subscription"):
		name := bodyField(r, "subscriptionName")
		if sub != "" {
			name = topic + "$" + sub
		}
		return auditTarget{kind: "subscriptionConstraints", name: name}
	case strings.HasPrefix(route, "/offline-retransmission/tasks"):
		return auditTarget{kind: "offlineRetransmissionTask", name: vars["id"]}
	case strings.HasPrefix(route, "/readiness/datacenters/"):
		return auditTarget{kind: "datacenterReadiness", name: vars["datacenter"]}
	}
	return auditTarget{}
}

// readAs renders what read returns as JSON; an error (the entity does
// not exist, or cannot be read now) is null.
func readAs(read func(ctx context.Context) (any, error)) func(ctx context.Context) json.RawMessage {
	return func(ctx context.Context) json.RawMessage {
		v, err := read(ctx)
		if err != nil {
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		return b
	}
}

// bodyField returns a string field of the JSON body, putting the body
// back for the handler; "" when absent or the body is not JSON. It reads
// at most MaxManagementBodySize+1 bytes, so the handler still sees an
// oversized body as oversized, and a failed read as failed.
func bodyField(r *http.Request, field string) string {
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxManagementBodySize+1))
	rest := r.Body
	if err != nil {
		rest = io.NopCloser(errReader{err})
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(fields[field], &s) != nil {
		return ""
	}
	return s
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// pathValues matches an escaped request path against a ServeMux
// pattern's path ("PUT /topics/{topic}") and returns its wildcards,
// unescaped; none when they do not line up.
func pathValues(pattern, path string) map[string]string {
	route := pattern[strings.IndexByte(pattern, ' ')+1:]
	want, got := strings.Split(route, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return nil
	}
	vars := map[string]string{}
	for i, seg := range want {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && seg != "{$}" {
			vars[seg[1:len(seg)-1]] = unescapeSegment(got[i])
		}
	}
	return vars
}
