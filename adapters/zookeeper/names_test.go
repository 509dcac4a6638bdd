package zookeeper

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
)

// The store applies its own name limit (issue 15, defect 1): a longer name
// is refused on create and never exists on read.
func TestNamesOverTheLimit(t *testing.T) {
	t.Parallel()
	s := openStore(t, testServers(t), uniqueRoot())
	ctx := t.Context()
	long := strings.Repeat("n", MaxName+1)
	assert.ErrorIs(t, s.CreateGroup(ctx, domain.Group{GroupName: long}), domain.ErrValidation)
	_, err := s.Group(ctx, long)
	assert.ErrorIs(t, err, domain.ErrGroupNotFound)
	assert.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: strings.Repeat("n", MaxName)}))
	assert.Equal(t, MaxName, NameLimits().MaxName)
}
