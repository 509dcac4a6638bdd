package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// EndpointTemplate is a subscription endpoint read as an RFC 6570 URI
// template whose variables are filled from each message's JSON body, as
// Hermes's MessageBodyInterpolator does: "http://host/{type}/" posts
// {"type":"order"} to http://host/order/. A variable name is a path into
// the body ("user.id" is body.user.id). Expressions of levels 1 to 3 are
// supported: {var}, {+var}, {#var}, {.var}, {/var}, {;var}, {?var},
// {&var}, with comma-separated variable lists.
type EndpointTemplate struct {
	raw   string
	parts []templatePart // nil: no expressions, the endpoint as is
}

// templatePart is a literal (op == 0 and names nil) or an expression.
type templatePart struct {
	literal string
	op      byte // 0 for simple expansion, else the operator
	names   []string
}

// ParseEndpointTemplate parses endpoint. An unclosed brace or an
// expression it cannot read is an error wrapping ErrValidation; an
// endpoint without braces is a template without variables.
func ParseEndpointTemplate(endpoint string) (EndpointTemplate, error) {
	t := EndpointTemplate{raw: endpoint}
	rest := endpoint
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			if t.parts != nil && rest != "" {
				t.parts = append(t.parts, templatePart{literal: rest})
			}
			return t, nil
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return EndpointTemplate{}, Errorf(ErrValidation, "endpoint template: unclosed '{'")
		}
		if open > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:open]})
		}
		expr, err := parseExpression(rest[open+1 : open+end])
		if err != nil {
			return EndpointTemplate{}, err
		}
		t.parts = append(t.parts, expr)
		rest = rest[open+end+1:]
	}
}

func parseExpression(s string) (templatePart, error) {
	var p templatePart
	if s != "" && strings.IndexByte("+#./;?&", s[0]) >= 0 {
		p.op, s = s[0], s[1:]
	}
	for name := range strings.SplitSeq(s, ",") {
		if !validVarName(name) {
			return templatePart{}, Errorf(ErrValidation, "endpoint template: invalid variable %q", name)
		}
		p.names = append(p.names, name)
	}
	return p, nil
}

// validVarName accepts RFC 6570 varnames: letters, digits, '_' and dots
// between them (modifiers such as :3 and * are not supported).
func validVarName(name string) bool {
	if name == "" || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || c == '.' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			return false
		}
	}
	return true
}

// HasVariables reports whether the endpoint depends on the message.
func (t EndpointTemplate) HasVariables() bool { return t.parts != nil }

// Expand fills the template from body. A variable the body does not have,
// a body that is not JSON, or a value that is an object or array fails
// with ErrValidation: Hermes treats such a message as undeliverable to the
// endpoint (retried, then discarded). A JSON null is an undefined variable
// and expands to nothing, as RFC 6570 says.
func (t EndpointTemplate) Expand(body []byte) (string, error) {
	if t.parts == nil {
		return t.raw, nil
	}
	var doc any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return "", Errorf(ErrValidation, "endpoint template: message is not JSON")
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.names == nil {
			b.WriteString(p.literal)
			continue
		}
		if err := p.expand(&b, doc); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// templateOperator is how RFC 6570 joins an expression's values.
type templateOperator struct {
	first, sep string
	named      bool   // name=value pairs
	ifEmpty    string // what follows the name of an empty value
	reserved   bool   // reserved characters pass unencoded
}

var templateOperators = map[byte]templateOperator{
	0:   {sep: ","},
	'+': {sep: ",", reserved: true},
	'#': {first: "#", sep: ",", reserved: true},
	'.': {first: ".", sep: "."},
	'/': {first: "/", sep: "/"},
	';': {first: ";", sep: ";", named: true},
	'?': {first: "?", sep: "&", named: true, ifEmpty: "="},
	'&': {first: "&", sep: "&", named: true, ifEmpty: "="},
}

func (p templatePart) expand(b *strings.Builder, doc any) error {
	op := templateOperators[p.op]
	n := 0
	for _, name := range p.names {
		v, ok := lookup(doc, name)
		if !ok {
			return Errorf(ErrValidation, "endpoint template: the message has no %s", name)
		}
		if v == nil {
			continue
		}
		s, err := scalarString(name, v)
		if err != nil {
			return err
		}
		if n == 0 {
			b.WriteString(op.first)
		} else {
			b.WriteString(op.sep)
		}
		n++
		if op.named {
			b.WriteString(name)
			if s == "" {
				b.WriteString(op.ifEmpty)
				continue
			}
			b.WriteByte('=')
		}
		b.WriteString(pctEncode(s, op.reserved))
	}
	return nil
}

// lookup walks the dotted name through the body's objects.
func lookup(doc any, name string) (any, bool) {
	v := doc
	for key := range strings.SplitSeq(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

func scalarString(name string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return fmt.Sprint(x), nil
	}
	return "", Errorf(ErrValidation, "endpoint template: %s is not a string, number or boolean", name)
}

// pctEncode percent-encodes s for a URI: every byte but the unreserved
// characters, and with reserved also the reserved characters and
// existing %XX triplets, as RFC 6570 requires.
func pctEncode(s string, reserved bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~", c) >= 0:
			b.WriteByte(c)
		case reserved && strings.IndexByte(":/?#[]@!$&'()*+,;=", c) >= 0:
			b.WriteByte(c)
		case reserved && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// EndpointOrigin is where an HTTP client sends what endpoint addresses:
// its scheme and host with the port made explicit, lower case and without
// credentials, e.g. "http://example.com:80". ok is false for an endpoint
// that is not http(s) or whose host is templated (each message may then
// go elsewhere).
func EndpointOrigin(endpoint string) (origin string, ok bool) {
	scheme, rest, found := strings.Cut(StripCredentials(endpoint), "://")
	scheme = strings.ToLower(scheme)
	if !found || (scheme != "http" && scheme != "https") {
		return "", false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	host := strings.ToLower(rest)
	if host == "" || strings.ContainsAny(host, "{}@") {
		return "", false
	}
	if i := strings.LastIndexByte(host, ':'); i < 0 || strings.HasSuffix(host, "]") {
		port := ":80"
		if scheme == "https" {
			port = ":443"
		}
		host += port
	}
	return scheme + "://" + host, true
}
