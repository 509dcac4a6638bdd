package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// Hermes's MessageFiltersVerificationResult statuses.
const (
	FiltersMatched    = "MATCHED"
	FiltersNotMatched = "NOT_MATCHED"
	FiltersError      = "ERROR"
)

// FiltersVerification is Hermes's MessageFiltersVerificationResult JSON.
// ErrorMessage is absent unless a filter, or reading the message, failed:
// Hermes's management mapper leaves null fields out (NON_NULL inclusion).
type FiltersVerification struct {
	Status       string  `json:"status"`
	ErrorMessage *string `json:"errorMessage,omitempty"`
}

// FilterService is Hermes's FilterEndpoint (POST /filters/{topic}).
type FilterService interface {
	// VerifyFilters says whether message (JSON; converted to Avro with the
	// topic's latest schema for AVRO topics) passes filters, applied as a
	// subscription of topic applies them. domain.ErrTopicNotFound;
	// domain.ErrValidation for filters that do not compile.
	VerifyFilters(ctx context.Context, topic string, filters []domain.MessageFilter, message []byte) (FiltersVerification, error)
}
