package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func entities(t testing.TB, docs ...string) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(docs))
	for i, d := range docs {
		var v any
		require.NoError(t, json.Unmarshal([]byte(d), &v))
		m, err := domain.EntityJSON(v)
		require.NoError(t, err)
		out[i] = m
	}
	return out
}

// matching returns the indexes of the entities the query matches.
func matching(t *testing.T, query string, es []map[string]any) []int {
	t.Helper()
	q, err := domain.ParseQuery([]byte(query))
	require.NoError(t, err, query)
	found := []int{}
	for i, e := range es {
		ok, err := q.Match(e)
		require.NoError(t, err, query)
		if ok {
			found = append(found, i)
		}
	}
	return found
}

func TestParseQueryRefusesDocumentsWithoutQuery(t *testing.T) {
	for _, body := range []string{``, `{}`, `[]`, `"query"`, `{"qery": {}}`, `{`, `{"query": {"a": {"b": 1}}}`,
		`{"query": {"a": {"eq": 1, "ne": 2}}}`, `{"query": {"and": {"a": 1}}}`, `{"query": {"or": {"a": 1}}}`,
		`{"query": {"a": {"in": "x"}}}`, `{"query": {"a": {"eq": [1]}}}`, `{"query": {"a": {"eq": {}}}}`,
		`{"query": {"not": [{"a": 1}]}}`, `{"query": {"not": {"a": 1, "b": 2}}}`, `{"query": {"a": {"like": "("}}}`,
		`{"query": {"a": {"in": [[1]]}}}`} {
		_, err := domain.ParseQuery([]byte(body))
		assert.ErrorIs(t, err, domain.ErrFormat, body)
	}
}

func TestQueryOperators(t *testing.T) {
	colors := entities(t, `{"field":"red"}`, `{"field":"blue"}`, `{"field":"green"}`, `{"field":"red"}`)
	cases := []struct {
		query string
		want  []int
	}{
		{`{"query": {}}`, []int{0, 1, 2, 3}},
		{`{"query": {"field": "black"}}`, []int{}},
		{`{"query": {"unknown": "any"}}`, []int{}},
		{`{"query": {"field": "green"}}`, []int{2}},
		{`{"query": {"field": {"eq": "green"}}}`, []int{2}},
		{`{"query": {"field": {"EQ": "green"}}}`, []int{2}},
		{`{"query": {"field": {"ne": "green"}}}`, []int{0, 1, 3}},
		{`{"query": {"not": {"field": "green"}}}`, []int{0, 1, 3}},
		{`{"query": {"not": {"field": {"eq": "green"}}}}`, []int{0, 1, 3}},
		{`{"query": {"field": {"in": ["green"]}}}`, []int{2}},
		{`{"query": {"field": {"in": ["red"]}}}`, []int{0, 3}},
		{`{"query": {"field": {"in": []}}}`, []int{}},
		{`{"query": {"field": {"in": ["red", "blue", "green"]}}}`, []int{0, 1, 2, 3}},
		{`{"query": {"field": {"like": "re.*"}}}`, []int{0, 3}},
		{`{"query": {"field": {"like": "e"}}}`, []int{}}, // like matches the whole value
		{`{"query": {"field": {"like": ".*e.*"}}}`, []int{0, 1, 2, 3}},
		{`{"query": {"field": {"like": "(?i).*RE.*"}}}`, []int{0, 2, 3}}, // the console's search pattern
		{`{"query": {"and": [{"field": "red"}]}}`, []int{0, 3}},
		{`{"query": {"and": [{"field": "red"}, {"field": "blue"}]}}`, []int{}},
		{`{"query": {"or": [{"field": "red"}, {"field": "blue"}]}}`, []int{0, 1, 3}},
		{`{"query": {"or": []}}`, []int{}},
		{`{"query": {"and": []}}`, []int{0, 1, 2, 3}},
		{`{"query": {"field": null}}`, []int{}},
		{`{"query": {"field": {"ne": null}}}`, []int{0, 1, 2, 3}},
		{`{"query": {"field": "red", "field": "blue"}}`, []int{1}}, // the later member wins
		{`{"query": {"field": {"like": "red"}, "x": "y"}}`, []int{}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, matching(t, c.query, colors), c.query)
	}
}

func TestQueryNestedPaths(t *testing.T) {
	cars := entities(t,
		`{"nested":{"field":"Audi"},"owner":{"source":"Plaintext","id":"Team Alpha"}}`,
		`{"nested":{"field":"BMW"},"headers":[{"name":"a"},{"name":"b"}]}`,
		`{"nested":{"field":"Mercedes"},"list":["x","y"]}`)
	cases := []struct {
		query string
		want  []int
	}{
		{`{"query": {"nested.field": "BMW"}}`, []int{1}},
		{`{"query": {"nested/field": "BMW"}}`, []int{1}},
		{`{"query": {"owner.id": {"like": ".*Alph.*"}}}`, []int{0}},
		{`{"query": {"missing.nested.field": "xxx"}}`, []int{}},
		{`{"query": {"headers.name": "a"}}`, []int{1}}, // the first element of the node set
		{`{"query": {"headers.name": "b"}}`, []int{}},
		{`{"query": {"list": "x"}}`, []int{2}},
		// A path that is no XPath matches nothing, not even negated.
		{`{"query": {"not": {"nested..field": "BMW"}}}`, []int{}},
		{`{"query": {"not": {"nested field": "BMW"}}}`, []int{}},
		{`{"query": {"or": [{"a b": "x"}, {"nested.field": "Audi"}]}}`, []int{}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, matching(t, c.query, cars), c.query)
	}
}

// Values compare by their Java string forms: "true" equals true, 1 does not
// equal 1.0, and in compares strings by string form but other literals by type.
func TestQueryValueSemantics(t *testing.T) {
	es := entities(t, `{"b":true,"i":1,"d":1.5,"big":10000000000,"s":"1"}`)
	cases := map[string]bool{
		`{"query": {"b": "true"}}`:             true,
		`{"query": {"b": true}}`:               true,
		`{"query": {"i": 1}}`:                  true,
		`{"query": {"i": "1"}}`:                true,
		`{"query": {"i": 1.0}}`:                false,
		`{"query": {"d": 1.5}}`:                true,
		`{"query": {"d": "1.5"}}`:              true,
		`{"query": {"big": 10000000000}}`:      false, // a long literal is null in Hermes's parser
		`{"query": {"big": "10000000000"}}`:    true,
		`{"query": {"s": 1}}`:                  true,
		`{"query": {"i": {"in": [1]}}}`:        true,
		`{"query": {"i": {"in": ["1"]}}}`:      true,
		`{"query": {"s": {"in": [1]}}}`:        false,
		`{"query": {"b": {"in": [true]}}}`:     true,
		`{"query": {"i": {"like": "\\d"}}}`:    true,
		`{"query": {"missing": "null"}}`:       true, // Java's String.valueOf(null)
		`{"query": {"i": {"gt": 0}}}`:          true,
		`{"query": {"i": {"gt": "0"}}}`:        true,
		`{"query": {"d": {"lt": 1.6}}}`:        true,
		`{"query": {"d": {"lt": 1.5}}}`:        false,
		`{"query": {"s": {"gt": 0.5}}}`:        true,
		`{"query": {"big": {"gt": 9e9}}}`:      true,
		`{"query": {"b": {"gt": 5}}}`:          true, // not a number: matches
		`{"query": {"b": {"lt": "x"}}}`:        true,
		`{"query": {"not": {"b": {"lt": 5}}}}`: false,
	}
	for query, want := range cases {
		got := matching(t, query, es)
		assert.Equal(t, want, len(got) == 1, query)
	}
}

// Comparisons of what the entity lacks, or with a literal that is no
// number, are input errors: the strict Match fails, MatchLenient matches.
func TestQueryInputErrors(t *testing.T) {
	e := entities(t, `{"secondField":"30","other":"unavailable"}`)[0]
	for _, query := range []string{
		`{"query": {"missing": {"gt": 1}}}`,
		`{"query": {"secondField": {"gt": "x"}}}`,
		`{"query": {"secondField": {"lt": true}}}`,
		`{"query": {"secondField": {"lt": null}}}`,
		`{"query": {"not": {"missing": {"lt": 1}}}}`,
	} {
		q, err := domain.ParseQuery([]byte(query))
		require.NoError(t, err)
		_, err = q.Match(e)
		assert.ErrorIs(t, err, domain.ErrQueryInput, query)
		assert.True(t, q.MatchLenient(e), query)
	}
	// And stops at the first mismatch: the second member's error does not surface.
	q, err := domain.ParseQuery([]byte(`{"query": {"secondField": "1", "missing": {"gt": 1}}}`))
	require.NoError(t, err)
	ok, err := q.Match(e)
	require.NoError(t, err)
	assert.False(t, ok)
	// A lenient match of an eq on a missing attribute is still a mismatch.
	q, err = domain.ParseQuery([]byte(`{"query": {"rate": "1.0"}}`))
	require.NoError(t, err)
	assert.False(t, q.MatchLenient(e))
}

// As Hermes's test "should apply query to parsable fields": a figure that
// is "unavailable" matches a comparison.
func TestQueryComparesParsableFields(t *testing.T) {
	metrics := entities(t, `{"firstField":"10","secondField":"30"}`,
		`{"firstField":"unavailable","secondField":"unavailable"}`,
		`{"firstField":"unavailable","secondField":"15"}`)
	assert.Equal(t, []int{0, 1}, matching(t, `{"query": {"secondField": {"gt": 15}}}`, metrics))
	assert.Equal(t, []int{0, 1, 2}, matching(t, `{"query": {"firstField": {"gt": 5}}}`, metrics))
}

func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		`{"query": {}}`,
		`{"query": {"name": {"like": ".*Suffix"}}}`,
		`{"query": {"and": [{"trackingEnabled": "true"}, {"contentType": "AVRO"}]}}`,
		`{"query": {"or": [{"rate": {"gt": 10}}, {"rate": {"lt": 50}}]}}`,
		`{"query": {"not": {"owner.id": {"in": ["Team Alpha", 1, true, null]}}}}`,
		`{"query": {"lag": {"lt": 0}, "x": {"ne": 1.5e3}}}`,
		`{"query": {"a..b": "x"}}`,
		`{"query": [1]}`,
		`{"query": {"headers.name": {"eq": 10000000000000000000000}}}`,
	} {
		f.Add([]byte(seed))
	}
	es := entities(f, `{"name":"g.t","owner":{"source":"Plaintext","id":"Team Alpha"},"trackingEnabled":true,"contentType":"AVRO",`+
		`"rate":"12.5","lag":"unavailable","headers":[{"name":"a","value":"1"}],"x":1500.0,"n":null}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := domain.ParseQuery(body)
		if err != nil {
			if !assert.ErrorIs(t, err, domain.ErrFormat) {
				t.FailNow()
			}
			return
		}
		for _, e := range es {
			ok, err := q.Match(e)
			if err != nil {
				assert.ErrorIs(t, err, domain.ErrQueryInput)
				assert.False(t, ok)
				assert.True(t, q.MatchLenient(e))
			} else {
				assert.Equal(t, ok, q.MatchLenient(e))
			}
		}
	})
}
