package domain

import (
	"fmt"
	"strings"
)

// OAuthProvider is Hermes's OAuthProvider: where consumers get tokens for
// subscriptions with an OAuth policy. Times are milliseconds.
type OAuthProvider struct {
	Name                     string `json:"name"`
	TokenEndpoint            string `json:"tokenEndpoint"`
	ClientID                 string `json:"clientId"`
	ClientSecret             string `json:"clientSecret"`
	TokenRequestInitialDelay *int   `json:"tokenRequestInitialDelay"`
	TokenRequestMaxDelay     *int   `json:"tokenRequestMaxDelay"`
	RequestTimeout           *int   `json:"requestTimeout"`
	// SocketTimeout defaults to 0 (none).
	SocketTimeout *int `json:"socketTimeout"`
}

// maskedSecret is how Hermes renders a provider's client secret.
const maskedSecret = "******"

// Masked returns p with the client secret hidden, as Hermes's GET does.
func (p OAuthProvider) Masked() OAuthProvider {
	p.ClientSecret = maskedSecret
	return p
}

// WithDefaults fills socketTimeout as Hermes's constructor does.
func (p OAuthProvider) WithDefaults() OAuthProvider {
	if p.SocketTimeout == nil {
		zero := 0
		p.SocketTimeout = &zero
	}
	return p
}

// Validate applies Hermes's bean-validation rules of OAuthProvider.
func (p OAuthProvider) Validate() error {
	var v []string
	if p.Name == "" {
		v = append(v, "name must not be empty")
	} else if !NamePattern.MatchString(p.Name) {
		v = append(v, fmt.Sprintf("name must match %q", NamePattern.String()))
	}
	for _, f := range []struct{ name, value string }{{"tokenEndpoint", p.TokenEndpoint}, {"clientId", p.ClientID}, {"clientSecret", p.ClientSecret}} {
		if f.value == "" {
			v = append(v, f.name+" must not be empty")
		}
	}
	for _, f := range []struct {
		name     string
		value    *int
		min, max int
	}{
		{"tokenRequestInitialDelay", p.TokenRequestInitialDelay, 0, 3_600_000},
		{"tokenRequestMaxDelay", p.TokenRequestMaxDelay, 0, 3_600_000},
		{"requestTimeout", p.RequestTimeout, 100, 60_000},
		{"socketTimeout", p.SocketTimeout, 0, 60_000},
	} {
		switch {
		case f.value == nil:
			v = append(v, f.name+" must not be null")
		case *f.value < f.min:
			v = append(v, fmt.Sprintf("%s must be greater than or equal to %d", f.name, f.min))
		case *f.value > f.max:
			v = append(v, fmt.Sprintf("%s must be less than or equal to %d", f.name, f.max))
		}
	}
	if len(v) > 0 {
		return Errorf(ErrValidation, "%s", strings.Join(v, "; "))
	}
	return nil
}
