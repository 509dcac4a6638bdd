package jsonpath_test

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/domain"
)

// selectOnly hides a path's domain.MemberPath, so filters decode the
// document and call Select: the reference the member walk must agree with.
type selectOnly struct{ c *jsonpath.Compiler }

func (s selectOnly) CompileJSONPath(path string) (domain.JSONPath, error) {
	p, err := s.c.CompileJSONPath(path)
	if err != nil {
		return nil, err
	}
	return struct{ domain.JSONPath }{p}, nil
}

func TestMemberPaths(t *testing.T) {
	t.Parallel()
	c := jsonpath.New()
	for path, want := range map[string][]string{
		"$": {}, "$.name": {"name"}, "name": {"name"}, "$.a.b": {"a", "b"},
		"$['x-y']": {"x-y"}, "$.trace-id": {"trace-id"}, `$["a"]["b"]`: {"a", "b"},
	} {
		p, err := c.CompileJSONPath(path)
		require.NoError(t, err, path)
		mp, ok := p.(domain.MemberPath)
		require.True(t, ok, path)
		names, chain := mp.Members()
		assert.True(t, chain, path)
		assert.Equal(t, want, names, path)
	}
	for _, path := range []string{"$..name", ".name", "$.a[0]", "$.a[*]", "$.a.length()", "$['a','b']", "$[?(@.a == 1)]", "$.a[?(@.b)]", "$.*"} {
		p, err := c.CompileJSONPath(path)
		require.NoError(t, err, path)
		_, chain := p.(domain.MemberPath).Members()
		assert.False(t, chain, path)
	}
}

// memberFilterPaths are member-chain paths over the bodies memberBody
// writes.
var memberFilterPaths = []string{"$", "$.name", "$.a", "$.a.b", "$.a.b.c", "$.n", "$.t", "$.z", "$.arr", "$['é']", "$['k\"q']", "$.missing", "$.a.missing"}

// memberMatchers are matchers that each match some of the values.
var memberMatchers = []string{".*", "Robert", "R.*", "1", "-?[0-9.eE+-]+", "true", "false", `\{.*\}`, `\[.*\]`, "", "é", "\ufffd.*", "a\nb"}

func memberBody(rnd *rand.Rand, depth int) string {
	scalars := []string{`"Robert"`, `"Mark"`, `"R\u00e9b"`, `"a\nb"`, `"\ud800x"`, "\"\xff\"", `1`, `-1.5e3`, `0`, `true`, `false`, `null`, `""`, `"1"`}
	if depth > 2 || rnd.IntN(3) == 0 {
		return scalars[rnd.IntN(len(scalars))]
	}
	if rnd.IntN(4) == 0 {
		items := make([]string, rnd.IntN(3))
		for i := range items {
			items[i] = memberBody(rnd, depth+1)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	keys := []string{"name", "a", "b", "c", "n", "t", "z", "arr", "é", `k\"q`, `n\u0061me`, "\xff"}
	members := make([]string, rnd.IntN(5))
	for i := range members {
		space := []string{"", " ", "\n\t "}[rnd.IntN(3)]
		members[i] = space + `"` + keys[rnd.IntN(len(keys))] + `"` + space + ":" + space + memberBody(rnd, depth+1) + space
	}
	return "{" + strings.Join(members, ",") + "}"
}

// TestMemberWalkAgreesWithSelect runs every member-chain filter over
// generated bodies (repeated and escaped names, all value kinds, broken
// and trailing bytes) both ways and wants the same decision.
func TestMemberWalkAgreesWithSelect(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(17, 2))
	fast, slow := jsonpath.New(), selectOnly{jsonpath.New()}
	bodies := []string{"", "not json", "{", `{"name":}`, `{"name":"Robert"} trailing`, `{"name":"Robert"}{`, `[]`, `"Robert"`}
	for range 800 {
		b := memberBody(rnd, 0)
		switch rnd.IntN(8) {
		case 0:
			b = b[:rnd.IntN(len(b)+1)]
		case 1:
			b += " x"
		}
		bodies = append(bodies, b)
	}
	for _, path := range memberFilterPaths {
		for _, matcher := range memberMatchers {
			for _, strategy := range []string{"all", "any"} {
				spec := []domain.MessageFilter{{Type: "jsonpath", Path: path, Matcher: matcher, MatchingStrategy: strategy}}
				ff, err := domain.CompileFilters(spec, fast)
				require.NoError(t, err)
				sf, err := domain.CompileFilters(spec, slow)
				require.NoError(t, err)
				for i, body := range bodies {
					want, got := sf.Apply([]byte(body), nil), ff.Apply([]byte(body), nil)
					name := path + " ~ " + strconv.Quote(matcher) + " on body " + strconv.Itoa(i) + " " + strconv.Quote(body)
					require.Equal(t, want.Passed, got.Passed, name)
					require.Equal(t, want.Err == nil, got.Err == nil, name)
					if want.Err != nil {
						require.Equal(t, want.Err.Error(), got.Err.Error(), name)
					}
				}
			}
		}
	}
}

// FuzzMemberWalkMatchesSelect compares both ways on fuzzed bodies.
func FuzzMemberWalkMatchesSelect(f *testing.F) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f.Add(memberBody(rnd, 0), uint8(rnd.IntN(len(memberFilterPaths))), uint8(rnd.IntN(len(memberMatchers))))
	}
	fast, slow := jsonpath.New(), selectOnly{jsonpath.New()}
	f.Fuzz(func(t *testing.T, body string, path, matcher uint8) {
		spec := []domain.MessageFilter{{Type: "jsonpath",
			Path: memberFilterPaths[int(path)%len(memberFilterPaths)], Matcher: memberMatchers[int(matcher)%len(memberMatchers)]}}
		ff, err := domain.CompileFilters(spec, fast)
		if err != nil {
			t.Fatal(err)
		}
		sf, _ := domain.CompileFilters(spec, slow)
		want, got := sf.Apply([]byte(body), nil), ff.Apply([]byte(body), nil)
		if want.Passed != got.Passed || (want.Err == nil) != (got.Err == nil) ||
			(want.Err != nil && !errors.Is(got.Err, domain.ErrValidation)) {
			t.Fatalf("%v on %q: member walk %+v, Select %+v", spec, body, got, want)
		}
	})
}

// BenchmarkJSONPathFilter is the mirror's filter ($.name against a
// 100-byte object) by the member walk and by decoding and Select.
func BenchmarkJSONPathFilter(b *testing.B) {
	body := []byte(`{"name":"Mark","favorite_number":42,"favorite_color":"blue","address":{"city":"Poznan","number":7}}`)
	spec := []domain.MessageFilter{{Type: "jsonpath", Path: "$.name", Matcher: "Robert"}}
	for name, c := range map[string]domain.JSONPathCompiler{"member_walk": jsonpath.New(), "decode_and_Select": selectOnly{jsonpath.New()}} {
		fs, err := domain.CompileFilters(spec, c)
		require.NoError(b, err)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fs.Match(body, nil)
			}
		})
	}
}
