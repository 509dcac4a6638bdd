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
	return seriesPath(prefix, name, labels, "")
}

// seriesPath is Path followed by suffix, rendered in one string.
func seriesPath(prefix, name string, labels ports.Labels, suffix string) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(name) + len(suffix) + 64)
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte('.')
	}
	head, rest, _ := strings.Cut(name, ".")
	b.WriteString(head)
	rendered := 0
	for _, k := range pathLabels {
		if v, ok := labels[k]; ok {
			writeSegment(&b, v)
			rendered++
		}
	}
	if rest != "" {
		b.WriteByte('.')
		b.WriteString(rest)
	}
	if rendered < len(labels) { // this runs per metric call: sort only when needed
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			if !slices.Contains(pathLabels[:], k) {
				writeSegment(&b, labels[k])
			}
		}
	}
	b.WriteString(suffix)
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
	if !strings.ContainsFunc(v, func(r rune) bool { return !segmentRune(r) }) {
		b.WriteString(v)
		return
	}
	for _, r := range v {
		if segmentRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
}

// segmentRune reports whether r stays as is in a path segment.
func segmentRune(r rune) bool {
	return r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}
