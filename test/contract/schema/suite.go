// Package schema is the contract suite of ports.SchemaRepository: every
// adapter's contract_test.go runs Run against its backend.
package schema

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Harness is one backend under test.
type Harness struct {
	Repo ports.SchemaRepository
	// Prepare, when set, makes the topic exist where the backend needs it
	// (stores that keep schemas beside the topic).
	Prepare func(t *testing.T, topic domain.TopicName)
}

// Features says what the backend can do.
type Features struct {
	// IDIsVersion is set for stores without a registry, whose schema ID is
	// the version.
	IDIsVersion bool
}

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness, f Features)
	}{
		{"MissingSchemaIsNotFound", testMissing},
		{"CancelledContextFails", testCancelled},
		{"VersionsCountFromOne", testVersions},
		{"SameTextIsIdempotent", testIdempotent},
		{"DeleteRemovesEveryVersion", testDelete},
		{"TopicsAreIndependent", testIndependent},
		{"ConcurrentRegistrationsGetDistinctVersions", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newHarness(t), f)
		})
	}
}

var (
	runID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	seq   atomic.Int64
)

// newTopic returns a topic name no other test uses, prepared in the backend.
func newTopic(t *testing.T, h Harness) domain.TopicName {
	n := domain.TopicName{Group: "schemagroup" + runID, Name: fmt.Sprintf("t%d", seq.Add(1))}
	if h.Prepare != nil {
		h.Prepare(t, n)
	}
	return n
}

func schemaText(fields int) string {
	return fmt.Sprintf(`{"type":"record","name":"R","fields":[{"name":"f%d","type":"string"}]}`, fields)
}

func testMissing(t *testing.T, h Harness, _ Features) {
	ctx, topic := t.Context(), newTopic(t, h)
	_, err := h.Repo.LatestSchema(ctx, topic)
	assert.ErrorIs(t, err, domain.ErrSchemaNotFound)
	_, err = h.Repo.SchemaVersion(ctx, topic, 1)
	assert.ErrorIs(t, err, domain.ErrSchemaVersionNotFound)
	versions, err := h.Repo.SchemaVersions(ctx, topic)
	require.NoError(t, err)
	assert.Empty(t, versions)
	assert.NoError(t, h.Repo.DeleteSchemas(ctx, topic), "deleting nothing is not an error")
}

func testCancelled(t *testing.T, h Harness, _ Features) {
	topic := newTopic(t, h)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Repo.RegisterSchema(ctx, topic, schemaText(1))
	assert.Error(t, err)
	_, err = h.Repo.LatestSchema(ctx, topic)
	assert.Error(t, err)
}

func testVersions(t *testing.T, h Harness, f Features) {
	ctx, topic := t.Context(), newTopic(t, h)
	for v := 1; v <= 3; v++ {
		s, err := h.Repo.RegisterSchema(ctx, topic, schemaText(v))
		require.NoError(t, err)
		assert.Equal(t, v, s.Version)
		assert.Equal(t, schemaText(v), s.Text)
		if f.IDIsVersion {
			assert.Equal(t, v, s.ID)
		}
	}
	latest, err := h.Repo.LatestSchema(ctx, topic)
	require.NoError(t, err)
	assert.Equal(t, 3, latest.Version)
	assert.Equal(t, schemaText(3), latest.Text)
	second, err := h.Repo.SchemaVersion(ctx, topic, 2)
	require.NoError(t, err)
	assert.Equal(t, schemaText(2), second.Text)
	_, err = h.Repo.SchemaVersion(ctx, topic, 4)
	assert.ErrorIs(t, err, domain.ErrSchemaVersionNotFound)
	versions, err := h.Repo.SchemaVersions(ctx, topic)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, versions)
}

func testIdempotent(t *testing.T, h Harness, _ Features) {
	ctx, topic := t.Context(), newTopic(t, h)
	first, err := h.Repo.RegisterSchema(ctx, topic, schemaText(1))
	require.NoError(t, err)
	again, err := h.Repo.RegisterSchema(ctx, topic, schemaText(1))
	require.NoError(t, err)
	assert.Equal(t, first, again)
}

func testDelete(t *testing.T, h Harness, _ Features) {
	ctx, topic := t.Context(), newTopic(t, h)
	for v := 1; v <= 2; v++ {
		_, err := h.Repo.RegisterSchema(ctx, topic, schemaText(v))
		require.NoError(t, err)
	}
	require.NoError(t, h.Repo.DeleteSchemas(ctx, topic))
	_, err := h.Repo.LatestSchema(ctx, topic)
	assert.ErrorIs(t, err, domain.ErrSchemaNotFound)
	s, err := h.Repo.RegisterSchema(ctx, topic, schemaText(5))
	require.NoError(t, err)
	assert.Equal(t, 1, s.Version, "versions start again after a delete")
}

func testIndependent(t *testing.T, h Harness, _ Features) {
	ctx, a, b := t.Context(), newTopic(t, h), newTopic(t, h)
	_, err := h.Repo.RegisterSchema(ctx, a, schemaText(1))
	require.NoError(t, err)
	_, err = h.Repo.LatestSchema(ctx, b)
	assert.ErrorIs(t, err, domain.ErrSchemaNotFound)
}

func testConcurrent(t *testing.T, h Harness, _ Features) {
	ctx, topic := t.Context(), newTopic(t, h)
	const n = 5
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = h.Repo.RegisterSchema(ctx, topic, schemaText(100+i))
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	versions, err := h.Repo.SchemaVersions(ctx, topic)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4, 5}, versions)
}
