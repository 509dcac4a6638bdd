package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/domain"
)

// TestFiltersAsHermes runs whole filters (domain.CompileFilters with this
// compiler) the way Hermes's jsonpath filter decides: the path's results,
// each as Java's toString, against a full-match matcher, all or any.
func TestFiltersAsHermes(t *testing.T) {
	t.Parallel()
	c := jsonpath.New()
	bob := []byte(`{"name":"Bob","age":50,"favoriteColor":"grey","order":{"items":[{"type":"x","qty":1},{"type":"y","qty":2}]}}`)
	alice := []byte(`{"name":"Alice","age":20,"favoriteColor":"magenta","order":{"items":[{"type":"y","qty":5}]}}`)
	jp := func(path, matcher, strategy string) domain.MessageFilter {
		return domain.MessageFilter{Type: "jsonpath", Path: path, Matcher: matcher, MatchingStrategy: strategy}
	}
	tests := []struct {
		name       string
		filters    []domain.MessageFilter
		bob, alice bool
	}{
		// Hermes's FilteringJsonTest writes paths without $.
		{"path without $", []domain.MessageFilter{jp(".name", "^Bob.*", "")}, true, false},
		{"chained filters", []domain.MessageFilter{jp(".name", "^Bob.*", ""), jp(".favoriteColor", "grey", "")}, true, false},
		{"filter expression selects the items", []domain.MessageFilter{jp("$.order.items[?(@.type == 'x')].qty", "1", "")}, true, false},
		{"filter expression: any item selected", []domain.MessageFilter{jp("$.order.items[?(@.type == 'y')]", ".*", "")}, true, true},
		{"all selected values must match", []domain.MessageFilter{jp("$.order.items[*].type", "x", "all")}, false, false},
		{"any selected value may match", []domain.MessageFilter{jp("$.order.items[*].type", "x", "any")}, true, false},
		{"a selected object matches in Java map form", []domain.MessageFilter{jp("$.order.items[0]", `\{qty=1, type=x\}`, "")}, true, false},
		{"a selected array matches as JSON", []domain.MessageFilter{jp("$.order.items[*].qty", "5", "")}, false, true},
		{"an object filter on the root", []domain.MessageFilter{jp("$[?(@.age > 30)].name", "Bob", "")}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := domain.CompileFilters(tt.filters, c)
			require.NoError(t, err)
			assert.Equal(t, tt.bob, fs.Match(bob, nil), "bob")
			assert.Equal(t, tt.alice, fs.Match(alice, nil), "alice")
		})
	}
}

func TestInvalidFilterPathIsAValidationError(t *testing.T) {
	t.Parallel()
	_, err := domain.CompileFilters([]domain.MessageFilter{{Type: "jsonpath", Path: "$.a[?(@.b ==)]", Matcher: ".*"}}, jsonpath.New())
	assert.ErrorIs(t, err, domain.ErrValidation)
}
