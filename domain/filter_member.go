package domain

import (
	"bytes"
	"regexp"
	"unicode/utf8"
)

// MemberPath is what a JSONPath may also implement when it selects by
// member names alone ($.name, $.a.b, or $ itself): at most one value, the
// named member of the named member ... of the root object. A filter with
// such a path finds that value in the body without decoding the document
// (a map per object, its strings), which is most of what a jsonpath
// filter costs; the result is the one Select would give.
type MemberPath interface {
	JSONPath
	// Members returns the names from the root down and true, or false
	// when the path is not such a chain.
	Members() ([]string, bool)
}

// memberMatch decides a member-chain filter on body, as Test would with
// the decoded document; handled is false for a body the scanner refuses
// (Test then decodes it, for the Decoder's error).
func memberMatch(body []byte, names []string, re *regexp.Regexp) (matched, handled bool, err error) {
	start := skipJSONSpace(body, 0)
	end := scanJSONValue(body, start)
	if end < 0 {
		return false, false, nil
	}
	b := &documentBuilder{data: body[:end]}
	i := start
	for _, name := range names {
		if i = b.member(i, name); i < 0 {
			return false, true, nil // nothing selected never matches
		}
	}
	switch c := b.data[i]; c {
	case 'n':
		return false, true, errNullSelected
	case '{', '[':
		v, _ := b.value(i)
		return re.MatchString(JavaString(v)), true, nil
	case '"':
		end := scanJSONString(b.data, i)
		if raw := b.data[i+1 : end-1]; bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			return re.Match(raw), true, nil
		}
		s, _ := b.string(i)
		return re.MatchString(s), true, nil
	default:
		// Numbers and booleans: JavaString writes them as the body does.
		return re.Match(b.data[i:scanJSONValue(b.data, i)]), true, nil
	}
}

// member returns where the value of the object member name starts, for
// the object at data[i]; -1 when data[i] is no object or has no such
// member. Of repeated names the last counts, as in a decoded map.
func (b *documentBuilder) member(i int, name string) int {
	if b.data[i] != '{' {
		return -1
	}
	found := -1
	i = skipJSONSpace(b.data, i+1)
	if b.data[i] == '}' {
		return -1
	}
	for {
		keyEnd := scanJSONString(b.data, i)
		same := b.keyIs(i, keyEnd, name)
		v := skipJSONSpace(b.data, skipJSONSpace(b.data, keyEnd)+1) // past ':'
		if same {
			found = v
		}
		i = skipJSONSpace(b.data, scanJSONValue(b.data, v))
		if b.data[i] == '}' {
			return found
		}
		i = skipJSONSpace(b.data, i+1) // past ','
	}
}

// keyIs reports whether the string data[i:end] decodes to name.
func (b *documentBuilder) keyIs(i, end int, name string) bool {
	raw := b.data[i+1 : end-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw) == name
	}
	s, _ := b.string(i)
	return s == name
}
