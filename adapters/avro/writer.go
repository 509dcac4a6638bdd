package avro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/hermes-go/hermes/domain"
)

// writeRecord renders a decoded record as JSON in schema field order,
// unions unwrapped, as Hermes's NoWrappingJsonEncoder does; the top-level
// record leaves out Hermes's metadata field.
func writeRecord(b *bytes.Buffer, s *avro.RecordSchema, rec map[string]any, top bool) error {
	b.WriteByte('{')
	first := true
	for _, f := range s.Fields() {
		if top && f.Name() == domain.MetadataField {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeScalar(b, f.Name())
		b.WriteByte(':')
		if err := writeValue(b, f.Type(), rec[f.Name()]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

func writeValue(b *bytes.Buffer, s avro.Schema, v any) error {
	s, v = unwrap(s, v)
	switch s.Type() {
	case avro.Null:
		b.WriteString("null")
	case avro.Record:
		rec, _ := v.(map[string]any)
		return writeRecord(b, s.(*avro.RecordSchema), rec, false)
	case avro.Array:
		b.WriteByte('[')
		list, _ := v.([]any)
		for i, item := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeValue(b, s.(*avro.ArraySchema).Items(), item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case avro.Map:
		// Map order is not Avro's either (a Java HashMap); sort for stable output.
		m, _ := v.(map[string]any)
		b.WriteByte('{')
		for i, k := range sortedKeys(m) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeScalar(b, k)
			b.WriteByte(':')
			if err := writeValue(b, s.(*avro.MapSchema).Values(), m[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case avro.Bytes, avro.Fixed:
		writeScalar(b, latin1(asBytes(v)))
	default:
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return fmt.Errorf("%v is not representable in JSON", f)
		}
		writeScalar(b, v)
	}
	return nil
}

func writeScalar(b *bytes.Buffer, v any) {
	raw, _ := json.Marshal(v) // strings, numbers and booleans always marshal
	b.Write(raw)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unwrap resolves references and a decoded union ({branch: value}, or nil
// for null) to its branch schema and value.
func unwrap(s avro.Schema, v any) (avro.Schema, any) {
	s = resolve(s)
	u, ok := s.(*avro.UnionSchema)
	if !ok {
		return s, v
	}
	m, _ := v.(map[string]any)
	for name, x := range m {
		if t, _ := u.Types().Get(name); t != nil {
			return resolve(t), x
		}
	}
	return &avro.NullSchema{}, nil
}

// asBytes returns the bytes of a decoded bytes ([]byte) or fixed ([N]byte) value.
func asBytes(v any) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Array {
		return nil
	}
	out := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(out), rv)
	return out
}

// arraySelector is Hermes's avropath array step: name[index] or name[*].
var arraySelector = regexp.MustCompile(`^(.+)\[(\*|\d+)\]$`)

// Select evaluates an avropath as Hermes's AvroPathPredicate does.
func (s *Schema) Select(data []byte, path string) ([]string, error) {
	rec, err := s.decode(data)
	if err != nil {
		return nil, err
	}
	steps := strings.Split(strings.Trim(path, "."), ".")
	return selectPath(s.physical, rec, steps), nil
}

func selectPath(s avro.Schema, v any, steps []string) []string {
	for len(steps) > 0 {
		s, v = unwrap(s, v)
		switch s.Type() {
		case avro.Record:
			rec, _ := v.(map[string]any)
			step := steps[0]
			steps = steps[1:]
			m := arraySelector.FindStringSubmatch(step)
			if m == nil {
				s, v = fieldOf(s.(*avro.RecordSchema), rec, step)
				continue
			}
			s, v = fieldOf(s.(*avro.RecordSchema), rec, m[1])
			s, v = unwrap(s, v)
			arr, ok := s.(*avro.ArraySchema)
			if !ok {
				return nil
			}
			list, _ := v.([]any)
			if m[2] == "*" {
				var out []string
				for _, item := range list {
					out = append(out, selectPath(arr.Items(), item, steps)...)
				}
				return out
			}
			i, _ := strconv.Atoi(m[2])
			if i >= len(list) {
				s, v = &avro.NullSchema{}, nil
				continue
			}
			s, v = arr.Items(), list[i]
		case avro.Map:
			m, _ := v.(map[string]any)
			x, ok := m[steps[0]]
			steps = steps[1:]
			if !ok {
				s, v = &avro.NullSchema{}, nil
				continue
			}
			s, v = s.(*avro.MapSchema).Values(), x
		default:
			return nil
		}
	}
	return []string{stringify(s, v)}
}

func fieldOf(s *avro.RecordSchema, rec map[string]any, name string) (avro.Schema, any) {
	for _, f := range s.Fields() {
		if f.Name() == name {
			return f.Type(), rec[name]
		}
	}
	return &avro.NullSchema{}, nil
}

// stringify renders a selected value as Java's toString of the Avro value:
// strings and enum symbols bare, null as "null", doubles as Java prints
// them ("1.0"), records, arrays and maps as JSON.
func stringify(s avro.Schema, v any) string {
	s, v = unwrap(s, v)
	switch s.Type() {
	case avro.Null:
		return "null"
	case avro.String, avro.Enum:
		str, _ := v.(string)
		return str
	case avro.Float:
		f, _ := v.(float32)
		return javaDouble(float64(f), 32)
	case avro.Double:
		f, _ := v.(float64)
		return javaDouble(f, 64)
	case avro.Int, avro.Long, avro.Boolean:
		return fmt.Sprint(v)
	}
	var b bytes.Buffer
	if err := writeValue(&b, s, v); err != nil {
		return fmt.Sprint(v)
	}
	return b.String()
}

// javaDouble formats as Java's Double.toString: at least one decimal,
// scientific notation outside [1e-3, 1e7).
func javaDouble(f float64, bits int) string {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-3 || abs >= 1e7) {
		m, e, _ := strings.Cut(strconv.FormatFloat(f, 'E', -1, bits), "E")
		if !strings.Contains(m, ".") {
			m += ".0"
		}
		exp, _ := strconv.Atoi(e)
		return m + "E" + strconv.Itoa(exp)
	}
	out := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.Contains(out, ".") {
		out += ".0"
	}
	return out
}
