package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/domain"
)

// Hermes error codes of the management features beyond groups, topics
// and subscriptions.
const (
	codeOwnerSourceNotFound     = "OWNER_SOURCE_NOT_FOUND"
	codeOwnerNotFound           = "OWNER_NOT_FOUND"
	codeOwnerNoAutocomplete     = "OWNER_SOURCE_DOESNT_SUPPORT_AUTOCOMPLETE"
	codeImplementationAbsent    = "IMPLEMENTATION_ABSENT"
	codeOAuthProviderNotExists  = "OAUTH_PROVIDER_NOT_EXISTS"
	codeOAuthProviderExists     = "OAUTH_PROVIDER_ALREADY_EXISTS"
	codeTopicConstraintsExist   = "TOPIC_CONSTRAINTS_ALREADY_EXIST"
	codeTopicConstraintsMissing = "TOPIC_CONSTRAINTS_DO_NOT_EXIST"
	codeSubConstraintsExist     = "SUBSCRIPTION_CONSTRAINTS_ALREADY_EXIST"
	codeSubConstraintsMissing   = "SUBSCRIPTION_CONSTRAINTS_DO_NOT_EXIST"
)

// The admin sentinels join the one error table; they wrap no other
// sentinel, so their place at its end does not matter.
func init() {
	errorCodes = append(errorCodes, []struct {
		kind   error
		status int
		code   string
	}{
		{domain.ErrOwnerSourceNotFound, http.StatusNotFound, codeOwnerSourceNotFound},
		{domain.ErrOwnerNotFound, http.StatusNotFound, codeOwnerNotFound},
		{domain.ErrOwnerAutocompleteUnsupported, http.StatusBadRequest, codeOwnerNoAutocomplete},
		// Hermes refuses with a JAX-RS ServiceUnavailableException: 503 OTHER.
		{domain.ErrReadOnly, http.StatusServiceUnavailable, codeOther},
		{domain.ErrImplementationAbsent, http.StatusNotFound, codeImplementationAbsent},
		{domain.ErrOAuthProviderNotFound, http.StatusNotFound, codeOAuthProviderNotExists},
		{domain.ErrOAuthProviderAlreadyExists, http.StatusBadRequest, codeOAuthProviderExists},
		{domain.ErrTopicConstraintsAlreadyExist, http.StatusBadRequest, codeTopicConstraintsExist},
		{domain.ErrTopicConstraintsNotFound, http.StatusBadRequest, codeTopicConstraintsMissing},
		{domain.ErrSubscriptionConstraintsAlreadyExist, http.StatusBadRequest, codeSubConstraintsExist},
		{domain.ErrSubscriptionConstraintsNotFound, http.StatusBadRequest, codeSubConstraintsMissing},
	}...)
}
