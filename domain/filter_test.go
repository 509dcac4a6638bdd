package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// fieldPaths is a stand-in JSONPathCompiler: "$.a.b" walks object
// members, "$.a[*]" also spreads an array; anything else is invalid. The
// real compiler (adapters/jsonpath) has its own contract suite.
type fieldPaths struct{}

type fieldPath []string

func (fieldPaths) CompileJSONPath(p string) (domain.JSONPath, error) {
	if !strings.HasPrefix(p, "$.") {
		return nil, domain.Errorf(domain.ErrValidation, "want $.name")
	}
	return fieldPath(strings.Split(p[2:], ".")), nil
}

func (fp fieldPath) Select(doc any) []any {
	nodes := []any{doc}
	for _, name := range fp {
		var next []any
		for _, n := range nodes {
			m, ok := n.(map[string]any)
			if !ok {
				continue
			}
			key, spread := strings.CutSuffix(name, "[*]")
			v, ok := m[key]
			if !ok {
				continue
			}
			if arr, isArr := v.([]any); spread && isArr {
				next = append(next, arr...)
			} else if !spread {
				next = append(next, v)
			}
		}
		nodes = next
	}
	return nodes
}

func TestFilters(t *testing.T) {
	t.Parallel()
	body := []byte(`{"user":{"name":"Ann","age":31,"tags":["a","b"],"home":{"city":"Oslo","zip":[1,2]}},"cities":["Paris","Pune","Oslo"],"flag":true,"nothing":null,"html":"<b>"}`)
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
		{"anchors in the matcher are allowed", []domain.MessageFilter{jp("$.user.name", "^An.*", "")}, true},
		{"number stringified", []domain.MessageFilter{jp("$.user.age", `3\d`, "")}, true},
		{"bool stringified", []domain.MessageFilter{jp("$.flag", "true", "")}, true},
		{"all must match", []domain.MessageFilter{jp("$.cities[*]", "P.*", "all")}, false},
		{"any may match", []domain.MessageFilter{jp("$.cities[*]", "P.*", "any")}, true},
		{"strategy is case-insensitive", []domain.MessageFilter{jp("$.cities[*]", "O.*", "ANY")}, true},
		{"all matching", []domain.MessageFilter{jp("$.cities[*]", "[A-Z][a-z]+", "")}, true},
		{"array rendered as JSON", []domain.MessageFilter{jp("$.user.tags", `\["a","b"\]`, "")}, true},
		{"object rendered as a Java map", []domain.MessageFilter{jp("$.user.home", `\{city=Oslo, zip=\[1,2\]\}`, "")}, true},
		{"html is not escaped", []domain.MessageFilter{jp("$.html", "<b>", "")}, true},
		{"missing path never matches", []domain.MessageFilter{jp("$.user.missing", ".*", "")}, false},
		{"missing path never matches with any", []domain.MessageFilter{jp("$.user.missing", ".*", "any")}, false},
		{"null rejects", []domain.MessageFilter{jp("$.nothing", ".*", "")}, false},
		{"header matches", []domain.MessageFilter{{Type: "header", Header: "Trace-Id", Matcher: "abc-.*"}}, true},
		{"header name is exact", []domain.MessageFilter{{Type: "header", Header: "trace-id", Matcher: ".*"}}, false},
		{"header value full match", []domain.MessageFilter{{Type: "header", Header: "Trace-Id", Matcher: "abc"}}, false},
		{"all filters must pass", []domain.MessageFilter{jp("$.user.name", "Ann", ""), {Type: "header", Header: "Trace-Id", Matcher: "x"}}, false},
		{"avropath passes here", []domain.MessageFilter{{Type: "avropath", Path: ".a", Matcher: "x"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs, err := domain.CompileFilters(tt.filters, fieldPaths{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, fs.Match(body, headers))
		})
	}
}

func TestFilterResultSaysWhichFilterRejectedAndWhy(t *testing.T) {
	t.Parallel()
	fs, err := domain.CompileFilters([]domain.MessageFilter{
		{Type: "header", Header: "H", Matcher: "v"},
		{Type: "jsonpath", Path: "$.a", Matcher: ".*"},
	}, fieldPaths{})
	require.NoError(t, err)

	assert.Equal(t, domain.FilterResult{Passed: true}, fs.Apply([]byte(`{"a":1}`), map[string]string{"H": "v"}))

	r := fs.Apply([]byte(`{"a":1}`), nil)
	assert.Equal(t, domain.FilterResult{FilterType: "header"}, r, "a logical mismatch has no error")

	r = fs.Apply([]byte("not json"), map[string]string{"H": "v"})
	assert.False(t, r.Passed)
	assert.Equal(t, "jsonpath", r.FilterType)
	assert.ErrorIs(t, r.Err, domain.ErrValidation, "a body that is not JSON cannot be evaluated")

	r = fs.Apply([]byte(`{"a":null}`), map[string]string{"H": "v"})
	assert.Error(t, r.Err, "a selected null cannot be evaluated")
}

func TestCompileFiltersErrors(t *testing.T) {
	t.Parallel()
	for _, f := range []domain.MessageFilter{
		{Type: "jsonpath", Path: "$.a", Matcher: "("},
		{Type: "header", Header: "h", Matcher: "["},
		{Type: "jsonpath", Path: "a.b", Matcher: ".*"},
	} {
		_, err := domain.CompileFilters([]domain.MessageFilter{f}, fieldPaths{})
		assert.ErrorIs(t, err, domain.ErrValidation, "%+v", f)
	}
	_, err := domain.CompileFilters([]domain.MessageFilter{{Type: "jsonpath", Path: "$.a", Matcher: ".*"}}, nil)
	assert.True(t, errors.Is(err, domain.ErrValidation), "without a compiler jsonpath filters are refused")
}
