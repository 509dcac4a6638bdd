package jsonpath_test

import (
	"errors"
	"testing"

	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/domain"
)

// FuzzJSONPathFilter builds jsonpath filters the way a subscription does
// (domain.CompileFilters with this compiler, the public constructors) from
// fuzzed paths, matchers and bodies, and runs them as a consumer does. A
// path or matcher refused is a validation error; a compiled filter
// decides every body, valid JSON or not, without failing the chain.
func FuzzJSONPathFilter(f *testing.F) {
	body := []byte(`{"name":"Bob","age":50,"tags":["a","b"],"order":{"items":[{"type":"x","qty":1},{"type":"y","qty":2}]}}`)
	for _, s := range [][2]string{
		{"$.name", "Bob"}, {"$.order.items[*].type", "x|y"}, {"$..qty", "\\d+"}, {"$.tags[0]", "a"},
		{"$.order.items[?(@.qty > 1)].type", "y"}, {"$['name']", ".*"}, {"$.tags[-1:]", "b"}, {"$..*", ".*"},
		{"$[", "x"}, {"", ""}, {"$.a.b.c.d.e.f", "null"}, {"$..[?(@.type == 'x')]", ".*"}, {"$.tags[0:9999999999:-1]", ".*"},
		{"$.name", "["}, {"$.\xff", "\xff"},
	} {
		f.Add(s[0], s[1], "all", body)
		f.Add(s[0], s[1], "any", []byte(`[1,{"a":null}]`))
	}
	f.Add("$.a", ".*", "all", []byte(`not json`))
	f.Add("$.a", ".*", "any", []byte("{\"a\":\"\xff\"}"))
	c := jsonpath.New()
	f.Fuzz(func(t *testing.T, path, matcher, strategy string, body []byte) {
		fs, err := domain.CompileFilters([]domain.MessageFilter{{Type: "jsonpath", Path: path, Matcher: matcher, MatchingStrategy: strategy}}, c)
		if err != nil {
			if !errors.Is(err, domain.ErrValidation) {
				t.Fatalf("CompileFilters(%q, %q): %v is not a validation error", path, matcher, err)
			}
			return
		}
		r := fs.Apply(body, nil)
		if r.Passed != fs.Match(body, nil) {
			t.Fatalf("Apply and Match disagree on %q for %q", body, path)
		}
		if r.Passed && r.Err != nil {
			t.Fatalf("passed with an error: %v", r.Err)
		}
	})
}
