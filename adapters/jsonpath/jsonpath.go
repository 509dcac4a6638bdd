// Package jsonpath compiles the paths of jsonpath subscription filters
// with github.com/theory/jsonpath (RFC 9535). It implements
// domain.JSONPathCompiler (ports.JSONPathCompiler).
//
// Hermes evaluates these paths with Jayway JsonPath, whose syntax predates
// RFC 9535. Compile accepts the Jayway forms Hermes users write and
// rewrites them into RFC 9535 (jayway.go): a path without a leading $,
// member names the RFC's shorthand does not allow ($.trace-id), and the
// filter operators =~, in, nin, size and empty. A filter applied to an
// object tests that object, as in Jayway, not its members as in the RFC.
// Of Jayway's path functions, length() and size() are supported (in
// filters, and ending a path); the others (.sum(), .min(), ...) and the
// operators anyof, noneof, subsetof and contains are refused.
package jsonpath

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var (
	_ ports.JSONPathCompiler = (*Compiler)(nil)
	_ domain.MemberPath      = chainPath(nil)
)

// maxCached bounds the compiled-path cache; past it the cache starts over.
const maxCached = 10000

// Compiler compiles Jayway-style paths; compiled paths are cached by their
// text, since every subscription worker and every filter verification
// compiles the same few paths again.
type Compiler struct {
	parser *jsonpath.Parser
	mu     sync.Mutex
	cache  map[string]cached
}

type cached struct {
	path domain.JSONPath
	err  error
}

// New returns a Compiler with the RFC 9535 standard functions (length,
// count, match, search, value).
func New() *Compiler {
	return &Compiler{parser: jsonpath.NewParser(), cache: map[string]cached{}}
}

// CompileJSONPath compiles path; its error wraps domain.ErrValidation.
func (c *Compiler) CompileJSONPath(path string) (domain.JSONPath, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.cache[path]; ok {
		return r.path, r.err
	}
	p, err := c.compile(path)
	if err != nil {
		err = domain.Errorf(domain.ErrValidation, "%v", err)
	}
	if len(c.cache) >= maxCached {
		clear(c.cache)
	}
	c.cache[path] = cached{path: p, err: err}
	return p, err
}

func (c *Compiler) compile(path string) (domain.JSONPath, error) {
	stages, err := translate(path)
	if err != nil {
		return nil, err
	}
	compiled := make(chainPath, 0, len(stages))
	for _, s := range stages {
		if s.length {
			compiled = append(compiled, compiledStage{length: true})
			continue
		}
		p, err := c.parser.Parse(s.query)
		if err != nil {
			return nil, err
		}
		compiled = append(compiled, compiledStage{path: p, objectFilter: s.objectFilter})
	}
	return compiled, nil
}

// chainPath applies its stages in turn, each to every node the previous
// one selected.
type chainPath []compiledStage

type compiledStage struct {
	path *jsonpath.Path
	// objectFilter marks a Jayway filter stage ($[?...]): an array node
	// has its elements tested, an object node is tested itself.
	objectFilter bool
	// length is Jayway's length() ending a path: one selected array,
	// object or string gives its length, several nodes their number.
	length bool
}

// Select implements domain.JSONPath.
func (cp chainPath) Select(doc any) []any {
	nodes := []any{doc}
	for _, s := range cp {
		if s.length {
			return []any{json.Number(strconv.Itoa(lengthOf(nodes)))}
		}
		var next []any
		for _, n := range nodes {
			if s.objectFilter {
				switch n.(type) {
				case map[string]any:
					n = []any{n}
				case []any:
				default:
					continue // Jayway does not filter primitives
				}
			}
			next = append(next, s.path.Select(n)...)
		}
		nodes = next
		if len(nodes) == 0 {
			break
		}
	}
	return nodes
}

// Members implements domain.MemberPath: a path of one stage whose
// segments each select one member by name ($.a.b, $['a'], $).
func (cp chainPath) Members() ([]string, bool) {
	if len(cp) != 1 || cp[0].length || cp[0].objectFilter {
		return nil, false
	}
	segments := cp[0].path.Query().Segments()
	names := make([]string, 0, len(segments))
	for _, seg := range segments {
		sel := seg.Selectors()
		if seg.IsDescendant() || len(sel) != 1 {
			return nil, false
		}
		name, ok := sel[0].(spec.Name)
		if !ok {
			return nil, false
		}
		names = append(names, string(name))
	}
	return names, true
}

func lengthOf(nodes []any) int {
	if len(nodes) == 1 {
		switch x := nodes[0].(type) {
		case []any:
			return len(x)
		case map[string]any:
			return len(x)
		case string:
			return utf8.RuneCountInString(x)
		}
	}
	return len(nodes)
}
