package app

import (
	"context"
	"encoding/json"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// WithEndpointGuard makes subscription create and update refuse endpoints
// the SSRF guard denies (400 VALIDATION_ERROR); nil checks none. It
// returns m.
func (m *Management) WithEndpointGuard(g ports.EndpointGuard) *Management {
	m.endpointGuard = g
	return m
}

// checkEndpoint checks every address of endpoint: a BROADCAST endpoint
// lists several, and a denied one among them must not pass because the
// first is allowed. (An ANYCAST endpoint is split the same way: it only
// makes the check stricter.)
func (m *Management) checkEndpoint(ctx context.Context, endpoint string) error {
	if m.endpointGuard == nil {
		return nil
	}
	for _, a := range domain.BroadcastAddresses(endpoint) {
		if err := m.endpointGuard.CheckEndpoint(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// checkPatchedEndpoint checks the endpoint a subscription patch sets,
// before the update: the check may wait for DNS, which must not happen
// inside the store's read-modify-write. A patch without an endpoint keeps
// the stored one.
func (m *Management) checkPatchedEndpoint(ctx context.Context, patch []byte) error {
	if m.endpointGuard == nil {
		return nil
	}
	var p struct {
		Endpoint *string `json:"endpoint"`
	}
	if json.Unmarshal(patch, &p) != nil || p.Endpoint == nil {
		return nil // a malformed patch is refused by the update itself
	}
	return m.checkEndpoint(ctx, *p.Endpoint)
}
