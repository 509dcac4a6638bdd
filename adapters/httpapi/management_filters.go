package httpapi

import (
	"net/http"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// filtersInput is Hermes's MessageFiltersVerificationInput JSON: message is
// a byte array, so base64 in JSON.
type filtersInput struct {
	Filters []domain.MessageFilter `json:"filters"`
	Message []byte                 `json:"message"`
}

// filterRoutes registers POST /filters/{topic} (Hermes's FilterEndpoint:
// which filters a message passes) when the management use cases
// implement ports.FilterService.
func (m *management) filterRoutes(routes map[string]http.HandlerFunc) {
	svc, ok := m.svc.(ports.FilterService)
	if !ok {
		return
	}
	routes["POST /filters/{topic}"] = func(w http.ResponseWriter, r *http.Request) {
		var in filtersInput
		if err := decodeBody(w, r, &in); err != nil {
			m.fail(w, r, err)
			return
		}
		if in.Message == nil {
			m.fail(w, r, domain.Errorf(domain.ErrValidation, "message must not be null"))
			return
		}
		v, err := svc.VerifyFilters(r.Context(), r.PathValue("topic"), in.Filters, in.Message)
		m.respond(w, r, v, err)
	}
}
