package zookeeper

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/maxrate"
)

func openRegistry(t *testing.T, servers []string, root string) (*MaxRateRegistry, *Store) {
	t.Helper()
	s := openStore(t, servers, root)
	r, err := NewMaxRateRegistry(s, "primary-dc")
	require.NoError(t, err)
	return r, s
}

func TestMaxRateRegistryContract(t *testing.T) {
	servers := testServers(t)
	maxrate.Run(t, func(t *testing.T) maxrate.Harness {
		root := uniqueRoot()
		rawConn(t, servers, root) // removes the tree at cleanup
		r, _ := openRegistry(t, servers, root)
		return maxrate.Harness{
			Registry: r,
			Other: func(t *testing.T) (ports.MaxRateRegistry, func()) {
				o, s := openRegistry(t, servers, root)
				return o, s.Close
			},
		}
	}, maxrate.Features{})
}

func TestMaxRateRegistryLayout(t *testing.T) {
	t.Parallel()
	servers := testServers(t)
	root := uniqueRoot()
	conn := rawConn(t, servers, root)
	r, _ := openRegistry(t, servers, root)
	ctx := t.Context()
	sub := domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s"}
	require.NoError(t, r.WriteHistory(ctx, sub, "c1", []float64{0.25}))
	require.NoError(t, r.SetMaxRates(ctx, sub, map[string]float64{"c1": 12.5}))

	dir := root + "/consumers-rate/primary-dc/runtime-json/g.t$s"
	data, stat, err := conn.Get(dir + "/history/c1")
	require.NoError(t, err)
	require.JSONEq(t, `{"rates":[0.25]}`, string(data))
	require.NotZero(t, stat.EphemeralOwner, "the history is the instance's lease")
	data, stat, err = conn.Get(dir + "/max-rate/c1")
	require.NoError(t, err)
	require.JSONEq(t, `{"maxRate":12.5}`, string(data))
	require.Zero(t, stat.EphemeralOwner)

	_, err = NewMaxRateRegistry(r.s, "a/b")
	require.ErrorIs(t, err, domain.ErrValidation)
	require.ErrorIs(t, r.WriteHistory(ctx, sub, "../x", nil), domain.ErrValidation)
}
