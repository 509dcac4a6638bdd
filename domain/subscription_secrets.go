package domain

// The masks Masked puts in place of secrets, as Hermes renders them.
const (
	maskedEndpointPassword = "*****"
	maskedOAuthPassword    = "******"
)

// KeepMaskedSecrets returns s, an update of stored, with every secret
// still shown as Masked renders it replaced by the stored one: writing
// back what GET returned keeps the password instead of storing the mask.
// A mask is kept only for the same account (the endpoint's user, the
// OAuth policy's username); a masked password for another account is a
// validation error, since there is no password to keep.
//
// Hermes does not do this: its update stores the mask as the password.
func (s Subscription) KeepMaskedSecrets(stored Subscription) (Subscription, error) {
	if user, pw, ok := EndpointCredentials(s.Endpoint); ok && pw == maskedEndpointPassword {
		storedUser, storedPW, had := EndpointCredentials(stored.Endpoint)
		if !had || storedUser != user {
			return Subscription{}, Errorf(ErrValidation,
				"endpoint password of %q is masked (%s): send the password itself", user, maskedEndpointPassword)
		}
		m := credentialsPattern.FindStringSubmatch(s.Endpoint)
		s.Endpoint = m[1] + "://" + user + ":" + storedPW + "@" + m[5]
	}
	if p := s.OAuthPolicy; p != nil && p.Password == maskedOAuthPassword {
		old := stored.OAuthPolicy
		if old == nil || old.Username != p.Username || old.Password == "" {
			return Subscription{}, Errorf(ErrValidation,
				"oAuthPolicy password of %q is masked (%s): send the password itself", p.Username, maskedOAuthPassword)
		}
		kept := *p
		kept.Password = old.Password
		s.OAuthPolicy = &kept
	}
	return s, nil
}

// KeepMaskedSecret returns p, an update of stored, with a client secret
// still shown as Masked renders it replaced by the stored one, for the
// same clientId; a masked secret for another clientId is a validation
// error. Hermes stores the mask.
func (p OAuthProvider) KeepMaskedSecret(stored OAuthProvider) (OAuthProvider, error) {
	if p.ClientSecret != maskedSecret {
		return p, nil
	}
	if p.ClientID != stored.ClientID || stored.ClientSecret == "" {
		return OAuthProvider{}, Errorf(ErrValidation, "clientSecret of %q is masked (%s): send the secret itself", p.ClientID, maskedSecret)
	}
	p.ClientSecret = stored.ClientSecret
	return p, nil
}
