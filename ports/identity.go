package ports

import (
	"context"
	"crypto/x509"

	"github.com/hermes-go/hermes/domain"
)

// Credentials are what a request presents to prove who sends it, taken
// from the transport by the HTTP adapters.
type Credentials struct {
	// Authorization is the request's Authorization header ("Bearer ...",
	// "Basic ..."), empty when absent.
	Authorization string
	// PeerCertificates are the verified client certificate chain of a TLS
	// connection (leaf first); empty without TLS or a client certificate.
	PeerCertificates []*x509.Certificate
}

// Authenticator establishes who sends a request. Implementations are safe
// for concurrent use.
type Authenticator interface {
	// Authenticate returns the caller's principal. Credentials that carry
	// nothing it recognises give the anonymous principal and a nil error;
	// credentials that are presented but fail (a bad signature, an expired
	// or wrong-audience token, a wrong password) give an error wrapping
	// domain.ErrUnauthenticated, answered 401. Errors wrapping
	// domain.ErrUnavailable (an issuer's JWKS cannot be fetched) are 503.
	Authenticate(ctx context.Context, c Credentials) (domain.Principal, error)
}
