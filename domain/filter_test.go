package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestFilters(t *testing.T) {
	t.Parallel()
	body := []byte(`{"user":{"name":"Ann","age":31,"tags":["a","b"]},"items":[{"city":"Paris"},{"city":"Pune"},{"city":"Oslo"}],"flag":true,"nothing":null}`)
	headers := map[string]string{"Trace-Id": "abc-123"}
	jp := func(path, matcher, strategy string) domain.MessageFilter {
		return domain.MessageFilter{Type: "jsonpath", Path: path, Matcher: matcher, MatchingStrategy: strategy}
	}
	tests := []struct {
		name    string
		filters []domain.MessageFilter
		want    bool
	}{
		{"no filters pass", nil, true},
		{"string field full match", []domain.MessageFilter{jp("$.user.name", "Ann", "")}, true},
		{"regex is a full match, not a find", []domain.MessageFilter{jp("$.user.name", "An", "")}, false},
		{"number stringified", []domain.MessageFilter{jp("$.user.age", `3\d`, "")}, true},
		{"bool stringified", []domain.MessageFilter{jp("$.flag", "true", "")}, true},
		{"bracket name", []domain.MessageFilter{jp("$['user']['name']", "Ann", "")}, true},
		{"index", []domain.MessageFilter{jp("$.items[1].city", "Pune", "")}, true},
		{"negative index", []domain.MessageFilter{jp("$.items[-1].city", "Oslo", "")}, true},
		{"wildcard all must match", []domain.MessageFilter{jp("$.items[*].city", "P.*", "all")}, false},
		{"wildcard any may match", []domain.MessageFilter{jp("$.items[*].city", "P.*", "any")}, true},
		{"strategy is case-insensitive", []domain.MessageFilter{jp("$.items[*].city", "O.*", "ANY")}, true},
		{"wildcard all matching", []domain.MessageFilter{jp("$.items[*].city", "[A-Z][a-z]+", "")}, true},
		{"deep scan", []domain.MessageFilter{jp("$..city", "Paris|Pune|Oslo", "")}, true},
		{"array rendered as JSON", []domain.MessageFilter{jp("$.user.tags", `\["a","b"\]`, "")}, true},
		{"missing path never matches", []domain.MessageFilter{jp("$.user.missing", ".*", "")}, false},
		{"missing path never matches with any", []domain.MessageFilter{jp("$.user.missing", ".*", "any")}, false},
		{"null rejects", []domain.MessageFilter{jp("$.nothing", ".*", "")}, false},
		{"header matches", []domain.MessageFilter{{Type: "header", Header: "Trace-Id", Matcher: "abc-.*"}}, true},
		{"header name is exact", []domain.MessageFilter{{Type: "header", Header: "trace-id", Matcher: ".*"}}, false},
		{"header value full match", []domain.MessageFilter{{Type: "header", Header: "Trace-Id", Matcher: "abc"}}, false},
		{"all filters must pass", []domain.MessageFilter{jp("$.user.name", "Ann", ""), {Type: "header", Header: "Trace-Id", Matcher: "x"}}, false},
		{"avropath passes until Avro delivery exists", []domain.MessageFilter{{Type: "avropath", Path: ".a", Matcher: "x"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := domain.CompileFilters(tt.filters)
			require.NoError(t, err)
			assert.Equal(t, tt.want, fs.Match(body, headers))
		})
	}
}

func TestFiltersRejectNonJSONBody(t *testing.T) {
	t.Parallel()
	fs, err := domain.CompileFilters([]domain.MessageFilter{{Type: "jsonpath", Path: "$.a", Matcher: ".*"}})
	require.NoError(t, err)
	assert.False(t, fs.Match([]byte("not json"), nil))
}

func TestCompileFiltersErrors(t *testing.T) {
	t.Parallel()
	for _, f := range []domain.MessageFilter{
		{Type: "jsonpath", Path: "$.a", Matcher: "("},
		{Type: "jsonpath", Path: "a.b", Matcher: ".*"},
		{Type: "jsonpath", Path: "$.a[?(@.x)]", Matcher: ".*"},
		{Type: "jsonpath", Path: "$.a[1", Matcher: ".*"},
		{Type: "jsonpath", Path: "$..", Matcher: ".*"},
	} {
		_, err := domain.CompileFilters([]domain.MessageFilter{f})
		assert.ErrorIs(t, err, domain.ErrValidation, "%+v", f)
	}
}
