package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// The chain runs in order and the first rejecting filter decides; one that
// cannot be evaluated gives its error.
func TestVerifyFilters(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewManagement(ManagementConfig{}, queryFixture(t), nil, nil, nil, nil).WithJSONPath(jsonpath.New())
	path := func(p, matcher string) domain.MessageFilter {
		return domain.MessageFilter{Type: "jsonpath", Path: p, Matcher: matcher}
	}
	cases := []struct {
		filters []domain.MessageFilter
		message string
		status  string
		errMsg  bool
	}{
		{nil, `{}`, ports.FiltersMatched, false},
		{[]domain.MessageFilter{path("$.a", "1"), path("$.b", "x.*")}, `{"a":1,"b":"xy"}`, ports.FiltersMatched, false},
		{[]domain.MessageFilter{path("$.a", "1"), path("$.b", "x.*")}, `{"a":1,"b":"y"}`, ports.FiltersNotMatched, false},
		{[]domain.MessageFilter{path("$.a", "2"), {Type: "avropath", Path: ".a", Matcher: ".*"}}, `{"a":1}`, ports.FiltersNotMatched, false},
		{[]domain.MessageFilter{{Type: "avropath", Path: ".a", Matcher: ".*"}}, `{"a":1}`, ports.FiltersNotMatched, true},
		{[]domain.MessageFilter{path("$.a", "1")}, `not json`, ports.FiltersNotMatched, true},
	}
	for _, c := range cases {
		v, err := m.VerifyFilters(ctx, "g.beta", c.filters, []byte(c.message))
		require.NoError(t, err)
		assert.Equal(t, c.status, v.Status, "%v on %s", c.filters, c.message)
		assert.Equal(t, c.errMsg, v.ErrorMessage != nil, "%v on %s", c.filters, c.message)
	}
	_, err := m.VerifyFilters(ctx, "g.none", nil, []byte(`{}`))
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
	_, err = m.VerifyFilters(ctx, "g.beta", []domain.MessageFilter{path("$[", "x")}, []byte(`{}`))
	assert.ErrorIs(t, err, domain.ErrValidation)
	_, err = m.VerifyFilters(ctx, "g.beta", []domain.MessageFilter{{Type: "avropath", Path: ".a", Matcher: "("}}, []byte(`{}`))
	assert.ErrorIs(t, err, domain.ErrValidation)
}
