package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// EndpointGuardRefusalsMetric counts the delivery attempts the SSRF guard
// refused at dial time (each also counts as subscription.other-errors).
const EndpointGuardRefusalsMetric = "subscription.endpoint-guard-refusals"

// endpointSender wraps a subscription's sender so that an endpoint whose
// address cannot be parsed or resolved gives a clear failure reason, with
// the endpoint masked, and is logged once per subscription (not once per
// retry). The attempt stays a failure retried per the policy: a DNS entry
// or a fixed subscription may come back.
type endpointSender struct {
	ports.Sender
	log  *slog.Logger
	once sync.Once
}

func (s *endpointSender) Send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	res := s.Sender.Send(ctx, req)
	problem := endpointProblem(res.Err)
	if problem == "" {
		return res
	}
	res.Err = fmt.Errorf("endpoint %s %s: %w", shownEndpoint(req.Endpoint), problem, res.Err)
	s.once.Do(func() {
		s.log.Error("subscriber endpoint address is unusable; retrying per the subscription policy", "endpoint", shownEndpoint(req.Endpoint), "err", res.Err)
	})
	return res
}

// endpointProblem names what is wrong with the endpoint's address, or ""
// for other failures.
func endpointProblem(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, domain.ErrEndpointForbidden):
		return "is refused by the endpoint guard"
	case errors.Is(err, domain.ErrValidation):
		return "is not a valid http(s) address"
	}
	// AsType, not As: a target variable would escape, an allocation for
	// every message sent.
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return "cannot be resolved"
	}
	return ""
}

// shownEndpoint is the endpoint as logs and traces may show it: with its
// password masked as Hermes does, or hidden entirely when the mask cannot
// find the credentials in it (a malformed endpoint might still carry them).
func shownEndpoint(endpoint string) string {
	m := domain.MaskEndpoint(endpoint)
	if strings.Contains(m, ":*****@") || !strings.Contains(m, "@") {
		return m
	}
	return "(hidden: its credentials cannot be masked)"
}
