package avro

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// reader turns decoded JSON (numbers as json.Number) into the generic
// values hamba encodes: records and maps as map[string]any, unions as
// map[string]any{branch: value} ({} for null). Plain mode follows Hermes's
// JsonGenericRecordReader (allegro json-avro-converter): union values
// without wrappers, the first branch that accepts the value wins; wrapped
// mode reads Avro's JSON encoding.
type reader struct{ wrapped bool }

// convError is a conversion failure in json-avro-converter's words.
type convError struct{ msg string }

func (e *convError) Error() string { return e.msg }

func printPath(path []string) string { return strings.Join(path, ".") }

func typeError(path []string, javaType string) error {
	return &convError{fmt.Sprintf("Field %s is expected to be type: %s", printPath(path), javaType)}
}

func (r reader) record(s *avro.RecordSchema, obj map[string]any, path []string) (map[string]any, error) {
	out := make(map[string]any, len(s.Fields()))
	for _, f := range s.Fields() {
		fp := append(slices.Clip(path), f.Name())
		raw, ok := obj[f.Name()]
		if !ok {
			if !f.HasDefault() {
				return nil, &convError{fmt.Sprintf("Field %s is required and has no default value", printPath(fp))}
			}
			def, err := defaultValue(f)
			if err != nil {
				return nil, err
			}
			raw = def
		}
		v, err := r.value(f.Type(), raw, fp)
		if err != nil {
			return nil, err
		}
		out[f.Name()] = v
	}
	return out, nil
}

// defaultValue returns a field's default as decoded JSON. A union's
// default belongs to its first branch, which plain reading tries first.
func defaultValue(f *avro.Field) (any, error) {
	d := f.Default()
	// Bytes and fixed defaults are ISO-8859-1 strings; hamba gives them
	// as []byte and [N]byte.
	if b, ok := d.([]byte); ok {
		d = latin1(b)
	} else if v := reflect.ValueOf(d); v.Kind() == reflect.Array && v.Type().Elem().Kind() == reflect.Uint8 {
		d = latin1(asBytes(d))
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, &convError{fmt.Sprintf("Field %s has an unusable default: %v", f.Name(), err)}
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	_ = dec.Decode(&v) // raw came from json.Marshal
	return v, nil
}

func (r reader) value(s avro.Schema, v any, path []string) (any, error) {
	s = resolve(s)
	switch s.Type() {
	case avro.Record:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(path, "java.util.Map")
		}
		return r.record(s.(*avro.RecordSchema), obj, path)
	case avro.Array:
		list, ok := v.([]any)
		if !ok {
			return nil, typeError(path, "java.util.List")
		}
		out := make([]any, len(list))
		for i, item := range list {
			x, err := r.value(s.(*avro.ArraySchema).Items(), item, path)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case avro.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(path, "java.util.Map")
		}
		out := make(map[string]any, len(obj))
		for k, item := range obj {
			x, err := r.value(s.(*avro.MapSchema).Values(), item, path)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case avro.Union:
		return r.union(s.(*avro.UnionSchema), v, path)
	case avro.Int, avro.Long, avro.Float, avro.Double:
		n, ok := v.(json.Number)
		if !ok {
			return nil, typeError(path, "java.lang.Number")
		}
		return number(s.Type(), n), nil
	case avro.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, typeError(path, "java.lang.Boolean")
		}
		return b, nil
	case avro.String:
		str, ok := v.(string)
		if !ok {
			return nil, typeError(path, "java.lang.String")
		}
		return str, nil
	case avro.Enum:
		str, ok := v.(string)
		if !ok {
			return nil, typeError(path, "java.lang.String")
		}
		symbols := s.(*avro.EnumSchema).Symbols()
		if !slices.Contains(symbols, str) {
			return nil, &convError{fmt.Sprintf("Field %s is expected to be of enum type and be one of %s", printPath(path), strings.Join(symbols, ", "))}
		}
		return str, nil
	case avro.Bytes:
		str, ok := v.(string)
		if !ok {
			return nil, typeError(path, "java.lang.String")
		}
		return fromLatin1(str), nil
	case avro.Fixed:
		str, ok := v.(string)
		size := s.(*avro.FixedSchema).Size()
		if b := fromLatin1(str); ok && len(b) == size {
			arr := reflect.New(reflect.ArrayOf(size, reflect.TypeFor[byte]())).Elem()
			reflect.Copy(arr, reflect.ValueOf(b))
			return arr.Interface(), nil
		}
		return nil, &convError{fmt.Sprintf("Field %s is expected to be a string of %d bytes", printPath(path), size)}
	case avro.Null:
		if v != nil {
			return nil, typeError(path, "null")
		}
		return nil, nil
	}
	return nil, &convError{"Unsupported type: " + string(s.Type())}
}

func (r reader) union(u *avro.UnionSchema, v any, path []string) (any, error) {
	if r.wrapped {
		return r.wrappedUnion(u, v, path)
	}
	for _, t := range u.Types() {
		if t.Type() == avro.Null {
			if v == nil {
				return map[string]any{}, nil
			}
			continue
		}
		if x, err := r.value(t, v, path); err == nil {
			return map[string]any{branchName(t): x}, nil
		}
	}
	names := make([]string, len(u.Types()))
	for i, t := range u.Types() {
		names[i] = strings.ToUpper(string(resolve(t).Type()))
	}
	field := ""
	if len(path) > 0 {
		field = path[len(path)-1]
	}
	return nil, &convError{fmt.Sprintf("Could not evaluate union, field %s is expected to be one of these: %s. If this is a complex type, check if offending field: %s adheres to schema.",
		field, strings.Join(names, ", "), printPath(path))}
}

// wrappedUnion reads Avro's JSON encoding of a union: null, or an object
// with one key naming the branch.
func (r reader) wrappedUnion(u *avro.UnionSchema, v any, path []string) (any, error) {
	if v == nil {
		if _, pos := u.Types().Get(string(avro.Null)); pos >= 0 {
			return map[string]any{}, nil
		}
		return nil, &convError{fmt.Sprintf("Field %s: null is not a branch of the union", printPath(path))}
	}
	obj, ok := v.(map[string]any)
	if ok && len(obj) == 1 {
		for name, x := range obj {
			for _, t := range u.Types() {
				if branchName(t) == name || (isNamed(t) && resolve(t).(avro.NamedSchema).Name() == name) {
					val, err := r.value(t, x, path)
					if err != nil {
						return nil, err
					}
					return map[string]any{branchName(t): val}, nil
				}
			}
		}
	}
	return nil, &convError{fmt.Sprintf("Field %s is expected to be a union value wrapped as {\"<type>\": value}", printPath(path))}
}

func isNamed(s avro.Schema) bool {
	_, ok := resolve(s).(avro.NamedSchema)
	return ok
}

// branchName is the key hamba expects for a union branch: the full name of
// a named type, else the type name.
func branchName(s avro.Schema) string {
	if n, ok := resolve(s).(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}

// number converts as Java's Number.intValue/longValue/... do: fractions
// are truncated, out-of-range integers wrap.
func number(t avro.Type, n json.Number) any {
	i, err := strconv.ParseInt(string(n), 10, 64)
	f, _ := strconv.ParseFloat(string(n), 64)
	if err != nil {
		i = int64(f)
	}
	switch t {
	case avro.Int:
		return int(int32(i))
	case avro.Long:
		return i
	case avro.Float:
		return float32(f)
	}
	return f
}

// fromLatin1 reads Avro JSON bytes: each code point up to 255 is a byte;
// a string with larger code points is taken as UTF-8 (Hermes's converter
// always takes UTF-8; both agree on ASCII).
func fromLatin1(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return []byte(s)
		}
		out = append(out, byte(r))
	}
	return out
}

// latin1 renders bytes as Avro's JSON encoding does.
func latin1(b []byte) string {
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}
