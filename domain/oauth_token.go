package domain

import (
	"log/slog"
	"time"
)

// OAuth grant types of a subscription's oAuthPolicy, as Hermes names them
// in JSON, and the grant_type values they are sent as (RFC 6749).
const (
	GrantClientCredentials = "clientCredentials"
	GrantPassword          = "password"
)

// TokenRequest is one request for an access token at a provider's token
// endpoint: the provider's client and timeouts with the subscription's
// grant. It carries secrets, so its String and LogValue hide them.
type TokenRequest struct {
	// Endpoint is the provider's tokenEndpoint.
	Endpoint string
	// GrantType is GrantClientCredentials or GrantPassword.
	GrantType string
	// Scope is sent when not empty.
	Scope        string
	ClientID     string
	ClientSecret string
	// Username and Password are the resource owner's, sent for GrantPassword only.
	Username string
	Password string
	// Timeout bounds the whole request (the provider's requestTimeout);
	// SocketTimeout, when not 0, bounds waiting for bytes (socketTimeout).
	Timeout       time.Duration
	SocketTimeout time.Duration
}

// NewTokenRequest is the request for policy's token at provider.
func NewTokenRequest(provider OAuthProvider, policy OAuthPolicy) TokenRequest {
	r := TokenRequest{Endpoint: provider.TokenEndpoint, GrantType: policy.GrantType, Scope: policy.Scope,
		ClientID: provider.ClientID, ClientSecret: provider.ClientSecret}
	if policy.GrantType == GrantPassword {
		r.Username, r.Password = policy.Username, policy.Password
	}
	if provider.RequestTimeout != nil {
		r.Timeout = time.Duration(*provider.RequestTimeout) * time.Millisecond
	}
	if provider.SocketTimeout != nil {
		r.SocketTimeout = time.Duration(*provider.SocketTimeout) * time.Millisecond
	}
	return r
}

// String shows the request without its secrets.
func (r TokenRequest) String() string {
	return "token request " + r.GrantType + " for client " + r.ClientID + " at " + r.Endpoint
}

// GoString is String, so %#v hides the secrets too.
func (r TokenRequest) GoString() string { return r.String() }

// LogValue keeps the secrets out of structured logs.
func (r TokenRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", r.Endpoint), slog.String("grant_type", r.GrantType), slog.String("client_id", r.ClientID))
}

// AccessToken is a token a provider issued.
type AccessToken struct {
	// Value is sent as "Authorization: Bearer <Value>".
	Value string
	// ExpiresIn is the provider's expires_in; 0 when it sent none.
	ExpiresIn time.Duration
}

// String hides the token's value.
func (t AccessToken) String() string { return "access token (expires in " + t.ExpiresIn.String() + ")" }

// GoString is String.
func (t AccessToken) GoString() string { return t.String() }

// LogValue keeps the value out of structured logs.
func (t AccessToken) LogValue() slog.Value { return slog.DurationValue(t.ExpiresIn) }
