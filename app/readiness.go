package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Readiness implements ports.ReadinessService as Hermes's ReadinessService:
// the readiness list is the node datacenter-readiness
// ({"datacenters":[{"datacenter","status"}]}); the known datacenters are
// this installation's one (message_store.cluster_name).
type Readiness struct {
	nodes       ports.NodeStore
	datacenters []string
}

var _ ports.ReadinessService = (*Readiness)(nil)

// NewReadiness returns the readiness use cases for the given datacenters.
func NewReadiness(nodes ports.NodeStore, datacenters ...string) *Readiness {
	return &Readiness{nodes: nodes, datacenters: datacenters}
}

type readinessList struct {
	Datacenters []ports.DatacenterReadiness `json:"datacenters"`
}

// stored reads the list; a missing or unreadable node is an empty list,
// as in Hermes.
func (r *Readiness) stored(ctx context.Context) ([]ports.DatacenterReadiness, error) {
	b, err := r.nodes.Node(ctx, "", ports.NodeReadiness)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var l readinessList
	if json.Unmarshal(b, &l) != nil {
		return nil, nil
	}
	return l.Datacenters, nil
}

// DatacentersReadiness lists the known datacenters, READY unless stored
// otherwise.
func (r *Readiness) DatacentersReadiness(ctx context.Context) ([]ports.DatacenterReadiness, error) {
	stored, err := r.stored(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ports.DatacenterReadiness, 0, len(r.datacenters))
	for _, dc := range r.datacenters {
		status := "READY"
		for _, s := range stored {
			if s.Datacenter == dc {
				status = s.Status
			}
		}
		out = append(out, ports.DatacenterReadiness{Datacenter: dc, Status: status})
	}
	return out, nil
}

// SetReadiness stores one datacenter's readiness with the known ones'.
func (r *Readiness) SetReadiness(ctx context.Context, datacenter string, ready bool) error {
	stored, err := r.stored(ctx)
	if err != nil {
		return err
	}
	status := "NOT_READY"
	if ready {
		status = "READY"
	}
	var list []ports.DatacenterReadiness
	for _, dc := range r.datacenters {
		for _, s := range stored {
			if s.Datacenter == dc && dc != datacenter {
				list = append(list, s)
			}
		}
	}
	list = append(list, ports.DatacenterReadiness{Datacenter: datacenter, Status: status})
	b, err := json.Marshal(readinessList{Datacenters: list})
	if err != nil {
		return fmt.Errorf("readiness: encode: %w", err)
	}
	_, err = r.nodes.SetNode(ctx, "", ports.NodeReadiness, b)
	return err
}
