package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// codeAuth is Hermes's AUTH_ERROR: its frontend answers a publish the
// topic's auth block forbids with it, its management an AuthException.
// Hermes has no code of its own for 401 (Undertow answers bare 401s), so
// failed authentication gets this code too.
const codeAuth = "AUTH_ERROR"

// WithIdentity establishes who sends each request before next sees it:
// it passes the request's Authorization header and verified TLS client
// certificates to a, and puts a non-anonymous principal on the request
// context (domain.WithPrincipal). Credentials that are presented but
// wrong get 401 AUTH_ERROR, with a WWW-Authenticate challenge for each of
// challenges (e.g. `Bearer`, `Basic realm="hermes"`); an authenticator
// that cannot decide (an issuer's keys unreachable) gets 503 OTHER.
//
// With a nil a, next is returned as it is: identity that is off costs
// nothing per request.
func WithIdentity(next http.Handler, a ports.Authenticator, challenges []string, log *slog.Logger) http.Handler {
	if a == nil {
		return next
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := ports.Credentials{Authorization: r.Header.Get("Authorization")}
		if r.TLS != nil {
			c.PeerCertificates = r.TLS.PeerCertificates
		}
		p, err := a.Authenticate(r.Context(), c)
		if err != nil {
			identityFailed(w, r, err, challenges, log)
			return
		}
		// The anonymous principal is what a context without one gives:
		// no context to allocate for it.
		if !p.Anonymous() {
			r = r.WithContext(domain.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// identityFailed answers a failed authentication. The message is the
// domain.Error's, which names what failed and never the credentials.
func identityFailed(w http.ResponseWriter, r *http.Request, err error, challenges []string, log *slog.Logger) {
	status, code, ok := errorStatus(err)
	if status == http.StatusUnauthorized {
		for _, c := range challenges {
			w.Header().Add("WWW-Authenticate", c)
		}
		writeError(w, status, code, domain.ErrorMessage(err))
		return
	}
	if !ok {
		code = codeOther
	}
	logInternal(log, r, status, err)
	writeError(w, status, code, "Authentication not possible now: "+internalMessage(err))
}
