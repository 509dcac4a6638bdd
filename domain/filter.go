package domain

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// Filter is one compiled subscription message filter (Hermes's
// MessageFilter): header, jsonpath or avropath.
type Filter interface {
	// Type is the filter's spec type: "header", "jsonpath" or "avropath".
	Type() string
	// Test reports whether the message passes. body is the published
	// payload, headers the propagated publisher headers. A non-nil error
	// says the filter could not be evaluated (a body that is not JSON, a
	// selected null); the message then does not pass, as in Hermes, where
	// a filter that throws rejects.
	Test(body []byte, headers map[string]string) (bool, error)
}

// Filters is a subscription's compiled filter chain: a message passes when
// every filter passes (declaration order, as Hermes).
type Filters []Filter

// FilterResult is what a filter chain decided about one message.
type FilterResult struct {
	// Passed is true when every filter passed.
	Passed bool
	// FilterType is the type of the first filter that rejected ("" when
	// Passed).
	FilterType string
	// Err is why that filter could not be evaluated; nil when it simply
	// did not match.
	Err error
}

// Apply runs the chain and says which filter rejected and why. It stops at
// the first filter that does not pass.
func (fs Filters) Apply(body []byte, headers map[string]string) FilterResult {
	for _, f := range fs {
		ok, err := f.Test(body, headers)
		if err != nil || !ok {
			return FilterResult{FilterType: f.Type(), Err: err}
		}
	}
	return FilterResult{Passed: true}
}

// Match reports whether every filter passes (true when there are none).
func (fs Filters) Match(body []byte, headers map[string]string) bool {
	return fs.Apply(body, headers).Passed
}

// JSONPathCompiler compiles the paths of jsonpath filters. It is the port
// behind which the JSONPath library sits (adapters/jsonpath), so the
// domain keeps the filter semantics without depending on it.
type JSONPathCompiler interface {
	// CompileJSONPath compiles a path in the syntax Hermes (Jayway
	// JsonPath) accepts. An error wraps ErrValidation and says what is
	// wrong with the path. Safe for concurrent use.
	CompileJSONPath(path string) (JSONPath, error)
}

// JSONPath is a compiled JSON path.
type JSONPath interface {
	// Select returns the values the path selects from doc, a document
	// decoded by encoding/json with UseNumber (map[string]any, []any,
	// json.Number, string, bool, nil), in document order. Nothing selected
	// is an empty result, never an error. Safe for concurrent use.
	Select(doc any) []any
}

// CompileFilters compiles a subscription's filters; paths compiles the
// jsonpath ones (nil refuses them). Matchers are full-match regular
// expressions (Java's Matcher.matches); Go's RE2 syntax covers Hermes's
// usual patterns but not look-arounds or back-references. Errors wrap
// ErrValidation.
//
// avropath filters pass here: they need the topic's schema and are
// applied where Avro messages are decoded.
func CompileFilters(specs []MessageFilter, paths JSONPathCompiler) (Filters, error) {
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
			if paths == nil {
				return nil, Errorf(ErrValidation, "jsonpath filters are not available")
			}
			path, err := paths.CompileJSONPath(s.Path)
			if err != nil {
				return nil, Errorf(ErrValidation, "filter path %q is not a valid JsonPath: %s", s.Path, ErrorMessage(err))
			}
			f := jsonPathFilter{path: path, re: re, any: strings.EqualFold(s.MatchingStrategy, "any")}
			if mp, ok := path.(MemberPath); ok {
				f.members, f.memberChain = mp.Members()
			}
			fs = append(fs, f)
		}
	}
	return fs, nil
}

type headerFilter struct {
	name string
	re   *regexp.Regexp
}

func (headerFilter) Type() string { return "header" }

func (f headerFilter) Test(_ []byte, headers map[string]string) (bool, error) {
	v, ok := headers[f.name]
	return ok && f.re.MatchString(v), nil
}

type jsonPathFilter struct {
	path JSONPath
	re   *regexp.Regexp
	any  bool
	// members are the names of a MemberPath, whose one value a filter
	// finds without decoding the body (memberChain true).
	members     []string
	memberChain bool
}

func (jsonPathFilter) Type() string { return "jsonpath" }

// errNullSelected is Hermes's NullPointerException on a selected null.
var errNullSelected = Errorf(ErrValidation, "the path selects a null value")

// Test selects the path's values and matches their string forms: all
// (default) or any of them must match; nothing selected never matches; a
// body that is not JSON or a selected null is an error, as Hermes's
// failing filter.
func (f jsonPathFilter) Test(body []byte, _ map[string]string) (bool, error) {
	if f.memberChain {
		// At most one value: all and any agree.
		if matched, handled, err := memberMatch(body, f.members, f.re); handled {
			return matched, err
		}
	}
	doc, err := decodeFilterDocument(body)
	if err != nil {
		return false, Errorf(ErrValidation, "message is not JSON: %v", err)
	}
	values := f.path.Select(doc)
	if len(values) == 0 {
		return false, nil
	}
	for _, v := range values {
		if v == nil {
			return false, errNullSelected
		}
	}
	for _, v := range values {
		if f.re.MatchString(JavaString(v)) == f.any {
			return f.any, nil
		}
	}
	return !f.any, nil
}

// JavaString renders a selected JSON value as Hermes matches it: the
// Java toString of what Jayway JsonPath (json-smart provider) returns.
// Strings are bare, numbers and booleans as written, arrays as compact
// JSON (json-smart's JSONArray) and objects as Java's map form
// {key=value, ...} (a LinkedHashMap), whose nested arrays and objects are
// again JSON and map form. Object keys are sorted: the order of a decoded
// Go map is lost.
func JavaString(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			if x[k] == nil {
				b.WriteString("null")
			} else {
				writeJava(b, x[k])
			}
		}
		b.WriteByte('}')
	default:
		// json-smart writes < > & as they are; json.Marshal would escape them.
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		_ = e.Encode(x)
		b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
