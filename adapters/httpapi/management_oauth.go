package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// oauthRoutes serves Hermes's OAuthProvidersEndpoint when the management
// use cases implement ports.OAuthProviderService; client secrets are
// masked in every answer.
func (m *management) oauthRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.OAuthProviderService)
	if !ok {
		return
	}
	const base = "/oauth/providers"
	routes["GET "+base] = func(w http.ResponseWriter, r *http.Request) {
		v, err := svc.OAuthProviderNames(r.Context())
		m.respond(w, r, orEmpty(v), err)
	}
	routes["GET "+base+"/{name}"] = func(w http.ResponseWriter, r *http.Request) {
		p, err := svc.OAuthProvider(r.Context(), r.PathValue("name"))
		m.respond(w, r, p.Masked(), err)
	}
	routes["POST "+base] = func(w http.ResponseWriter, r *http.Request) {
		var p domain.OAuthProvider
		err := decodeBody(w, r, &p)
		if err == nil {
			err = svc.CreateOAuthProvider(r.Context(), p)
		}
		m.done(w, r, http.StatusCreated, err)
	}
	routes["PUT "+base+"/{name}"] = func(w http.ResponseWriter, r *http.Request) {
		patch, err := readPatch(w, r)
		if err == nil {
			err = svc.UpdateOAuthProvider(r.Context(), r.PathValue("name"), patch)
		}
		m.done(w, r, http.StatusOK, err)
	}
	routes["DELETE "+base+"/{name}"] = func(w http.ResponseWriter, r *http.Request) {
		m.done(w, r, http.StatusOK, svc.DeleteOAuthProvider(r.Context(), r.PathValue("name")))
	}
}
