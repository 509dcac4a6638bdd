package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestKeepMaskedSecretsRestoresTheOAuthPassword(t *testing.T) {
	t.Parallel()
	stored := domain.NewSubscription()
	stored.Endpoint = "http://localhost/"
	stored.OAuthPolicy = &domain.OAuthPolicy{GrantType: "password", ProviderName: "p", Username: "u", Password: "pw"}

	got, err := stored.Masked().KeepMaskedSecrets(stored)
	require.NoError(t, err)
	assert.Equal(t, "pw", got.OAuthPolicy.Password)
	assert.Equal(t, "******", stored.Masked().OAuthPolicy.Password, "the stored policy is not touched")

	other := stored.Masked()
	p := *other.OAuthPolicy
	p.Username = "v"
	other.OAuthPolicy = &p
	_, err = other.KeepMaskedSecrets(stored)
	assert.ErrorIs(t, err, domain.ErrValidation)

	unmasked := stored
	unmasked.Endpoint = "http://a:b@localhost/"
	got, err = unmasked.KeepMaskedSecrets(stored)
	require.NoError(t, err)
	assert.Equal(t, unmasked, got, "nothing masked: nothing changes")
}
