package avro

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/hamba/avro/v2"
)

// The fast converter walks the JSON tokens of a publish straight into Avro
// binary, with a tree of nodes compiled once per schema, instead of
// decoding into map[string]any, rebuilding generic values and encoding
// those (the reader path, about twice a typed decode plus encode).
//
// It only ever answers with bytes the reader path would produce too: it
// gives up (errSlow) wherever it is stricter or cannot decide alone
// (invalid UTF-8, duplicate names, an object for a union with two
// object-shaped branches, any conversion error), and FromJSON then runs
// the reader path, which produces the result and Hermes's error messages.
// So the reader path's rules stay the only definition of the conversion.

// errSlow sends a body to the reader path.
var errSlow = errors.New("avro: fast path declined")

// node is one compiled schema node (logical types already stripped).
type node struct {
	typ avro.Type

	fields []fieldNode    // record
	index  map[string]int // record: field name to position
	elem   *node          // array items, map values
	syms   map[string]int // enum symbol to index
	size   int            // fixed
	brs    []*node        // union branches, resolved
	null   int            // union: first null branch, -1 if none
	boolBr int            // union: first boolean branch, -1 if none
	numBr  int            // union: first numeric branch, -1 if none
	objBr  int            // union: the one record or map branch; -1 none, -2 several
	arrBr  int            // union: the one array branch; -1 none, -2 several
	named  map[string]int // union: wrapped-mode key to branch
	strBrs []int          // union: branches that may accept a string, in order
}

// fieldNode is a record field; def holds its default as Avro binary, per
// reading mode (plain, wrapped), nil when it has none or it does not convert.
type fieldNode struct {
	typ *node
	def [2][]byte
}

// compileFast builds the converter tree of a record schema.
func compileFast(s *avro.RecordSchema) *node {
	return buildNode(s, map[*avro.RecordSchema]*node{})
}

func buildNode(s avro.Schema, seen map[*avro.RecordSchema]*node) *node {
	s = resolve(s)
	n := &node{typ: s.Type()}
	switch s := s.(type) {
	case *avro.RecordSchema:
		if m, ok := seen[s]; ok {
			return m
		}
		seen[s] = n
		n.fields = make([]fieldNode, len(s.Fields()))
		n.index = make(map[string]int, len(s.Fields()))
		for i, f := range s.Fields() {
			n.index[f.Name()] = i
			n.fields[i].typ = buildNode(f.Type(), seen)
			if !f.HasDefault() {
				continue
			}
			for mode, r := range []reader{{}, {wrapped: true}} {
				n.fields[i].def[mode] = encodeDefault(r, f)
			}
		}
	case *avro.ArraySchema:
		n.elem = buildNode(s.Items(), seen)
	case *avro.MapSchema:
		n.elem = buildNode(s.Values(), seen)
	case *avro.EnumSchema:
		n.syms = make(map[string]int, len(s.Symbols()))
		for i, sym := range s.Symbols() {
			if _, dup := n.syms[sym]; !dup {
				n.syms[sym] = i
			}
		}
	case *avro.FixedSchema:
		n.size = s.Size()
	case *avro.UnionSchema:
		n.null, n.boolBr, n.numBr, n.objBr, n.arrBr = -1, -1, -1, -1, -1
		n.named = map[string]int{}
		for i, t := range s.Types() {
			b := buildNode(t, seen)
			n.brs = append(n.brs, b)
			keys := []string{branchName(t)}
			if named, ok := resolve(t).(avro.NamedSchema); ok {
				keys = append(keys, named.Name())
			}
			for _, k := range keys {
				if _, dup := n.named[k]; !dup {
					n.named[k] = i
				}
			}
			switch b.typ {
			case avro.Null:
				first(&n.null, i)
			case avro.Boolean:
				first(&n.boolBr, i)
			case avro.Int, avro.Long, avro.Float, avro.Double:
				first(&n.numBr, i)
			case avro.Record, avro.Map:
				only(&n.objBr, i)
			case avro.Array:
				only(&n.arrBr, i)
			case avro.String, avro.Enum, avro.Bytes, avro.Fixed:
				n.strBrs = append(n.strBrs, i)
			}
		}
	}
	return n
}

func first(at *int, i int) {
	if *at == -1 {
		*at = i
	}
}

func only(at *int, i int) {
	if *at == -1 {
		*at = i
	} else {
		*at = -2
	}
}

// encodeDefault converts a field's default as the reader path does when
// the field is absent; nil if that fails (the reader path then reports it).
func encodeDefault(r reader, f *avro.Field) []byte {
	def, err := defaultValue(f)
	if err != nil {
		return nil
	}
	v, err := r.value(f.Type(), def, []string{f.Name()})
	if err != nil {
		return nil
	}
	out, err := api.Marshal(f.Type(), v)
	if err != nil {
		return nil
	}
	return out
}

// span is where a record field's encoding lies in the output buffer.
type span struct {
	start, end int
	set        bool
}

// encoder is the per-conversion state, pooled: the tokenizer and scratch
// buffers are reused across publishes.
type encoder struct {
	src     bytes.Buffer // over the body: jsontext then parses it in place
	dec     *jsontext.Decoder
	out     []byte
	tmp     []byte
	str     []byte
	spans   []span
	wrapped int // 0 plain, 1 Avro's JSON encoding
}

// maxPooledBuffer bounds the scratch kept in the pool, so one huge
// message does not pin its buffers.
const maxPooledBuffer = 1 << 20

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.dec = jsontext.NewDecoder(&e.src)
	return e
}}

// fastFromJSON converts body, or returns errSlow.
func fastFromJSON(root *node, body []byte, wrapped bool) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer func() {
		if cap(e.out) <= maxPooledBuffer && cap(e.tmp) <= maxPooledBuffer && cap(e.str) <= maxPooledBuffer {
			e.src = bytes.Buffer{} // drop the body
			e.dec.Reset(&e.src)
			encoders.Put(e)
		}
	}()
	e.src = *bytes.NewBuffer(body)
	e.dec.Reset(&e.src)
	e.out, e.spans = e.out[:0], e.spans[:0]
	e.wrapped = 0
	if wrapped {
		e.wrapped = 1
	}
	if e.dec.PeekKind() != '{' {
		return nil, errSlow
	}
	if err := e.value(root); err != nil {
		return nil, errSlow
	}
	if _, err := e.dec.ReadToken(); err != io.EOF {
		return nil, errSlow
	}
	return bytes.Clone(e.out), nil
}

func (e *encoder) value(n *node) error {
	d := e.dec
	k := d.PeekKind()
	switch n.typ {
	case avro.Record:
		if k != '{' {
			return errSlow
		}
		return e.record(n)
	case avro.Array:
		if k != '[' {
			return errSlow
		}
		return e.array(n)
	case avro.Map:
		if k != '{' {
			return errSlow
		}
		return e.mapValue(n)
	case avro.Union:
		return e.union(n, k)
	case avro.Null:
		if k != 'n' {
			return errSlow
		}
		_, err := d.ReadToken()
		return err
	case avro.Boolean:
		if k != 't' && k != 'f' {
			return errSlow
		}
		if _, err := d.ReadToken(); err != nil {
			return err
		}
		e.out = append(e.out, boolByte(k))
		return nil
	case avro.Int, avro.Long, avro.Float, avro.Double:
		if k != '0' {
			return errSlow
		}
		raw, err := d.ReadValue()
		if err != nil {
			return err
		}
		e.number(n.typ, raw)
		return nil
	case avro.String, avro.Enum, avro.Bytes, avro.Fixed:
		if k != '"' {
			return errSlow
		}
		s, err := e.readString()
		if err != nil {
			return err
		}
		if !e.stringValue(n, s) {
			return errSlow
		}
		return nil
	}
	return errSlow
}

func boolByte(k jsontext.Kind) byte {
	if k == 't' {
		return 1
	}
	return 0
}

// readString reads a string token's content, valid until the next read.
func (e *encoder) readString() ([]byte, error) {
	raw, err := e.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	e.str, err = jsontext.AppendUnquote(e.str[:0], raw)
	return e.str, err
}

// stringValue writes s as n (string, enum, bytes or fixed), or reports
// that n does not accept it, as the reader path decides.
func (e *encoder) stringValue(n *node, s []byte) bool {
	switch n.typ {
	case avro.String:
		e.out = appendLong(e.out, int64(len(s)))
		e.out = append(e.out, s...)
	case avro.Enum:
		i, ok := n.syms[string(s)]
		if !ok {
			return false
		}
		e.out = appendLong(e.out, int64(i))
	case avro.Bytes:
		start := len(e.out)
		e.out = appendLong(e.out, 0) // placeholder, rewritten below
		e.out = appendLatin1(e.out, s)
		e.out = e.withLength(start, len(e.out)-start-1)
	case avro.Fixed:
		start := len(e.out)
		e.out = appendLatin1(e.out, s)
		if len(e.out)-start != n.size {
			e.out = e.out[:start]
			return false
		}
	default:
		return false
	}
	return true
}

// withLength replaces the one-byte zero placeholder at start with the
// varint of n, shifting what follows if the varint is longer.
func (e *encoder) withLength(start, n int) []byte {
	var v [binary.MaxVarintLen64]byte
	enc := appendLong(v[:0], int64(n))
	e.out[start] = enc[0]
	if len(enc) > 1 {
		e.out = slices.Insert(e.out, start+1, enc[1:]...)
	}
	return e.out
}

// appendLatin1 appends s read as fromLatin1 does: code points up to 255
// are bytes; any larger one makes the whole string its UTF-8.
func appendLatin1(b, s []byte) []byte {
	start := len(b)
	for _, r := range string(s) {
		if r > 255 {
			return append(b[:start], s...)
		}
		b = append(b, byte(r))
	}
	return b
}

func (e *encoder) number(t avro.Type, raw []byte) {
	switch t {
	case avro.Int, avro.Long:
		i := parseInteger(string(raw))
		if t == avro.Int {
			i = int64(int32(i))
		}
		e.out = appendLong(e.out, i)
	case avro.Float:
		f, _ := strconv.ParseFloat(string(raw), 64)
		e.out = binary.LittleEndian.AppendUint32(e.out, math.Float32bits(float32(f)))
	default:
		f, _ := strconv.ParseFloat(string(raw), 64)
		e.out = binary.LittleEndian.AppendUint64(e.out, math.Float64bits(f))
	}
}

// parseInteger is number's integer rule (an integer, else the truncated
// float), without ParseInt's error allocation for fractions.
func parseInteger(s string) int64 {
	if strings.ContainsAny(s, ".eE") {
		f, _ := strconv.ParseFloat(s, 64)
		return int64(f)
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, _ := strconv.ParseFloat(s, 64)
		return int64(f)
	}
	return i
}

func (e *encoder) record(n *node) error {
	d := e.dec
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	start := len(e.out)
	base := len(e.spans)
	e.spans = append(e.spans, make([]span, len(n.fields))...)
	for {
		k := d.PeekKind()
		if k == '}' {
			break
		}
		if k != '"' {
			return errSlow
		}
		name, err := e.readString()
		if err != nil {
			return err
		}
		i, ok := n.index[string(name)]
		if !ok {
			if err := d.SkipValue(); err != nil {
				return err
			}
			continue
		}
		s := len(e.out)
		if err := e.value(n.fields[i].typ); err != nil {
			return err
		}
		e.spans[base+i] = span{start: s, end: len(e.out), set: true}
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	spans := e.spans[base:]
	defer func() { e.spans = e.spans[:base] }()
	at, inOrder := start, true
	for _, sp := range spans {
		if !sp.set || sp.start != at {
			inOrder = false
			break
		}
		at = sp.end
	}
	if inOrder {
		return nil
	}
	// Fields came in another order than the schema's, or some are absent:
	// lay them out again in schema order, defaults for the absent.
	e.tmp = append(e.tmp[:0], e.out[start:]...)
	e.out = e.out[:start]
	for i, sp := range spans {
		switch {
		case sp.set:
			e.out = append(e.out, e.tmp[sp.start-start:sp.end-start]...)
		case n.fields[i].def[e.wrapped] != nil:
			e.out = append(e.out, n.fields[i].def[e.wrapped]...)
		default:
			return errSlow
		}
	}
	return nil
}

// array writes Java's layout: one block of all items, then the end block.
func (e *encoder) array(n *node) error { return e.items(n, ']') }

// mapValue writes a map as array does, each item its key then its value.
func (e *encoder) mapValue(n *node) error { return e.items(n, '}') }

// items reads the JSON array or object (end is its closing token) and
// writes its items as one block and the end block; an object's items
// are prefixed with their keys.
func (e *encoder) items(n *node, end jsontext.Kind) error {
	d := e.dec
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	start := len(e.out)
	e.out = append(e.out, 0)
	count := 0
	for d.PeekKind() != end {
		if end == '}' {
			if err := e.mapKey(); err != nil {
				return err
			}
		}
		if err := e.value(n.elem); err != nil {
			return err
		}
		count++
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	e.closeBlock(start, count)
	return nil
}

// mapKey writes the next object name as an Avro string; anything but a
// name leaves the message to the slow path.
func (e *encoder) mapKey() error {
	if e.dec.PeekKind() != '"' {
		return errSlow
	}
	key, err := e.readString()
	if err != nil {
		return err
	}
	e.out = appendLong(e.out, int64(len(key)))
	e.out = append(e.out, key...)
	return nil
}

// closeBlock turns the placeholder at start into the block count and
// appends the end block; an empty array or map is the end block alone.
func (e *encoder) closeBlock(start, count int) {
	if count == 0 {
		return // the placeholder zero is the end block
	}
	e.out = e.withLength(start, count)
	e.out = append(e.out, 0)
}

func (e *encoder) union(n *node, k jsontext.Kind) error {
	if e.wrapped == 1 {
		return e.wrappedUnion(n, k)
	}
	br := -1
	switch k {
	case 'n':
		br = n.null
	case 't', 'f':
		br = n.boolBr
	case '0':
		br = n.numBr
	case '{':
		br = n.objBr
	case '[':
		br = n.arrBr
	case '"':
		// The first branch that takes the string wins, as in the reader.
		s, err := e.readString()
		if err != nil {
			return err
		}
		for _, i := range n.strBrs {
			start := len(e.out)
			e.out = appendLong(e.out, int64(i))
			if e.stringValue(n.brs[i], s) {
				return nil
			}
			e.out = e.out[:start]
		}
		return errSlow
	}
	if br < 0 {
		return errSlow
	}
	e.out = appendLong(e.out, int64(br))
	return e.value(n.brs[br])
}

// wrappedUnion reads Avro's JSON encoding: null, or {"<branch>": value}.
func (e *encoder) wrappedUnion(n *node, k jsontext.Kind) error {
	d := e.dec
	if k == 'n' {
		if n.null < 0 {
			return errSlow
		}
		e.out = appendLong(e.out, int64(n.null))
		_, err := d.ReadToken()
		return err
	}
	if k != '{' {
		return errSlow
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	if d.PeekKind() != '"' {
		return errSlow
	}
	name, err := e.readString()
	if err != nil {
		return err
	}
	br, ok := n.named[string(name)]
	if !ok {
		return errSlow
	}
	e.out = appendLong(e.out, int64(br))
	if err := e.value(n.brs[br]); err != nil {
		return err
	}
	if d.PeekKind() != '}' {
		return errSlow
	}
	_, err = d.ReadToken()
	return err
}

// appendLong appends v as Avro's zig-zag varint (int and long alike).
func appendLong(b []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}
