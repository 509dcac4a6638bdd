package avro_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/avro"
)

// The fast converter must give what the reader path gives, on every body
// it accepts; bodies it declines go to the reader path. These tests
// generate many bodies per schema, valid and broken, and compare.

// diffSchema adds what fullSchema lacks: defaults of every kind, unions of
// several scalars, enum-or-string and fixed-or-bytes unions, ambiguous
// object unions (two records; record or map), arrays and maps in unions,
// maps of unions and a recursive record.
const diffSchema = `{"type":"record","name":"Doc","namespace":"pl.diff","fields":[
 {"name":"s","type":"string"},
 {"name":"i","type":"int","default":7},
 {"name":"l","type":"long","default":-9000000000},
 {"name":"f","type":"float","default":1.5},
 {"name":"d","type":"double","default":2.25},
 {"name":"b","type":"boolean","default":true},
 {"name":"by","type":"bytes","default":"\u00ff\u0000"},
 {"name":"fx","type":{"type":"fixed","name":"Two","size":2},"default":"ab"},
 {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]},"default":"GREEN"},
 {"name":"scalars","type":["string","long","boolean","double"],"default":"x"},
 {"name":"maybeInt","type":["int","null"],"default":4},
 {"name":"colorOrText","type":["Color","string"],"default":"RED"},
 {"name":"twoOrBytes","type":["null","Two","bytes"],"default":null},
 {"name":"point","type":{"type":"record","name":"Point","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]},"default":{"x":1}},
 {"name":"points","type":{"type":"array","items":"Point"},"default":[{"x":2,"y":3}]},
 {"name":"counts","type":{"type":"map","values":"long"},"default":{"a":1}},
 {"name":"shape","type":["null","Point",{"type":"record","name":"Box","fields":[{"name":"w","type":"int"}]}],"default":null},
 {"name":"pointOrMap","type":["null","Point",{"type":"map","values":"string"}],"default":null},
 {"name":"listOrText","type":["null",{"type":"array","items":"int"},"string"],"default":null},
 {"name":"mixed","type":{"type":"map","values":["null","string","long"]},"default":{}},
 {"name":"grid","type":{"type":"array","items":{"type":"array","items":"double"}},"default":[]},
 {"name":"list","type":["null",{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"],"default":null}]}],"default":null},
 ` + metadataField + `]}`

func TestFastPathMatchesReaderOnGeneratedBodies(t *testing.T) {
	t.Parallel()
	// diffSchema's object unions of two object-shaped branches always go
	// to the reader path, so only the other schemas must mostly stay fast.
	for _, c := range []struct {
		text     string
		mostFast bool
	}{{fullSchema, true}, {diffSchema, false}, {benchSchema, true}} {
		text := c.text
		s := compile(t, text).(*avro.Schema)
		root := s.Physical().(*hamba.RecordSchema)
		rnd := rand.New(rand.NewPCG(1, uint64(len(text))))
		for _, wrapped := range []bool{false, true} {
			accepted, converted := 0, 0
			for range 4000 {
				g := &gen{rnd: rnd, wrapped: wrapped, broken: rnd.IntN(4) == 0}
				body := []byte(g.record(root, 0))
				if compareWithReader(t, s, body, wrapped) {
					accepted++
				}
				if _, err := s.ReaderFromJSON(body); !wrapped && err == nil {
					converted++
				} else if _, err := s.ReaderFromAvroJSON(body); wrapped && err == nil {
					converted++
				}
			}
			t.Logf("wrapped=%v: reader converts %d bodies, fast path takes %d", wrapped, converted, accepted)
			assert.Greater(t, converted, 500, "the generator makes convertible bodies")
			if c.mostFast {
				assert.GreaterOrEqual(t, accepted*10, converted*9, "the fast path takes most of what converts (wrapped=%v)", wrapped)
			}
		}
	}
}

// compareWithReader fails t if the fast path accepts body and its output
// differs from the reader path's; it tells whether the fast path accepted.
func compareWithReader(t *testing.T, s *avro.Schema, body []byte, wrapped bool) bool {
	t.Helper()
	fast, ok := s.FastFromJSON(body, wrapped)
	ref, refErr := s.ReaderFromJSON(body)
	if wrapped {
		ref, refErr = s.ReaderFromAvroJSON(body)
	}
	if !ok {
		return false
	}
	if assert.NoError(t, refErr, "fast path took what the reader refuses: %s", body) {
		assertSameRecord(t, s, fast, ref, body)
	}
	return true
}

// assertSameRecord fails t unless fast and ref are the same record: the
// same bytes, or, since map entries come in Go's random order on the
// reader path, of the same length and decoding to the same values. in is
// the input both came from, for the message.
func assertSameRecord(t *testing.T, s *avro.Schema, fast, ref, in []byte) {
	t.Helper()
	if string(fast) == string(ref) {
		return
	}
	assert.Len(t, fast, len(ref), "%q", in)
	got, err := s.Decode(fast)
	require.NoError(t, err, "%q", in)
	want, err := s.Decode(ref)
	require.NoError(t, err)
	assert.Equal(t, want, got, "%q", in)
}

func TestFastPathMatchesReaderOnEdgeCases(t *testing.T) {
	t.Parallel()
	s := compile(t, diffSchema).(*avro.Schema)
	for _, c := range []struct {
		body     string
		wrapped  bool
		accepted bool
	}{
		{`{"s":"x"}`, false, true},
		{`{"s":"x"}`, true, false}, // the ["Color","string"] default "RED" is no wrapped union
		{`{"s":"x","colorOrText":{"Color":"RED"},"scalars":{"string":"y"},"maybeInt":{"int":1}}`, true, true},
		{`{"colorOrText":"BLUE","s":"a\"\\\u00e9\ud83d\ude00"}`, false, true},
		{`{"s":"x","colorOrText":"PURPLE","scalars":true}`, false, true},
		{`{"s":"x","scalars":12345678901234567890}`, false, true},
		{`{"s":"x","i":2147483648,"l":1.9e3,"f":-0,"d":1e-320}`, false, true},
		{`{"s":"x","i":1e400}`, false, true},
		{`{"s":"x","twoOrBytes":"ab"}`, false, true},
		{`{"s":"x","twoOrBytes":"abc"}`, false, true},
		{`{"s":"x","twoOrBytes":"\u0100b"}`, false, true},
		{`{"s":"x","by":"\u0100","fx":"\u00e9\u00e9"}`, false, true},
		{`{"s":"x","fx":"\u0100"}`, false, true}, // one code point above 255: the string's UTF-8, two bytes
		{`{"s":"x","shape":{"x":1}}`, false, false},
		{`{"s":"x","pointOrMap":{"k":"v"}}`, false, false},
		{`{"s":"x","listOrText":[1,2,3]}`, false, true},
		{`{"s":"x","mixed":{"a":null,"b":"t","c":3}}`, false, true},
		{`{"s":"x","list":{"v":1,"next":{"v":2,"next":null}}}`, false, true},
		{`{"s":"x","list":{"v":1,"next":{"v":2,"next":{"v":3}}}}`, false, true},
		{`{"s":"x","s":"y"}`, false, false},
		{`{"s":"\xff"}`, false, false},
		{`{"s":"x"} `, false, true},
		{`{"s":"x"}}`, false, false},
		{`{"s":"x"} {}`, false, false},
		{`{"s":"x","unknown":{"deep":[1,{"a":null}]}}`, false, true},
		{`{"s":"x","counts":{}}`, false, true},
		{`{"s":"x","points":[]}`, false, true},
		{`{"s":"` + strings.Repeat("y", 300) + `","counts":{` + longMap(200) + `}}`, false, true},
		{`null`, false, false},
		{`[]`, false, false},
		{`{"i":1}`, false, false},
	} {
		body := c.body
		got := compareWithReader(t, s, []byte(body), c.wrapped)
		assert.Equal(t, c.accepted, got, "fast path accepts %s (wrapped=%v)", body, c.wrapped)
	}
}

func longMap(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	return b.String()
}

// FuzzFastMatchesReader checks the fast path against the reader path on
// fuzzed bodies.
func FuzzFastMatchesReader(f *testing.F) {
	for _, s := range []string{fuzzBody, `{}`, `{"id":"x","note":null}`, `{"status":"NEW","buyer":{"address":{"city":"c"}}}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	s, err := avro.NewCodec().Compile(fullSchema)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, wrapped bool) {
		compareWithReader(t, s.(*avro.Schema), body, wrapped)
	})
}

// gen writes random JSON for a schema: mostly values the schema takes,
// in shuffled field order, with absent and unknown fields, varied number
// and string spellings; broken bodies also get values of wrong types.
type gen struct {
	rnd     *rand.Rand
	wrapped bool
	broken  bool
}

func (g *gen) chance(n int) bool { return g.rnd.IntN(n) == 0 }

func (g *gen) record(s *hamba.RecordSchema, depth int) string {
	fields := s.Fields()
	order := g.rnd.Perm(len(fields))
	if g.chance(2) {
		for i := range order {
			order[i] = i
		}
	}
	var parts []string
	for _, i := range order {
		f := fields[i]
		if (f.HasDefault() && g.chance(3)) || (g.broken && g.chance(20)) {
			continue
		}
		parts = append(parts, strconv.Quote(f.Name())+":"+g.value(f.Type(), depth+1))
	}
	if g.chance(5) {
		parts = append(parts, `"zz_unknown":`+g.junk(depth))
	}
	return "{" + strings.Join(parts, g.sep()) + "}"
}

func (g *gen) sep() string {
	if g.chance(4) {
		return " ,\n\t"
	}
	return ","
}

func (g *gen) value(s hamba.Schema, depth int) string {
	if r, ok := s.(*hamba.RefSchema); ok {
		s = r.Schema()
	}
	if g.broken && g.chance(15) {
		return g.junk(depth)
	}
	switch s := s.(type) {
	case *hamba.RecordSchema:
		return g.record(s, depth)
	case *hamba.ArraySchema:
		n := g.rnd.IntN(4)
		if depth > 4 {
			n = 0
		}
		items := make([]string, n)
		for i := range items {
			items[i] = g.value(s.Items(), depth+1)
		}
		return "[" + strings.Join(items, g.sep()) + "]"
	case *hamba.MapSchema:
		n := g.rnd.IntN(4)
		if depth > 4 {
			n = 0
		}
		items := make([]string, n)
		for i := range items {
			items[i] = g.str("k"+strconv.Itoa(i)) + ":" + g.value(s.Values(), depth+1)
		}
		return "{" + strings.Join(items, g.sep()) + "}"
	case *hamba.UnionSchema:
		types := s.Types()
		t := types[g.rnd.IntN(len(types))]
		if depth > 5 {
			t = types[0]
		}
		if t.Type() == hamba.Null {
			return "null"
		}
		v := g.value(t, depth)
		if g.wrapped {
			name := string(t.Type())
			if r, ok := t.(*hamba.RefSchema); ok {
				t = r.Schema()
			}
			if n, ok := t.(hamba.NamedSchema); ok {
				name = n.FullName()
				if g.chance(2) {
					name = n.Name()
				}
			}
			return "{" + strconv.Quote(name) + ":" + v + "}"
		}
		return v
	case *hamba.EnumSchema:
		syms := s.Symbols()
		if g.broken && g.chance(3) {
			return `"NOPE"`
		}
		return g.str(syms[g.rnd.IntN(len(syms))])
	case *hamba.FixedSchema:
		return g.latin1(s.Size())
	case *hamba.PrimitiveSchema:
		switch s.Type() {
		case hamba.String:
			return g.text()
		case hamba.Bytes:
			return g.latin1(g.rnd.IntN(5))
		case hamba.Int, hamba.Long, hamba.Float, hamba.Double:
			return g.number()
		case hamba.Boolean:
			if g.chance(2) {
				return "true"
			}
			return "false"
		case hamba.Null:
			return "null"
		}
	}
	return "null"
}

func (g *gen) number() string {
	forms := []string{"0", "-0", "1", "-1", "42", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
		"9223372036854775808", "123456789012", "0.25", "-1.75", "1e3", "1E-2", "2.5e+2", "3.4028236e38", "1e-50", "5e-324"}
	if g.chance(3) {
		return strconv.FormatInt(g.rnd.Int64()>>g.rnd.IntN(64), 10)
	}
	if g.chance(4) {
		return strconv.FormatFloat(g.rnd.NormFloat64()*1e6, 'g', -1, 64)
	}
	return forms[g.rnd.IntN(len(forms))]
}

func (g *gen) text() string {
	forms := []string{"", "a", "Poznań", "tab\there", `quote"and\back`, "\u2028", "😀", "\x00", "ĄĘ ść"}
	s := forms[g.rnd.IntN(len(forms))]
	if g.chance(3) {
		s = strings.Repeat("x", g.rnd.IntN(200))
	}
	return g.str(s)
}

// str quotes s, with \u escapes for some of its characters.
func (g *gen) str(s string) string {
	if !g.chance(3) {
		return strconv.Quote(s)
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x10000 && (r < 0x20 || r == '"' || r == '\\' || g.chance(2)) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// latin1 is a string of n code points up to 255, as bytes and fixed take,
// sometimes with one above.
func (g *gen) latin1(n int) string {
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = rune(g.rnd.IntN(256))
	}
	if g.chance(10) {
		rs = append(rs, 'Ā')
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range rs {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	b.WriteByte('"')
	return b.String()
}

func (g *gen) junk(depth int) string {
	forms := []string{"null", "true", "1.5", `"s"`, "[]", "{}", `[1,"a",null]`, `{"a":{"b":[true]}}`}
	return forms[g.rnd.IntN(len(forms))]
}
