package zookeeper

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/workload"
)

func openWorkload(t *testing.T, servers []string, root string) (*WorkloadRegistry, *Store) {
	t.Helper()
	s := openStore(t, servers, root)
	r, err := NewWorkloadRegistry(s, "primary-dc")
	require.NoError(t, err)
	return r, s
}

func TestWorkloadRegistryContract(t *testing.T) {
	servers := testServers(t)
	workload.Run(t, func(t *testing.T) workload.Harness {
		root := uniqueRoot()
		rawConn(t, servers, root) // removes the tree at cleanup
		r, s := openWorkload(t, servers, root)
		return workload.Harness{
			Registry: r,
			Store:    s,
			Other: func(t *testing.T) (ports.WorkloadRegistry, func()) {
				o, s := openWorkload(t, servers, root)
				return o, s.Close
			},
		}
	}, workload.Features{})
}

// TestWorkloadRegistryLayout checks Hermes's znodes: what a Hermes
// consumer or tool reads.
func TestWorkloadRegistryLayout(t *testing.T) {
	t.Parallel()
	servers := testServers(t)
	root := uniqueRoot()
	conn := rawConn(t, servers, root)
	r, s := openWorkload(t, servers, root)
	ctx := t.Context()
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	tp := domain.NewTopic()
	tp.Name, tp.Owner = "g.t", &domain.Owner{Source: "Plaintext", ID: "team"}
	require.NoError(t, s.CreateTopic(ctx, tp))
	sub := domain.NewSubscription()
	sub.TopicName, sub.Name, sub.Endpoint, sub.Owner = "g.t", "s", "http://localhost:1/x", &domain.Owner{Source: "Plaintext", ID: "team"}
	require.NoError(t, s.CreateSubscription(ctx, sub))

	require.NoError(t, r.Register(ctx, "host_1$42"))
	_, stat, err := conn.Get(root + "/consumers-registry/primary-dc/nodes/host_1$42")
	require.NoError(t, err)
	assert.NotZero(t, stat.EphemeralOwner, "the registration is the instance's lease")
	latches, _, err := conn.Children(root + "/consumers-registry/primary-dc/leader")
	require.NoError(t, err)
	require.Len(t, latches, 1)
	assert.Regexp(t, `^_c_[0-9a-f]{32}-latch-\d{10}$`, latches[0], "Curator's protected latch name")
	data, _, err := conn.Get(root + "/consumers-registry/primary-dc/leader/" + latches[0])
	require.NoError(t, err)
	assert.Equal(t, "host_1$42", string(data))

	require.NoError(t, r.SetAssignment(ctx, "host_1$42", []domain.SubscriptionName{sub.QualifiedName()}))
	_, subStat, err := conn.Get(root + "/groups/g/topics/t/subscriptions/s")
	require.NoError(t, err)
	data, stat, err = conn.Get(root + "/consumers-workload/primary-dc/runtime-bin/host_1$42")
	require.NoError(t, err)
	assert.Zero(t, stat.EphemeralOwner)
	want := []byte{0, 0, 1, 0, 2, 0, 0, 0, 8, 0, 1, 0}
	id := subStat.Czxid
	for range 8 {
		want = append(want, byte(id))
		id >>= 8
	}
	assert.Equal(t, want, data, "SBE Assignments with the subscription's czxid")

	_, err = NewWorkloadRegistry(s, "a/b")
	require.ErrorIs(t, err, domain.ErrValidation)
	require.ErrorIs(t, r.Register(ctx, "../x"), domain.ErrValidation)
}

func TestAssignmentsCodec(t *testing.T) {
	for _, ids := range [][]int64{{}, {1}, {1 << 40, -1, 7}} {
		b, err := encodeAssignments(ids)
		require.NoError(t, err)
		got, err := decodeAssignments(b)
		require.NoError(t, err)
		assert.Equal(t, ids, got)
	}
	for _, bad := range [][]byte{nil, {0, 0, 1, 0, 3, 0, 0, 0, 8, 0, 0, 0}, {0, 0, 1, 0, 2, 0, 0, 0, 8, 0, 2, 0, 1}} {
		_, err := decodeAssignments(bad)
		assert.Error(t, err)
	}
	_, err := encodeAssignments(make([]int64, 1<<16))
	assert.ErrorIs(t, err, domain.ErrValidation)
}

// TestWorkloadSessionExpiry: an instance whose session expired drops out
// of the registry and the election, is told when it is back, and
// registering again renews both under its new session.
func TestWorkloadSessionExpiry(t *testing.T) {
	servers, root := testServers(t), uniqueRoot()
	if testing.Short() {
		t.Skip("waits for a session to expire")
	}
	t.Parallel()
	rawConn(t, servers, root)
	other, _ := openWorkload(t, servers, root)
	p := startProxy(t, servers[0])
	s := openStore(t, []string{p.ln.Addr().String()}, root)
	r, err := NewWorkloadRegistry(s, "primary-dc")
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, r.Register(ctx, "a"))
	changes := r.Changes(ctx, "a")

	p.partition()
	require.Eventually(t, func() bool {
		nodes, err := other.Nodes(ctx)
		return err == nil && len(nodes) == 0
	}, 6*waitFor, 50*time.Millisecond, "ZooKeeper never expired the cut-off session")
	require.NoError(t, other.Register(ctx, "b"))
	leader, err := other.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, "b", leader, "the expired instance lost the lead")
	drainSignals(changes)
	p.heal()

	select {
	case <-changes:
	case <-ctx.Done():
		t.Fatal("no signal after the connection came back")
	}
	require.Eventually(t, func() bool { return r.Register(ctx, "a") == nil }, waitFor, 50*time.Millisecond)
	nodes, err := other.Nodes(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, nodes, "registered again")
	require.NoError(t, other.Deregister(ctx, "b"))
	leader, err = other.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, "a", leader, "a candidate again, under its new session")
}

func drainSignals(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
