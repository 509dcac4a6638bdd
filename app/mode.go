package app

import (
	"context"
	"sync/atomic"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// ManagementMode implements ports.ModeService for this management process, in
// memory as Hermes keeps it (each management instance has its own).
// It starts readWrite: Hermes starts read-only and turns read-write once
// its metadata store health check passes, which the store's opening at
// startup already proved here.
type ManagementMode struct {
	mode atomic.Value // string
	// storage, when set, is the metadata store's health: while it is down
	// a readWrite mode reads readOnly, as Hermes's health check switches
	// its mode (an operator's readOnlyAdmin stays either way).
	storage ports.HealthCheck
}

var _ ports.ModeService = (*ManagementMode)(nil)

// NewManagementMode returns a management mode in readWrite.
func NewManagementMode() *ManagementMode {
	m := &ManagementMode{}
	m.mode.Store(ports.ModeReadWrite)
	return m
}

// FollowStorage makes the mode read-only while check is down, as Hermes
// turns read-only when its ZooKeeper health check fails. Call it before
// the mode is shared.
func (m *ManagementMode) FollowStorage(check ports.HealthCheck) *ManagementMode {
	m.storage = check
	return m
}

// Mode returns the current mode.
func (m *ManagementMode) Mode() string {
	mode := m.mode.Load().(string)
	if mode == ports.ModeReadWrite && m.storage != nil && m.storage.Health().Status == ports.HealthDown {
		return ports.ModeReadOnly
	}
	return mode
}

// SetMode sets the mode; readOnly is stored as readOnlyAdmin, as Hermes's
// ModeEndpoint does.
func (m *ManagementMode) SetMode(_ context.Context, mode string) error {
	switch mode {
	case ports.ModeReadWrite:
		m.mode.Store(ports.ModeReadWrite)
	case ports.ModeReadOnly, ports.ModeReadOnlyAdmin:
		m.mode.Store(ports.ModeReadOnlyAdmin)
	default:
		return domain.Errorf(domain.ErrValidation, "mode %q: want readWrite, readOnly or readOnlyAdmin", mode)
	}
	return nil
}

// ReadOnly reports whether changes are refused.
func (m *ManagementMode) ReadOnly() bool { return m.Mode() != ports.ModeReadWrite }
