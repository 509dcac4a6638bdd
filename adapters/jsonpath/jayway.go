package jsonpath

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// stage is one RFC 9535 query of a translated path (see chainPath); a
// stage with length set counts what the stages before it selected.
type stage struct {
	query        string
	objectFilter bool
	length       bool
}

// translate rewrites a Jayway path into RFC 9535 stages. It splits the
// path before every filter selector that does not follow "..", so the
// filter can be applied with Jayway's semantics (an object is tested
// itself), unless a filter refers to the document root ($), which must
// stay the root: then the whole path is one RFC query.
func translate(path string) ([]stage, error) {
	p := strings.TrimSpace(path)
	if p == "" {
		return nil, errors.New("path is empty")
	}
	// Jayway reads a path without a context as "$." + path, so ".name"
	// becomes the deep scan "$..name".
	if p[0] != '$' && p[0] != '@' {
		p = "$." + p
	}
	if strings.HasSuffix(p, ".") {
		return nil, errors.New("path must not end with '.' or '..'")
	}
	t := &translator{src: p, pos: 1}
	segs, err := t.segments(false)
	if err != nil {
		return nil, err
	}
	split := true
	for _, s := range segs {
		if s.filter && s.rootRef {
			split = false
		}
	}
	var tail []stage
	if n := len(segs); n > 0 && segs[n-1].function != "" {
		segs, tail = segs[:n-1], []stage{{length: true}}
	}
	var stages []stage
	cur := "$"
	for _, s := range segs {
		if split && s.filter && !s.descendant {
			if cur != "$" {
				stages = append(stages, stage{query: cur})
			}
			stages = append(stages, stage{query: "$" + s.text, objectFilter: true})
			cur = "$"
			continue
		}
		cur += s.text
	}
	if cur != "$" || len(stages) == 0 {
		stages = append(stages, stage{query: cur})
	}
	return append(stages, tail...), nil
}

// segment is one translated path segment in RFC syntax.
type segment struct {
	text       string
	filter     bool   // a [?...] selector
	descendant bool   // follows ".."
	rootRef    bool   // a filter that refers to $
	function   string // a function call ending a filter operand: its name
}

type translator struct {
	src string
	pos int
}

func (t *translator) eof() bool  { return t.pos >= len(t.src) }
func (t *translator) peek() byte { return t.src[t.pos] }

// segments reads segments up to the end, or, inFilter, up to the end of
// the operand (a space, an operator, ")" or ",").
func (t *translator) segments(inFilter bool) ([]segment, error) {
	var segs []segment
	for !t.eof() {
		c := t.peek()
		if inFilter && operandEnd(c) {
			break
		}
		descendant := false
		switch c {
		case '.':
			if strings.HasPrefix(t.src[t.pos:], "..") {
				descendant = true
				t.pos += 2
			} else {
				t.pos++
			}
			if t.eof() {
				return nil, errors.New("path must not end with '.'")
			}
			if t.peek() == '.' {
				return nil, fmt.Errorf("unexpected '.' at %d", t.pos)
			}
		case '[':
		default:
			return nil, fmt.Errorf("unexpected %q at %d: want '.' or '['", c, t.pos)
		}
		prefix := ""
		if descendant {
			prefix = ".."
		}
		switch {
		case t.eof():
			return nil, errors.New("unexpected end of path")
		case t.peek() == '[':
			s, err := t.bracket()
			if err != nil {
				return nil, err
			}
			s.descendant = descendant
			s.text = prefix + s.text
			segs = append(segs, s)
		case t.peek() == '*':
			t.pos++
			segs = append(segs, segment{text: prefix + "[*]", descendant: descendant})
		default:
			name := t.name(inFilter)
			if name == "" {
				return nil, fmt.Errorf("empty member name at %d", t.pos)
			}
			if !t.eof() && t.peek() == '(' {
				if !inFilter {
					if (name == "length" || name == "size") && t.src[t.pos:] == "()" {
						// Jayway's length() ending the path: the caller applies it.
						t.pos = len(t.src)
						return append(segs, segment{function: name}), nil
					}
					return nil, fmt.Errorf("JsonPath function %s() is not supported", name)
				}
				// The operand ends with a function call: the caller decides.
				return append(segs, segment{function: name}), nil
			}
			if !t.eof() && t.peek() == ' ' && !inFilter {
				return nil, errors.New("use bracket notation ['my prop'] for a name with blanks")
			}
			sel := memberSelector(name)
			if descendant && sel[0] == '.' {
				sel = "." + sel // ..name
			} else {
				sel = prefix + sel
			}
			segs = append(segs, segment{text: sel, descendant: descendant})
		}
	}
	return segs, nil
}

// operandEnd reports whether c ends a path operand inside a filter.
func operandEnd(c byte) bool {
	return strings.IndexByte(" \t\r\n=!<>&|),", c) >= 0
}

// name reads a dot-notation member name: Jayway ends it at '.', '[', '('
// or a blank (and, inside a filter, at an operator).
func (t *translator) name(inFilter bool) string {
	start := t.pos
	for !t.eof() {
		c := t.peek()
		if c == '.' || c == '[' || c == '(' || c == ' ' || (inFilter && operandEnd(c)) {
			break
		}
		t.pos++
	}
	return t.src[start:t.pos]
}

// memberSelector renders a member name: RFC shorthand when the name
// allows it, otherwise a quoted name selector.
func memberSelector(name string) string {
	if shorthand(name) {
		return "." + name
	}
	return "[" + quote(name) + "]"
}

func shorthand(name string) bool {
	for i, r := range name {
		switch {
		case r == '_' || r >= 0x80 || (r < 0x80 && unicode.IsLetter(r)):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return name != ""
}

// quote renders s as an RFC 9535 single-quoted string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// bracket reads a [...] segment; a filter selector is translated, anything
// else (names, indexes, slices, unions, *) is RFC syntax already.
func (t *translator) bracket() (segment, error) {
	end, err := matchingBracket(t.src, t.pos)
	if err != nil {
		return segment{}, err
	}
	inner := strings.TrimSpace(t.src[t.pos+1 : end])
	t.pos = end + 1
	if !strings.HasPrefix(inner, "?") {
		if inner == "" {
			return segment{}, errors.New("empty []")
		}
		return segment{text: "[" + inner + "]"}, nil
	}
	expr := strings.TrimSpace(inner[1:])
	if expr == "" {
		return segment{}, errors.New("filter placeholder [?] needs a filter expression")
	}
	f := &filterTranslator{translator: translator{src: expr}}
	out, err := f.expression()
	if err != nil {
		return segment{}, fmt.Errorf("filter [%s]: %w", inner, err)
	}
	return segment{text: "[?" + out + "]", filter: true, rootRef: f.rootRef}, nil
}

// matchingBracket returns the index of the ']' that closes the '[' at
// open, skipping quoted strings, regex literals and nested brackets.
func matchingBracket(s string, open int) (int, error) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			j, err := stringEnd(s, i)
			if err != nil {
				return 0, err
			}
			i = j
		case '/':
			// A regex literal follows =~; skip it so a ']' inside does not count.
			if strings.HasSuffix(strings.TrimRight(s[:i], " \t"), "=~") {
				j, err := regexEnd(s, i)
				if err != nil {
					return 0, err
				}
				i = j
			}
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unclosed '[' at %d", open)
}

// stringEnd returns the index of the quote closing the string at i.
func stringEnd(s string, i int) (int, error) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j, nil
		}
	}
	return 0, fmt.Errorf("unclosed string at %d", i)
}

// regexEnd returns the index of the '/' closing the regex literal at i.
func regexEnd(s string, i int) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '/':
			return j, nil
		}
	}
	return 0, fmt.Errorf("unclosed regular expression at %d", i)
}

// filterTranslator rewrites one Jayway filter expression.
type filterTranslator struct {
	translator
	out     []string // translated tokens
	rootRef bool
}

func (f *filterTranslator) skipBlanks() {
	for !f.eof() && strings.IndexByte(" \t\r\n", f.peek()) >= 0 {
		f.pos++
	}
}

func (f *filterTranslator) expression() (string, error) {
	for f.skipBlanks(); !f.eof(); f.skipBlanks() {
		if err := f.token(); err != nil {
			return "", err
		}
	}
	return strings.Join(f.out, " "), nil
}

// jaywayOnly are Jayway operators without an RFC 9535 equivalent here.
var jaywayOnly = map[string]bool{"anyof": true, "noneof": true, "subsetof": true, "contains": true}

func (f *filterTranslator) token() error {
	rest := f.src[f.pos:]
	c := f.peek()
	switch {
	case c == '\'' || c == '"':
		end, err := stringEnd(f.src, f.pos)
		if err != nil {
			return err
		}
		f.out = append(f.out, f.src[f.pos:end+1])
		f.pos = end + 1
	case c == '@' || c == '$':
		return f.operand()
	case strings.HasPrefix(rest, "=~"):
		f.pos += 2
		return f.regexMatch()
	case strings.HasPrefix(rest, "&&"), strings.HasPrefix(rest, "||"), strings.HasPrefix(rest, "=="),
		strings.HasPrefix(rest, "!="), strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, ">="):
		f.out = append(f.out, rest[:2])
		f.pos += 2
	case strings.IndexByte("()<>!", c) >= 0:
		f.out = append(f.out, rest[:1])
		f.pos++
	default:
		word := f.word()
		if word == "" {
			return fmt.Errorf("unexpected %q", c)
		}
		switch {
		case word == "in" || word == "nin":
			return f.membership(word == "nin")
		case word == "size":
			return f.size()
		case word == "empty":
			return f.empty()
		case jaywayOnly[word]:
			return fmt.Errorf("filter operator %s is not supported", word)
		}
		f.out = append(f.out, word)
	}
	return nil
}

// word reads a number, true, false, null or an operator name.
func (f *filterTranslator) word() string {
	start := f.pos
	for !f.eof() {
		c := f.peek()
		if !(c == '-' || c == '+' || c == '.' || c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			break
		}
		f.pos++
	}
	return f.src[start:f.pos]
}

// operand reads a path operand (@... or $...): its names are rewritten as
// in a path, and a trailing .length() or .size() becomes length(...).
func (f *filterTranslator) operand() error {
	root := f.src[f.pos]
	if root == '$' {
		f.rootRef = true
	}
	sub := &translator{src: f.src, pos: f.pos + 1}
	segs, err := sub.segments(true)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteByte(root)
	for _, s := range segs {
		if s.function != "" {
			continue
		}
		if s.filter {
			return errors.New("nested filters are not supported")
		}
		b.WriteString(s.text)
	}
	f.pos = sub.pos
	if n := len(segs); n > 0 && segs[n-1].function != "" {
		// Jayway's length() and size() count an array's elements, an
		// object's members or a string's characters, as RFC length().
		name := segs[n-1].function
		if (name != "length" && name != "size") || !strings.HasPrefix(f.src[f.pos:], "()") {
			return fmt.Errorf("JsonPath function %s is not supported in filters", name)
		}
		f.pos += 2
		f.out = append(f.out, "length("+b.String()+")")
		return nil
	}
	f.out = append(f.out, b.String())
	return nil
}

// popOperand removes and returns the left operand of a Jayway operator.
func (f *filterTranslator) popOperand(op string) (string, error) {
	if len(f.out) == 0 {
		return "", fmt.Errorf("%s needs a left operand", op)
	}
	left := f.out[len(f.out)-1]
	if left == ")" || left == "(" || left == "&&" || left == "||" || left == "!" {
		return "", fmt.Errorf("%s needs a path or value on its left", op)
	}
	f.out = f.out[:len(f.out)-1]
	return left, nil
}

// regexMatch rewrites "left =~ /re/flags" (Jayway: the whole value must
// match) into RFC match(left, 're').
func (f *filterTranslator) regexMatch() error {
	left, err := f.popOperand("=~")
	if err != nil {
		return err
	}
	f.skipBlanks()
	if f.eof() || f.peek() != '/' {
		return errors.New("=~ needs a /regular expression/")
	}
	end, err := regexEnd(f.src, f.pos)
	if err != nil {
		return err
	}
	re := strings.ReplaceAll(f.src[f.pos+1:end], `\/`, "/")
	f.pos = end + 1
	flags := ""
	for !f.eof() && f.peek() >= 'a' && f.peek() <= 'z' {
		switch f.peek() {
		case 'i', 'm', 's':
			flags += string(f.peek())
		default:
			return fmt.Errorf("regular expression flag %q is not supported", f.peek())
		}
		f.pos++
	}
	if flags != "" {
		re = "(?" + flags + ")" + re
	}
	f.out = append(f.out, "match("+left+", "+quote(re)+")")
	return nil
}

// membership rewrites "left in [a, b]" into (left == a || left == b), and
// nin into (left != a && left != b).
func (f *filterTranslator) membership(negate bool) error {
	op, cmp, join := "in", "==", " || "
	if negate {
		op, cmp, join = "nin", "!=", " && "
	}
	left, err := f.popOperand(op)
	if err != nil {
		return err
	}
	f.skipBlanks()
	if f.eof() || f.peek() != '[' {
		return fmt.Errorf("%s needs a [list] on its right", op)
	}
	end, err := matchingBracket(f.src, f.pos)
	if err != nil {
		return err
	}
	items, err := listItems(f.src[f.pos+1 : end])
	if err != nil {
		return err
	}
	f.pos = end + 1
	if len(items) == 0 {
		// Nothing is in an empty list; everything is not in it.
		if negate {
			f.out = append(f.out, "(true == true)")
		} else {
			f.out = append(f.out, "(true == false)")
		}
		return nil
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = left + " " + cmp + " " + it
	}
	f.out = append(f.out, "("+strings.Join(parts, join)+")")
	return nil
}

// listItems splits a Jayway list literal at commas outside strings.
func listItems(s string) ([]string, error) {
	var items []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			j, err := stringEnd(s, i)
			if err != nil {
				return nil, err
			}
			i = j
		case '[', '{':
			return nil, errors.New("lists of lists or objects are not supported")
		case ',':
			items = append(items, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if last := strings.TrimSpace(s[start:]); last != "" || len(items) > 0 {
		items = append(items, last)
	}
	for _, it := range items {
		if it == "" {
			return nil, errors.New("empty list item")
		}
	}
	return items, nil
}

// size rewrites "left size n" into length(left) == n.
func (f *filterTranslator) size() error {
	left, err := f.popOperand("size")
	if err != nil {
		return err
	}
	f.skipBlanks()
	n := f.word()
	if n == "" {
		return errors.New("size needs a number on its right")
	}
	f.out = append(f.out, "length("+left+") == "+n)
	return nil
}

// empty rewrites "left empty true|false" into a length test.
func (f *filterTranslator) empty() error {
	left, err := f.popOperand("empty")
	if err != nil {
		return err
	}
	f.skipBlanks()
	switch f.word() {
	case "true":
		f.out = append(f.out, "length("+left+") == 0")
	case "false":
		f.out = append(f.out, "length("+left+") > 0")
	default:
		return errors.New("empty needs true or false on its right")
	}
	return nil
}
