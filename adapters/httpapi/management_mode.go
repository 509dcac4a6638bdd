package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// modeRoutes serves Hermes's ModeEndpoint when the management use cases
// implement ports.ModeService; without it GET /mode is always readWrite.
func (m *management) modeRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.ModeService)
	if !ok {
		routes["GET /mode"] = func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, ports.ModeReadWrite) }
		return
	}
	routes["GET /mode"] = func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, svc.Mode()) }
	// Hermes answers a missing or unknown mode with a bare 400.
	routes["POST /mode"] = func(w http.ResponseWriter, r *http.Request) {
		mode := r.URL.Query().Get("mode")
		if mode == "" || svc.SetMode(r.Context(), mode) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// readOnlyFilter refuses changes while the mode is read-only, as Hermes's
// ReadOnlyFilter: every method but GET, except queries (/query...,
// /topics...query) and /mode itself, gets 503 OTHER. As in Hermes,
// administrators pass; with management authorization off nobody is one,
// so then nobody passes (Hermes's AllowAll makes everyone an admin).
func (m *management) readOnlyFilter(next http.Handler) http.Handler {
	svc, ok := m.svc.(ports.ModeService)
	if !ok {
		return next
	}
	authz, _ := m.svc.(ports.ManagementAuthorizer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		allowed := r.Method == http.MethodGet || strings.HasPrefix(p, "/query") || strings.HasPrefix(p, "/mode") ||
			(strings.HasPrefix(p, "/topics") && strings.HasSuffix(p, "query"))
		if !allowed && svc.ReadOnly() && (authz == nil || !authz.IsAdmin(r.Context())) {
			m.fail(w, r, domain.Errorf(domain.ErrReadOnly, "Action forbidden due to read-only mode"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// unescapeSegment decodes one escaped path segment; a malformed escape is
// kept as sent.
func unescapeSegment(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
