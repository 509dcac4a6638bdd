package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// WorkloadRegistry is where the consumer instances of one cluster meet to
// share the subscriptions (Hermes's ConsumerNodesRegistry with its leader
// latch, and its consumer assignment registry): each instance registers,
// one registered instance leads, the leader writes every instance's
// assignment and each instance runs what it is assigned.
//
// A registration is leased: it ends with Deregister, or when the
// instance's process or backend session ends (ZooKeeper ephemeral nodes),
// so a dead instance drops out of Nodes and of the election by itself.
// Assignments are not leased: the leader deletes those of instances that
// are gone. All methods are safe for concurrent use, also across processes
// sharing one backend, and return domain.ErrUnavailable when the backend
// cannot be reached, or ctx's error.
type WorkloadRegistry interface {
	// Register registers nodeID as a live instance and a candidate for
	// leadership. Idempotent; after the backend lost the registration
	// (an expired session) it registers again, so calling it periodically
	// keeps the lease.
	Register(ctx context.Context, nodeID string) error
	// Deregister ends nodeID's registration and candidacy; its assignment
	// stays until the leader removes it. Absent registrations are no error.
	Deregister(ctx context.Context, nodeID string) error
	// Nodes lists the registered instances, sorted.
	Nodes(ctx context.Context) ([]string, error)
	// Leader returns the registered candidate that leads, or
	// domain.ErrNotFound when there is none.
	Leader(ctx context.Context) (string, error)
	// Assignments returns the assignment of every instance that has one
	// (also of instances no longer registered), each sorted by name. An
	// assigned subscription is named only if it is among known (the
	// backend may store subscriptions by id); others are left out.
	Assignments(ctx context.Context, known []domain.SubscriptionName) (domain.WorkloadAssignment, error)
	// Assignment is Assignments for nodeID only; empty when it has none.
	Assignment(ctx context.Context, nodeID string, known []domain.SubscriptionName) ([]domain.SubscriptionName, error)
	// SetAssignment replaces nodeID's assignment with subs. Subscriptions
	// the backend does not hold (removed meanwhile) are left out.
	SetAssignment(ctx context.Context, nodeID string, subs []domain.SubscriptionName) error
	// DeleteAssignment removes nodeID's assignment; absent is no error.
	DeleteAssignment(ctx context.Context, nodeID string) error
	// Changes signals, until ctx ends, whenever the registered instances,
	// the leadership or nodeID's assignment may have changed, and after
	// the backend connection came back; signals coalesce (the channel
	// holds one) and may be spurious. The channel is closed when ctx
	// ends or the registry closes.
	Changes(ctx context.Context, nodeID string) <-chan struct{}
}

// WorkloadStatus is one consumer instance's part in workload balancing,
// as its status server's GET /status/workload shows it (a Hermes-Go
// addition: Hermes shows it only in ZooKeeper).
type WorkloadStatus struct {
	// NodeID is this instance's id in the registry.
	NodeID string `json:"nodeId"`
	// Leader is the instance that balances ("" when none is known).
	Leader string `json:"leader"`
	// IsLeader says whether this instance balances.
	IsLeader bool `json:"isLeader"`
	// Assigned are the subscriptions assigned to this instance
	// (group.topic$name, sorted), suspended ones included until the leader
	// takes them away.
	Assigned []string `json:"assigned"`
}

// WorkloadStatusReporter is implemented by a consumers status source that
// balances its workload.
type WorkloadStatusReporter interface {
	// WorkloadStatus returns the current status; ok is false when
	// workload balancing is off (every instance runs everything).
	WorkloadStatus() (status WorkloadStatus, ok bool)
}
