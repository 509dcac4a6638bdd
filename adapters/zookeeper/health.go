package zookeeper

import (
	"fmt"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/ports"
)

var _ ports.HealthCheck = (*Store)(nil)

// HealthCheckName names the store's check in health reports.
const HealthCheckName = "metadata"

// Health implements ports.HealthCheck: DOWN while the store has no
// ZooKeeper session (every call then fails with domain.ErrUnavailable),
// as Hermes management turns read-only when its ZooKeeper health check
// fails. It reads the connection state and never waits.
func (s *Store) Health() ports.HealthState {
	st := s.conn.State()
	if st == zk.StateHasSession {
		return ports.HealthState{Name: HealthCheckName, Status: ports.HealthUp}
	}
	return ports.HealthState{Name: HealthCheckName, Status: ports.HealthDown,
		Problem: fmt.Sprintf("no ZooKeeper session (connection state %s)", st)}
}
