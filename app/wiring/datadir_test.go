package wiring

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
)

// One process per data dir, whatever stores it uses (issue 15, defect 11:
// memory metadata with the embedded broker ran beside a process that held
// the same data dir, as only the file metadata store took a lock).
func TestDataDirHoldsOneProcess(t *testing.T) {
	first := Defaults()
	first.DataDir = t.TempDir()
	first.Modules = []string{ModuleManagement}
	first.Management.Addr, first.Consumers.Addr = "127.0.0.1:0", "127.0.0.1:0"
	a := fx.New(Options(first))
	require.NoError(t, a.Err())
	require.NoError(t, a.Start(t.Context()))
	t.Cleanup(func() { _ = a.Stop(context.Background()) })

	second := first
	second.Metadata.Kind = MetadataMemory
	second.Modules = []string{ModuleConsumers}
	b := fx.New(Options(second))
	err := b.Err()
	require.ErrorIs(t, err, ErrDataDirInUse)
	assert.Contains(t, err.Error(), fmt.Sprintf("pid %d", os.Getpid()), "the refusal names the holder")

	require.NoError(t, a.Stop(t.Context()))
	c := fx.New(Options(second))
	require.NoError(t, c.Err(), "a stopped process releases the data dir")
	require.NoError(t, c.Start(t.Context()))
	require.NoError(t, c.Stop(t.Context()))
}
