package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// ErrQueryInput is returned by Query.Match when the query compares an
// attribute the entity lacks, or compares a number with a value that is not
// one (Hermes's MatcherInputException, which its management API answers
// with 400 and code OTHER).
var ErrQueryInput = errors.New("query cannot be applied")

// Query is a parsed Hermes management query: the body of POST /query/*,
// {"query": {...}}. It matches entities given as their JSON objects.
//
// The language, as Hermes's JsonQueryParser defines it:
//   - {"attr": value} is {"attr": {"eq": value}}; several members of one
//     object must all match (and);
//   - {"attr": {"op": value}} with op one of eq, ne, like (a regular
//     expression that must match the whole value), in (an array), gt, lt
//     (numeric: both sides are parsed as numbers; an attribute that is not
//     a number matches);
//   - {"and": [{...}, ...]}, {"or": [{...}, ...]}, {"not": {...}};
//   - attr is a path with dots for nested objects ("owner.id"); a path
//     through an array looks into its elements.
//
// Operator names are case-insensitive. Values compare as Java compares
// them in Hermes: by their string forms ("true" equals true, 1 does not
// equal 1.0).
type Query struct {
	root queryMatcher
}

// ParseQuery parses a query document. Errors wrap ErrFormat with Hermes's
// messages (its ParseException is a FORMAT_ERROR).
func ParseQuery(body []byte) (*Query, error) {
	doc, err := readQueryJSON(body)
	if err != nil {
		return nil, Errorf(ErrFormat, "Query could not be parsed")
	}
	q, found := doc.member("query")
	if doc.kind != jsonObject || !found {
		return nil, Errorf(ErrFormat, "JSON object must contain 'query' attribute")
	}
	m, err := compound(q)
	if err != nil {
		return nil, err
	}
	return &Query{root: m}, nil
}

// Match reports whether entity (an entity's JSON object, as EntityJSON
// returns it) matches the query. An attribute path that cannot be followed
// does not match. Errors wrap ErrQueryInput.
func (q *Query) Match(entity map[string]any) (bool, error) {
	ok, err := q.root.match(entity)
	if errors.Is(err, errNavigation) {
		return false, nil
	}
	return ok, err
}

// MatchLenient is Match for an entity of another kind than the query was
// written for (Hermes's filterNames: the metrics queries first select the
// topics or subscriptions whose figures they read): an input error, such
// as a comparison of an attribute the entity lacks, matches.
func (q *Query) MatchLenient(entity map[string]any) bool {
	ok, err := q.Match(entity)
	if errors.Is(err, ErrQueryInput) {
		return true
	}
	return ok
}

// EntityJSON returns v's JSON object with numbers kept as written, the
// form Query.Match takes.
func EntityJSON(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// errNavigation is a path that cannot be followed (Hermes's
// MatcherException): the entity does not match, whatever operator is
// around the failing one.
var errNavigation = errors.New("query path cannot be followed")

type queryMatcher interface {
	match(entity map[string]any) (bool, error)
}

// --- parsing -----------------------------------------------------------

func compound(n *jsonNode) (queryMatcher, error) {
	var all andMatcher
	for i, key := range n.keys {
		m, err := attribute(key, n.vals[i])
		if err != nil {
			return nil, err
		}
		all = append(all, m)
	}
	return all, nil
}

var queryOperators = []string{"eq", "ne", "like", "in", "not", "and", "or", "gt", "lt"}

func isOperator(key string) bool {
	return slices.Contains(queryOperators, strings.ToLower(key))
}

func attribute(key string, n *jsonNode) (queryMatcher, error) {
	switch {
	case isOperator(key):
		return operator(key, key, n)
	case n.kind == jsonObject:
		if len(n.keys) != 1 {
			return nil, Errorf(ErrFormat, "Query could not be parsed")
		}
		return operator(n.keys[0], key, n.vals[0])
	default:
		return operator("eq", key, n)
	}
}

// operator builds op's matcher on path; for and, or and not the path is
// unused, for others an operator name used as an attribute is the path.
func operator(op, path string, n *jsonNode) (queryMatcher, error) {
	switch strings.ToLower(op) {
	case "eq", "ne":
		v, err := queryValue(n)
		if err != nil {
			return nil, err
		}
		var m queryMatcher = eqMatcher{path, v}
		if strings.EqualFold(op, "ne") {
			m = notMatcher{m}
		}
		return m, nil
	case "like":
		v, err := queryValue(n)
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile(`^(?:` + v.String() + `)$`)
		if err != nil {
			return nil, Errorf(ErrFormat, "Could not parse regexp pattern: '%s'", v.String())
		}
		return likeMatcher{path, re}, nil
	case "in":
		if n.kind != jsonArray {
			return nil, Errorf(ErrFormat, "Element value was expected to be an array")
		}
		var vals []queryVal
		for _, item := range n.items {
			v, err := queryValue(item)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
		return inMatcher{path, vals}, nil
	case "gt", "lt":
		v, err := queryValue(n)
		if err != nil {
			return nil, err
		}
		return compareMatcher{path, v, strings.EqualFold(op, "gt")}, nil
	case "not":
		if n.kind != jsonObject || len(n.keys) != 1 {
			return nil, Errorf(ErrFormat, "Query could not be parsed")
		}
		m, err := attribute(n.keys[0], n.vals[0])
		if err != nil {
			return nil, err
		}
		return notMatcher{m}, nil
	case "and", "or":
		if n.kind != jsonArray {
			return nil, Errorf(ErrFormat, "Element value was expected to be an array")
		}
		var ms []queryMatcher
		for _, item := range n.items {
			m, err := compound(item)
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
		}
		if strings.EqualFold(op, "or") {
			return orMatcher(ms), nil
		}
		return andMatcher(ms), nil
	}
	return nil, Errorf(ErrFormat, "Query could not be parsed")
}

// queryVal is a query's literal as Hermes's parser keeps it: a string,
// boolean, int (32 bits) or double; any other number, and null, is null
// (and matches nothing).
type queryVal struct {
	kind byte // 's', 'b', 'i', 'd' or 0 for null
	str  string
}

func queryValue(n *jsonNode) (queryVal, error) {
	switch n.kind {
	case jsonString:
		return queryVal{'s', n.str}, nil
	case jsonBool:
		return queryVal{'b', n.str}, nil
	case jsonNumber:
		switch kind, s := javaNumber(n.str); kind {
		case 'i', 'd':
			return queryVal{kind, s}, nil
		}
		return queryVal{}, nil
	case jsonNull:
		return queryVal{}, nil
	}
	return queryVal{}, Errorf(ErrFormat, "The node value wasn't present")
}

// String is Java's String.valueOf of the value.
func (v queryVal) String() string {
	if v.kind == 0 {
		return "null"
	}
	return v.str
}

// --- matchers ----------------------------------------------------------

type andMatcher []queryMatcher

// match stops at the first mismatch, as Hermes's reduce with && does, so
// the later matchers' errors do not surface.
func (a andMatcher) match(e map[string]any) (bool, error) {
	for _, m := range a {
		ok, err := m.match(e)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

type orMatcher []queryMatcher

func (o orMatcher) match(e map[string]any) (bool, error) {
	for _, m := range o {
		ok, err := m.match(e)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

type notMatcher struct{ m queryMatcher }

func (n notMatcher) match(e map[string]any) (bool, error) {
	ok, err := n.m.match(e)
	return !ok && err == nil, err
}

type eqMatcher struct {
	path string
	want queryVal
}

func (m eqMatcher) match(e map[string]any) (bool, error) {
	if m.want.kind == 0 {
		return false, nil
	}
	v, err := navigate(e, m.path)
	if err != nil {
		return false, err
	}
	return m.want.String() == javaString(v), nil
}

type likeMatcher struct {
	path string
	re   *regexp.Regexp
}

func (m likeMatcher) match(e map[string]any) (bool, error) {
	v, err := navigate(e, m.path)
	if err != nil {
		return false, err
	}
	return m.re.MatchString(javaString(v)), nil
}

type inMatcher struct {
	path string
	vals []queryVal
}

// match follows Java's equals: a string literal matches the value's string
// form, other literals only a value of their own type.
func (m inMatcher) match(e map[string]any) (bool, error) {
	if len(m.vals) == 0 {
		return false, nil
	}
	v, err := navigate(e, m.path)
	if err != nil || v == nil {
		return false, err
	}
	kind, s := javaKind(v)
	for _, want := range m.vals {
		if (want.kind == 's' && want.str == javaString(v)) || (want.kind != 0 && want.kind == kind && want.str == s) {
			return true, nil
		}
	}
	return false, nil
}

type compareMatcher struct {
	path    string
	than    queryVal
	greater bool
}

func (m compareMatcher) match(e map[string]any) (bool, error) {
	v, err := navigate(e, m.path)
	if err != nil {
		return false, err
	}
	if v == nil {
		return false, Errorf(ErrQueryInput, "Cannot find '%s' attribute", m.path)
	}
	left, ok := javaParseDouble(javaString(v))
	right, rightOK := javaParseDouble(m.than.String())
	switch {
	case !ok:
		return true, nil
	case !rightOK:
		return false, Errorf(ErrQueryInput, "Comparison operator requires numerical data")
	case m.greater:
		return left > right, nil
	}
	return left < right, nil
}

// navigate follows a dotted path (Hermes turns the dots into an XPath for
// JXPath). A missing member is nil; a path through an array looks into
// its elements and takes the first that has the rest of the path, and a
// path ending at an array takes its first element, as XPath node sets do.
func navigate(e map[string]any, path string) (any, error) {
	steps := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '/' })
	if len(steps) == 0 || strings.Contains(path, "..") || strings.Contains(path, "//") || strings.HasSuffix(path, ".") {
		return nil, errNavigation
	}
	for _, s := range steps {
		if !xpathName(s) {
			return nil, errNavigation
		}
	}
	return first(follow(e, steps)), nil
}

func follow(v any, steps []string) any {
	if len(steps) == 0 {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		return follow(x[steps[0]], steps[1:])
	case []any:
		for _, item := range x {
			if found := follow(item, steps); found != nil {
				return found
			}
		}
	}
	return nil
}

func first(v any) any {
	if list, ok := v.([]any); ok {
		if len(list) == 0 {
			return nil
		}
		return first(list[0])
	}
	return v
}

// xpathName accepts the XML names XPath allows as a step.
func xpathName(s string) bool {
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || r == '_':
		case i > 0 && (unicode.IsDigit(r) || r == '-'):
		default:
			return false
		}
	}
	return true
}

// --- Java value semantics ------------------------------------------------

// javaKind classifies a JSON value as Jackson reads it into Java objects:
// 's' String, 'b' Boolean, 'i' Integer, 'd' Double, 'l' Long or
// BigInteger, 0 other; s is its string form.
func javaKind(v any) (byte, string) {
	switch x := v.(type) {
	case string:
		return 's', x
	case bool:
		return 'b', strconv.FormatBool(x)
	case json.Number:
		return javaNumber(string(x))
	case float64:
		return javaNumber(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return 0, javaString(v)
}

// javaNumber reads a JSON number literal as Jackson does: integral
// literals as Integer (32 bits) or Long/BigInteger ('l'), others as Double.
func javaNumber(lit string) (byte, string) {
	if !strings.ContainsAny(lit, ".eE") {
		if i, err := strconv.ParseInt(lit, 10, 32); err == nil {
			return 'i', strconv.FormatInt(i, 10)
		}
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return 'l', strconv.FormatInt(i, 10)
		}
		return 'l', lit // beyond 64 bits: a BigInteger, written as is
	}
	f, _ := strconv.ParseFloat(lit, 64) // JSON literals parse; out of range gives ±Inf as in Java
	return 'd', javaDouble(f)
}

// javaString is Java's String.valueOf of a JSON value read by Jackson.
func javaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = javaString(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	_, s := javaKind(v)
	return s
}

// javaDouble is Java's Double.toString.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0 && math.Signbit(f):
		return "-0.0"
	case f == 0:
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// javaParseDouble is Java's Double.parseDouble for decimal input: leading
// and trailing control characters and spaces are ignored, a final d, D, f
// or F is allowed, and NaN and Infinity are spelled as Java spells them.
func javaParseDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	switch strings.TrimPrefix(strings.TrimPrefix(s, "+"), "-") {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(s); n > 0 && strings.ContainsRune("dDfF", rune(s[n-1])) {
		s = s[:n-1]
	}
	if s == "" || strings.Trim(s, "0123456789+-.eE") != "" || !strings.ContainsAny(s, "0123456789") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// --- an order-keeping JSON tree --------------------------------------------

// Hermes's matchers stop at the first mismatch in member order, which
// decides whether a later member's error surfaces, so the query's objects
// keep their order (a repeated member replaces the earlier value in its
// place, as Jackson's tree does).

const (
	jsonNull byte = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

type jsonNode struct {
	kind  byte
	str   string // string, number literal, "true"/"false"
	keys  []string
	vals  []*jsonNode
	items []*jsonNode
}

func (n *jsonNode) member(key string) (*jsonNode, bool) {
	if i := slices.Index(n.keys, key); i >= 0 {
		return n.vals[i], true
	}
	return nil, false
}

// maxQueryDepth bounds the nesting of a query (the body size is bounded by
// the HTTP adapter; this bounds the recursion).
const maxQueryDepth = 64

var errQueryJSON = errors.New("malformed query JSON")

// readQueryJSON reads the first JSON value of body; like Jackson's
// readTree it ignores what follows, and an empty body is no object.
func readQueryJSON(body []byte) (*jsonNode, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	n, err := readNode(dec, 0)
	if errors.Is(err, io.EOF) {
		return &jsonNode{}, nil
	}
	return n, err
}

func readNode(dec *json.Decoder, depth int) (*jsonNode, error) {
	if depth > maxQueryDepth {
		return nil, errQueryJSON
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jsonNode{kind: jsonNull}, nil
	case bool:
		return &jsonNode{kind: jsonBool, str: strconv.FormatBool(t)}, nil
	case json.Number:
		return &jsonNode{kind: jsonNumber, str: string(t)}, nil
	case string:
		return &jsonNode{kind: jsonString, str: t}, nil
	case json.Delim:
		n := &jsonNode{kind: jsonArray}
		if t == '{' {
			n.kind = jsonObject
		}
		for dec.More() {
			if n.kind == jsonArray {
				item, err := readNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, item)
				continue
			}
			keyTok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := keyTok.(string)
			val, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if i := slices.Index(n.keys, key); i >= 0 {
				n.vals[i] = val
				continue
			}
			n.keys, n.vals = append(n.keys, key), append(n.vals, val)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	}
	return nil, errQueryJSON
}
