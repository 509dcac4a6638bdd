package metadata

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// nodeStore returns the store as a ports.NodeStore; every metadata
// adapter keeps the management's documents, so not being one fails.
func nodeStore(t *testing.T, s ports.MetadataStore) ports.NodeStore {
	t.Helper()
	n, ok := s.(ports.NodeStore)
	require.True(t, ok, "%T does not implement ports.NodeStore", s)
	return n
}

func testNodes(t *testing.T, h Harness) {
	ctx := t.Context()
	n := nodeStore(t, h.Store)
	dir := ports.NodeWorkloadConstraints
	name := unique("g.t") + "$sub"

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := n.Node(cancelled, dir, name)
	assert.ErrorIs(t, err, context.Canceled)

	_, err = n.Node(ctx, dir, name)
	assert.ErrorIs(t, err, domain.ErrNotFound, "missing node")
	assert.ErrorIs(t, n.DeleteNode(ctx, dir, name), domain.ErrNotFound, "deleting a missing node")
	for _, bad := range []string{"", ".", "..", "a/b"} {
		_, err := n.Node(ctx, dir, bad)
		assert.ErrorIs(t, err, domain.ErrValidation, "name %q", bad)
	}
	_, err = n.Children(ctx, "../x")
	assert.ErrorIs(t, err, domain.ErrValidation)

	require.NoError(t, n.CreateNode(ctx, dir, name, []byte(`{"consumersNumber":2}`)))
	assert.ErrorIs(t, n.CreateNode(ctx, dir, name, []byte(`{}`)), domain.ErrAlreadyExists)
	got, err := n.Node(ctx, dir, name)
	require.NoError(t, err)
	assert.JSONEq(t, `{"consumersNumber":2}`, string(got))

	created, err := n.SetNode(ctx, dir, name, []byte(`{"consumersNumber":3}`))
	require.NoError(t, err)
	assert.False(t, created, "set of an existing node")
	got, err = n.Node(ctx, dir, name)
	require.NoError(t, err)
	assert.JSONEq(t, `{"consumersNumber":3}`, string(got))

	other := unique("g.u")
	created, err = n.SetNode(ctx, dir, other, []byte(`{"consumersNumber":1}`))
	require.NoError(t, err)
	assert.True(t, created, "set of a missing node creates it")
	kids, err := n.Children(ctx, dir)
	require.NoError(t, err)
	assert.Subset(t, kids, []string{name, other})
	assert.IsIncreasing(t, kids)

	require.NoError(t, n.DeleteNode(ctx, dir, name))
	_, err = n.Node(ctx, dir, name)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	kids, err = n.Children(ctx, dir)
	require.NoError(t, err)
	assert.NotContains(t, kids, name)

	// A nested directory and a single document in the root directory.
	task := unique("task")
	require.NoError(t, n.CreateNode(ctx, ports.NodeRetransmissionTasks, task, []byte(`{}`)))
	kids, err = n.Children(ctx, ports.NodeRetransmissionTasks)
	require.NoError(t, err)
	assert.Contains(t, kids, task)
	root := unique("doc")
	_, err = n.SetNode(ctx, "", root, []byte(`[]`))
	require.NoError(t, err)
	got, err = n.Node(ctx, "", root)
	require.NoError(t, err)
	assert.Equal(t, `[]`, string(got))
	require.NoError(t, n.DeleteNode(ctx, "", root))

	empty, err := n.Children(ctx, unique("absent-dir"))
	require.NoError(t, err)
	assert.Empty(t, empty, "an absent directory has no children")
}

func testNodesPersist(t *testing.T, h Harness) {
	ctx := t.Context()
	name := unique("provider")
	require.NoError(t, nodeStore(t, h.Store).CreateNode(ctx, ports.NodeOAuthProviders, name, []byte(`{"name":"p"}`)))
	reopened := nodeStore(t, h.Reopen(t))
	got, err := reopened.Node(ctx, ports.NodeOAuthProviders, name)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"p"}`, string(got))
}
