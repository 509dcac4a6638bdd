package ports

import "context"

// Node directories of the management's documents, relative to the
// metadata root, as Hermes's ZookeeperPaths names them. Single documents
// (NodeReadiness, NodeInactiveTopics) are names in the root directory "".
const (
	NodeWorkloadConstraints = "consumers-workload-constraints"
	NodeOAuthProviders      = "oauth-providers"
	NodeRetransmissionTasks = "offline-retransmission/tasks"
	NodeReadiness           = "datacenter-readiness"
	NodeInactiveTopics      = "inactive-topics"
)

// NodeStore keeps the management's small JSON documents (workload
// constraints, OAuth providers, retransmission tasks, datacenter
// readiness, inactive topics) beside the metadata, in Hermes's ZooKeeper
// layout: a document is the node {root}/{dir}/{name}. The metadata
// adapters implement it; the metadata contract suite covers it. Safe for
// concurrent use, also across processes sharing one backend.
//
// dir is one of the Node* directories or ""; name is one path element
// (not "", ".", "..", no slash): other names give domain.ErrValidation.
type NodeStore interface {
	// Children lists the names in dir, sorted; none when dir is absent.
	Children(ctx context.Context, dir string) ([]string, error)
	// Node returns the data of dir/name, or domain.ErrNotFound.
	Node(ctx context.Context, dir, name string) ([]byte, error)
	// CreateNode creates dir/name atomically; domain.ErrAlreadyExists
	// when it exists.
	CreateNode(ctx context.Context, dir, name string, data []byte) error
	// SetNode writes dir/name, creating it when absent; created says which.
	SetNode(ctx context.Context, dir, name string, data []byte) (created bool, err error)
	// DeleteNode deletes dir/name; domain.ErrNotFound when absent.
	DeleteNode(ctx context.Context, dir, name string) error
}
