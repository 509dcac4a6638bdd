package ports

import "context"

// DatacenterReadiness is Hermes's DatacenterReadiness.
type DatacenterReadiness struct {
	Datacenter string `json:"datacenter"`
	// Status is READY or NOT_READY.
	Status string `json:"status"`
}

// ReadinessService is the driving port of Hermes's /readiness/datacenters.
type ReadinessService interface {
	// DatacentersReadiness lists every known datacenter's readiness
	// (READY unless set otherwise).
	DatacentersReadiness(ctx context.Context) ([]DatacenterReadiness, error)
	// SetReadiness records a datacenter's readiness.
	SetReadiness(ctx context.Context, datacenter string, ready bool) error
}
