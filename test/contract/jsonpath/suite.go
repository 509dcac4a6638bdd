// Package jsonpath is the contract suite of ports.JSONPathCompiler: the
// JSON paths Hermes users write in jsonpath filters, in Jayway JsonPath's
// syntax and with its results (Hermes evaluates them with Jayway). The
// cases restate the examples of Jayway's README over an equivalent
// document of our own (a record shop instead of a book store), plus the
// Jayway forms Hermes's own tests use.
package jsonpath

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// shop is the fixture: like Jayway's store, an array of items where only
// some have an optional field (catalog), a lone object beside it and a
// top-level number the filters compare with.
const shop = `{
  "shop": {
    "album": [
      {"genre": "jazz", "artist": "Mina Dahl", "title": "Blue Hours", "price": 8.95},
      {"genre": "rock", "artist": "The Orbits", "title": "Satellite", "price": 12.99},
      {"genre": "rock", "artist": "Ola Reeson", "title": "Northern Lights", "catalog": "NL-0553", "price": 8.99},
      {"genre": "rock", "artist": "Ivo Stone", "title": "Granite", "catalog": "GR-0395", "price": 22.99}
    ],
    "poster": {"color": "red", "price": 19.95}
  },
  "budget": 10,
  "trace-id": "abc",
  "user": {"name": "Bob", "tags": ["a", "b"]},
  "items": [{"type": "x", "n": 1}, {"type": "y", "n": 2}, {"type": "x", "n": 3}]
}`

// Run runs the suite against the compiler newCompiler returns.
func Run(t *testing.T, newCompiler func(t *testing.T) ports.JSONPathCompiler) {
	t.Helper()
	t.Run("InvalidPathsAreRefused", func(t *testing.T) { t.Parallel(); testInvalid(t, newCompiler(t)) })
	t.Run("JaywayReadmeExamples", func(t *testing.T) { t.Parallel(); testSelect(t, newCompiler(t), readmeCases) })
	t.Run("HermesForms", func(t *testing.T) { t.Parallel(); testSelect(t, newCompiler(t), hermesCases) })
	t.Run("ConcurrentSelect", func(t *testing.T) { t.Parallel(); testConcurrent(t, newCompiler(t)) })
}

type selectCase struct {
	name, path string
	want       []string // selected values as JSON, in any order
}

var readmeCases = []selectCase{
	{"every album's artist", "$.shop.album[*].artist", []string{`"Mina Dahl"`, `"The Orbits"`, `"Ola Reeson"`, `"Ivo Stone"`}},
	{"every artist anywhere", "$..artist", []string{`"Mina Dahl"`, `"The Orbits"`, `"Ola Reeson"`, `"Ivo Stone"`}},
	{"everything in the shop", "$.shop.*", []string{
		`[{"artist":"Mina Dahl","genre":"jazz","price":8.95,"title":"Blue Hours"},{"artist":"The Orbits","genre":"rock","price":12.99,"title":"Satellite"},{"artist":"Ola Reeson","catalog":"NL-0553","genre":"rock","price":8.99,"title":"Northern Lights"},{"artist":"Ivo Stone","catalog":"GR-0395","genre":"rock","price":22.99,"title":"Granite"}]`,
		`{"color":"red","price":19.95}`}},
	{"every price in the shop", "$.shop..price", []string{"8.95", "12.99", "8.99", "22.99", "19.95"}},
	{"third album", "$..album[2].title", []string{`"Northern Lights"`}},
	{"second to last album", "$..album[-2].title", []string{`"Northern Lights"`}},
	{"first two albums by union", "$..album[0,1].title", []string{`"Blue Hours"`, `"Satellite"`}},
	{"albums up to index 2", "$..album[:2].title", []string{`"Blue Hours"`, `"Satellite"`}},
	{"albums from 1 to 2 exclusive", "$..album[1:2].title", []string{`"Satellite"`}},
	{"last two albums", "$..album[-2:].title", []string{`"Northern Lights"`, `"Granite"`}},
	{"albums from index 2", "$..album[2:].title", []string{`"Northern Lights"`, `"Granite"`}},
	{"albums with a catalog number", "$..album[?(@.catalog)].title", []string{`"Northern Lights"`, `"Granite"`}},
	{"albums cheaper than 10", "$.shop.album[?(@.price < 10)].title", []string{`"Blue Hours"`, `"Northern Lights"`}},
	{"albums within the budget", "$..album[?(@.price <= $['budget'])].title", []string{`"Blue Hours"`, `"Northern Lights"`}},
	{"artists matching a case-insensitive regex", "$..album[?(@.artist =~ /.*REESON/i)].title", []string{`"Northern Lights"`}},
	{"bracket notation", "$['shop']['poster']['color']", []string{`"red"`}},
	{"the number of albums", "$..album.length()", []string{"4"}},
}

var hermesCases = []selectCase{
	// Jayway reads a path without $ as "$." + path: ".name" scans deep.
	{"leading dot is a deep scan", ".name", []string{`"Bob"`}},
	{"bare name is a child of the root", "budget", []string{"10"}},
	{"bare dotted path", "user.name", []string{`"Bob"`}},
	{"@ as the root", "@.budget", []string{"10"}},
	{"name with a dash", "$.trace-id", []string{`"abc"`}},
	{"filter expression over items", "$.items[?(@.type == 'x')].n", []string{"1", "3"}},
	{"double-quoted string in a filter", `$.items[?(@.type == "y")].n`, []string{"2"}},
	{"filter on an object tests the object", "$.user[?(@.name == 'Bob')].name", []string{`"Bob"`}},
	{"filter on the root object", "$[?(@.budget > 5)].budget", []string{"10"}},
	{"filter on an object that fails", "$.user[?(@.name == 'Ann')]", nil},
	{"in", "$.items[?(@.n in [1, 2])].type", []string{`"x"`, `"y"`}},
	{"nin", "$.items[?(@.type nin ['x'])].n", []string{"2"}},
	{"size", "$[?(@.tags size 2)].name", nil},
	{"size on an array member", "$.user[?(@.tags size 2)].name", []string{`"Bob"`}},
	{"empty false", "$.user[?(@.tags empty false)].name", []string{`"Bob"`}},
	{"length() in a filter", "$.user[?(@.tags.length() > 1)].name", []string{`"Bob"`}},
	{"and, or", "$.items[?(@.type == 'x' && @.n > 1 || @.n == 2)].n", []string{"2", "3"}},
	{"regex is a full match", "$.items[?(@.type =~ /x|z/)].n", []string{"1", "3"}},
	{"regex not matching part of a value", "$..album[?(@.artist =~ /Reeson/)].title", nil},
	{"missing member selects nothing", "$.user.age", nil},
	{"length() of an array", "$.user.tags.length()", []string{"2"}},
	{"size() of an object", "$.user.size()", []string{"2"}},
}

func testSelect(t *testing.T, c ports.JSONPathCompiler, cases []selectCase) {
	d := json.NewDecoder(bytes.NewReader([]byte(shop)))
	d.UseNumber()
	var doc any
	require.NoError(t, d.Decode(&doc))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := c.CompileJSONPath(tc.path)
			require.NoError(t, err, tc.path)
			var got []string
			for _, v := range p.Select(doc) {
				b, err := json.Marshal(v)
				require.NoError(t, err)
				got = append(got, string(b))
			}
			assert.ElementsMatch(t, tc.want, got, tc.path)
		})
	}
}

func testInvalid(t *testing.T, c ports.JSONPathCompiler) {
	for _, p := range []string{
		"", "$.", "$..", "$.a[1", "$.a[?(@.b == )]", "$.a[?(@.b =~ /x)]",
		"$.a['b", "$.a b", "$.items.sum()", "$.items.length().x", "$.a[?(@.b anyof [1])]", "$[?]",
	} {
		_, err := c.CompileJSONPath(p)
		assert.ErrorIs(t, err, domain.ErrValidation, "%q", p)
	}
}

func testConcurrent(t *testing.T, c ports.JSONPathCompiler) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(shop), &doc))
	done := make(chan int, 8)
	for range 8 {
		go func() {
			p, err := c.CompileJSONPath("$..album[?(@.price < 10)].title")
			n := 0
			if err == nil {
				n = len(p.Select(doc))
			}
			done <- n
		}()
	}
	for range 8 {
		assert.Equal(t, 2, <-done)
	}
}
