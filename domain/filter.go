package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Filter decides whether a subscription receives a message (Hermes's
// subscription message filters; all of a subscription's filters must pass).
type Filter interface {
	// Match reports whether the message passes. body is the published
	// payload, headers the propagated publisher headers.
	Match(body []byte, headers map[string]string) bool
}

// Filters is a subscription's compiled filter chain: a message passes when
// every filter passes (declaration order, as Hermes).
type Filters []Filter

// Match reports whether every filter passes (true when there are none).
func (fs Filters) Match(body []byte, headers map[string]string) bool {
	for _, f := range fs {
		if !f.Match(body, headers) {
			return false
		}
	}
	return true
}

// CompileFilters compiles a subscription's filters. Matchers are full-match
// regular expressions (Java's Matcher.matches); Go's RE2 syntax covers
// Hermes's usual patterns but not look-arounds or back-references.
//
// avropath filters pass every message until Avro topics are delivered
// (there is no Avro record to evaluate them on yet).
func CompileFilters(specs []MessageFilter) (Filters, error) {
	fs := make(Filters, 0, len(specs))
	for _, s := range specs {
		re, err := regexp.Compile(`^(?:` + s.Matcher + `)$`)
		if err != nil {
			return nil, Errorf(ErrValidation, "filter matcher %q: %v", s.Matcher, err)
		}
		switch s.Type {
		case "header":
			fs = append(fs, headerFilter{name: s.Header, re: re})
		case "jsonpath":
			path, err := parseJSONPath(s.Path)
			if err != nil {
				return nil, Errorf(ErrValidation, "filter path %q: %v", s.Path, err)
			}
			fs = append(fs, jsonPathFilter{path: path, re: re, any: strings.EqualFold(s.MatchingStrategy, "any")})
		}
	}
	return fs, nil
}

type headerFilter struct {
	name string
	re   *regexp.Regexp
}

func (f headerFilter) Match(_ []byte, headers map[string]string) bool {
	v, ok := headers[f.name]
	return ok && f.re.MatchString(v)
}

type jsonPathFilter struct {
	path []pathStep
	re   *regexp.Regexp
	any  bool
}

// Match selects the path's values and matches their string forms: all
// (default) or any of them must match; nothing selected never matches; a
// body that is not JSON or a null value rejects, as Hermes's failing
// filter does.
func (f jsonPathFilter) Match(body []byte, _ map[string]string) bool {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var doc any
	if d.Decode(&doc) != nil {
		return false
	}
	values := []any{doc}
	for _, s := range f.path {
		values = s.apply(values)
	}
	if len(values) == 0 {
		return false
	}
	for _, v := range values {
		if v == nil {
			return false
		}
		if f.re.MatchString(stringify(v)) == f.any {
			return f.any
		}
	}
	return !f.any
}

// stringify renders a selected value as Java's toString of Jayway's
// result: strings bare, everything else as compact JSON.
func stringify(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pathStep is one JSONPath step: a child by name ("*" for every child),
// an array index, or a deep scan for a name.
type pathStep struct {
	name  string
	index *int
	deep  bool
}

func (s pathStep) apply(in []any) []any {
	var out []any
	for _, v := range in {
		if s.deep {
			out = deepScan(v, s.name, out)
			continue
		}
		out = s.child(v, out)
	}
	return out
}

func (s pathStep) child(v any, out []any) []any {
	switch x := v.(type) {
	case map[string]any:
		if s.name == "*" {
			for _, c := range x {
				out = append(out, c)
			}
		} else if c, ok := x[s.name]; ok && s.index == nil {
			out = append(out, c)
		}
	case []any:
		switch {
		case s.name == "*":
			out = append(out, x...)
		case s.index != nil:
			i := *s.index
			if i < 0 {
				i += len(x)
			}
			if i >= 0 && i < len(x) {
				out = append(out, x[i])
			}
		}
	}
	return out
}

func deepScan(v any, name string, out []any) []any {
	switch x := v.(type) {
	case map[string]any:
		if c, ok := x[name]; ok {
			out = append(out, c)
		}
		for _, c := range x {
			out = deepScan(c, name, out)
		}
	case []any:
		for _, c := range x {
			out = deepScan(c, name, out)
		}
	}
	return out
}

// parseJSONPath parses the JSONPath subset Hermes filters use: $, .name,
// .*, ..name, ['name'], ["name"], [n] (negative from the end) and [*].
// Filter expressions ([?(...)]), slices and unions are not supported.
func parseJSONPath(p string) ([]pathStep, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("must start with $")
	}
	var steps []pathStep
	rest := p[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			name, r := splitName(rest[2:])
			if name == "" {
				return nil, fmt.Errorf("empty name after ..")
			}
			steps, rest = append(steps, pathStep{name: name, deep: true}), r
		case rest[0] == '.':
			name, r := splitName(rest[1:])
			if name == "" {
				return nil, fmt.Errorf("empty name after .")
			}
			steps, rest = append(steps, pathStep{name: name}), r
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			step, err := bracketStep(rest[1:end])
			if err != nil {
				return nil, err
			}
			steps, rest = append(steps, step), rest[end+1:]
		default:
			return nil, fmt.Errorf("unexpected %q", rest)
		}
	}
	return steps, nil
}

func splitName(s string) (name, rest string) {
	i := strings.IndexAny(s, ".[")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func bracketStep(inner string) (pathStep, error) {
	inner = strings.TrimSpace(inner)
	if inner == "*" {
		return pathStep{name: "*"}, nil
	}
	if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
		return pathStep{name: inner[1 : len(inner)-1]}, nil
	}
	i, err := strconv.Atoi(inner)
	if err != nil {
		return pathStep{}, fmt.Errorf("unsupported selector [%s]", inner)
	}
	return pathStep{index: &i}, nil
}
