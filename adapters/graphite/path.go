package graphite

import (
	"maps"
	"slices"
	"strings"

	"github.com/hermes-go/hermes/ports"
)

// pathLabels are the labels rendered right after a name's first segment,
// in this order; any other label comes after the name.
var pathLabels = [...]string{"group", "topic", "subscription"}

// Path renders a metric's series path (see the package doc) without the
// suffix (.count, .p99, ...) a flush adds.
func Path(prefix, name string, labels ports.Labels) string {
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte('.')
	}
	head, rest, _ := strings.Cut(name, ".")
	b.WriteString(head)
	for _, k := range pathLabels {
		if v, ok := labels[k]; ok {
			writeSegment(&b, v)
		}
	}
	if rest != "" {
		b.WriteByte('.')
		b.WriteString(rest)
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if !slices.Contains(pathLabels[:], k) {
			writeSegment(&b, labels[k])
		}
	}
	return b.String()
}

// writeSegment writes '.' and the escaped label value; an empty value
// becomes "_" so that it still takes one segment.
func writeSegment(b *strings.Builder, v string) {
	b.WriteByte('.')
	if v == "" {
		b.WriteByte('_')
		return
	}
	for _, r := range v {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
}
