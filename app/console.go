package app

import (
	"context"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Console implements ports.ConsoleService: the configuration, fixed at
// startup, with the values Hermes takes from the management rules rather
// than from the console section.
type Console struct {
	cfg ports.ConsoleConfig
}

var _ ports.ConsoleService = (*Console)(nil)

// NewConsole returns the console configuration use case. As in Hermes, the
// topic form's content types are the accepted ones (both, here) and
// group.nonAdminCreationEnabled is the management rule's value (the
// wiring sets it from security.management). Nil lists and maps render as
// [] and {}.
func NewConsole(cfg ports.ConsoleConfig) *Console {
	cfg.Topic.ContentTypes = []ports.ConsoleOption{
		{Value: string(domain.ContentTypeAvro), Label: string(domain.ContentTypeAvro)},
		{Value: string(domain.ContentTypeJSON), Label: string(domain.ContentTypeJSON)},
	}
	cfg.Console.KnownEnvironments = orNone(cfg.Console.KnownEnvironments)
	cfg.Owner.Sources = orNone(cfg.Owner.Sources)
	cfg.Topic.RetentionUnits = orNone(cfg.Topic.RetentionUnits)
	cfg.Subscription.DeliveryTypes = orNone(cfg.Subscription.DeliveryTypes)
	if cfg.Subscription.EndpointAddressResolverMetadata == nil {
		cfg.Subscription.EndpointAddressResolverMetadata = map[string]ports.ConsoleResolverMetadata{}
	}
	return &Console{cfg: cfg}
}

// ConsoleConfiguration returns the configuration.
func (c *Console) ConsoleConfiguration(context.Context) ports.ConsoleConfig { return c.cfg }

func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
