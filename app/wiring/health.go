package wiring

import (
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/ports"
)

// healthGroup is the fx value group every ports.HealthCheck of the process
// joins; provide one with asHealthCheck.
const healthGroup = `group:"health"`

// asHealthCheck provides what f returns as a member of the health group,
// e.g. fx.Provide(asHealthCheck(func(s *filestore.Store) ports.HealthCheck { return s })).
func asHealthCheck(f any) any {
	return fx.Annotate(f, fx.ResultTags(healthGroup))
}

// healthChecks is every check of the process, for readiness and health.
type healthChecks struct {
	fx.In
	Checks []ports.HealthCheck `group:"health"`
}

// health is the process's ports.HealthService over its checks.
type health []ports.HealthCheck

func (h health) Health() ports.HealthReport { return ports.CollectHealth(h) }

func (h health) ready() bool { return h.Health().Ready() }

// without is h less the checks named name. The frontend's readiness leaves
// out the metadata store: it publishes from its topic cache while the
// store is away, so a ZooKeeper outage must not take it out of a load
// balancer (Hermes's frontend readiness does not depend on ZooKeeper
// either).
func (h health) without(name string) health {
	var out health
	for _, c := range h {
		if c.Health().Name != name {
			out = append(out, c)
		}
	}
	return out
}
