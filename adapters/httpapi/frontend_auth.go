package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/domain"
)

// FrontendAuth says who may publish. Identity itself is established
// before the frontend by WithIdentity; this reads the principal it left
// on the request context.
type FrontendAuth struct {
	// Required refuses every publish of an anonymous caller with 401
	// AUTH_ERROR (Hermes's frontend.handlers.authentication.enabled with
	// authentication required), before the topic is looked up.
	Required bool
	// PublisherRole is the role a caller needs, besides being listed in
	// auth.publishers, to publish to a topic with auth enabled (Hermes
	// requires its PUBLISHER role). Empty: being listed is enough.
	// DefaultFrontendConfig sets domain.DefaultPublisherRole.
	PublisherRole string
	// Challenges are the WWW-Authenticate values of a 401.
	Challenges []string
}

// unauthenticated answers a publish that needs credentials and has none.
func (a FrontendAuth) unauthenticated(w http.ResponseWriter, r *http.Request) bool {
	if !a.Required || !domain.PrincipalFrom(r.Context()).Anonymous() {
		return false
	}
	for _, c := range a.Challenges {
		w.Header().Add("WWW-Authenticate", c)
	}
	writeError(w, http.StatusUnauthorized, codeAuth, "Authentication required")
	return true
}

// forbidden answers a publish that topic's auth block does not allow,
// with Hermes's 403 AUTH_ERROR "Permission denied.". Topics without auth
// cost one branch.
func (a FrontendAuth) forbidden(w http.ResponseWriter, r *http.Request, topic domain.Topic) bool {
	if !topic.Auth.Enabled || topic.Auth.MayPublish(domain.PrincipalFrom(r.Context()), a.PublisherRole) {
		return false
	}
	writeError(w, http.StatusForbidden, codeAuth, "Permission denied.")
	return true
}
