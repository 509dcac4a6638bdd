package avro

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/hamba/avro/v2"

	"github.com/hermes-go/hermes/domain"
)

// The fast metadata path writes Hermes's metadata into a record by
// replacing the bytes of its __metadata field, instead of decoding the
// whole record into maps and encoding it again (the reference path, half
// of what an AVRO publish allocated). It walks the record's binary over
// the compiled nodes, checking it as the decoder would, and splices.
//
// It answers only where the reference path's output is known to be the
// same bytes, up to the order of map entries (random on the reference
// path): the input must be exactly what the reference encoder writes back
// (minimal varints, one positive block per array or map, booleans 0 or 1,
// no duplicate map keys, nothing after the record), and unions may only
// choose branches the reference path encodes back by their Go type. Any
// other record, valid or not, goes to the reference path, which also words
// the errors.

// fastWithMetadata returns data with meta as its __metadata, or ok false
// to send it to the reference path.
func fastWithMetadata(root *node, data []byte, meta map[string]string) (out []byte, ok bool) {
	field, ok := root.index[domain.MetadataField]
	if !ok || !metadataShape(root.fields[field].typ) {
		return nil, false
	}
	w := walker{data: data}
	var start, end int
	for i, f := range root.fields {
		if i != field {
			if !w.value(f.typ, 0) {
				return nil, false
			}
			continue
		}
		// The value replaced is checked too, as the decoder reads it.
		start = w.at
		branch, ok := w.long()
		if !ok || branch < 0 || branch > 1 || branch == 1 && !w.block(f.typ.brs[1], 0) {
			return nil, false
		}
		end = w.at
	}
	if w.at != len(data) {
		return nil, false
	}
	out = make([]byte, 0, len(data)-(end-start)+metadataSize(meta))
	out = append(out, data[:start]...)
	out = append(out, 2) // the map branch, index 1
	if len(meta) > 0 {
		out = appendLong(out, int64(len(meta)))
		for k, v := range meta {
			out = appendLong(out, int64(len(k)))
			out = append(out, k...)
			out = appendLong(out, int64(len(v)))
			out = append(out, v...)
		}
	}
	out = append(out, 0) // end of the map's blocks
	return append(out, data[end:]...), true
}

// metadataShape reports whether n is ["null", {"type":"map","values":"string"}],
// the __metadata type Hermes requires (CheckMetadataField).
func metadataShape(n *node) bool {
	return n.typ == avro.Union && len(n.brs) == 2 && n.brs[0].typ == avro.Null &&
		n.brs[1].typ == avro.Map && n.brs[1].elem.typ == avro.String
}

// metadataSize bounds meta's encoding.
func metadataSize(meta map[string]string) int {
	n := 2 + binary.MaxVarintLen64
	for k, v := range meta {
		n += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	return n
}

// maxWalkDepth bounds nesting (recursive records); deeper records go to
// the reference path.
const maxWalkDepth = 64

// walker checks Avro binary against compiled nodes; at is the next byte.
type walker struct {
	data []byte
	at   int
}

func (w *walker) value(n *node, depth int) bool {
	if depth > maxWalkDepth {
		return false
	}
	switch n.typ {
	case avro.Null:
		return true
	case avro.Boolean:
		if w.at >= len(w.data) || w.data[w.at] > 1 {
			return false
		}
		w.at++
		return true
	case avro.Int:
		v, ok := w.long()
		return ok && v >= math.MinInt32 && v <= math.MaxInt32
	case avro.Long:
		_, ok := w.long()
		return ok
	case avro.Float:
		return w.skip(4)
	case avro.Double:
		return w.skip(8)
	case avro.String, avro.Bytes:
		_, ok := w.bytes()
		return ok
	case avro.Fixed:
		return w.skip(n.size)
	case avro.Enum:
		v, ok := w.long()
		return ok && v >= 0 && v < int64(len(n.syms)) && len(n.syms) > 0
	case avro.Record:
		for _, f := range n.fields {
			if !w.value(f.typ, depth+1) {
				return false
			}
		}
		return true
	case avro.Array, avro.Map:
		return w.block(n, depth)
	case avro.Union:
		i, ok := w.long()
		if !ok || i < 0 || i >= int64(len(n.brs)) {
			return false
		}
		b := n.brs[i]
		switch b.typ {
		case avro.Null, avro.Boolean, avro.Int, avro.Long, avro.Float, avro.Double, avro.String, avro.Bytes, avro.Record:
			// branches the reference path finds again from the decoded
			// value (its primitiveBranch, or a record's {name: value})
		default:
			return false
		}
		return w.value(b, depth+1)
	}
	return false
}

// block checks an array's or map's items: one block with a positive
// count then the end, or the end alone, as the reference encoder writes.
func (w *walker) block(n *node, depth int) bool {
	count, ok := w.long()
	if !ok || count < 0 {
		return false
	}
	if count == 0 {
		return true
	}
	var seen [32][]byte
	keys := seen[:0]
	for range count {
		if n.typ == avro.Map {
			k, ok := w.bytes()
			if !ok {
				return false
			}
			// A repeated key decodes to one entry: the reference path
			// would write fewer than were read.
			for _, prev := range keys {
				if bytes.Equal(prev, k) {
					return false
				}
			}
			if len(keys) == len(seen) {
				return false // larger maps: the reference path checks them
			}
			keys = append(keys, k)
		}
		if !w.value(n.elem, depth+1) {
			return false
		}
	}
	end, ok := w.long()
	return ok && end == 0
}

// long reads a zig-zag varint written in its fewest bytes.
func (w *walker) long() (int64, bool) {
	var u uint64
	for shift, i := uint(0), w.at; i < len(w.data) && shift < 64; shift, i = shift+7, i+1 {
		c := w.data[i]
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			if c == 0 && i > w.at {
				return 0, false // longer than needed: written back shorter
			}
			if shift == 63 && c > 1 {
				return 0, false
			}
			w.at = i + 1
			return int64(u>>1) ^ -int64(u&1), true
		}
	}
	return 0, false
}

// bytes reads a length-prefixed string or bytes value.
func (w *walker) bytes() ([]byte, bool) {
	n, ok := w.long()
	if !ok || n < 0 || n > int64(len(w.data)-w.at) || n > domain.MaxMessageSize {
		return nil, false
	}
	b := w.data[w.at : w.at+int(n)]
	w.at += int(n)
	return b, true
}

func (w *walker) skip(n int) bool {
	if n > len(w.data)-w.at {
		return false
	}
	w.at += n
	return true
}
