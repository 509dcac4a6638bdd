package bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCapBufferKeepsHeadAndTail: a stalled process's last lines are what
// explain it, its first lines hold the listening addresses.
func TestCapBufferKeepsHeadAndTail(t *testing.T) {
	c := &capBuffer{max: 100}
	for i := range 1000 {
		fmt.Fprintf(c, "line %04d\n", i) // 10 bytes each
	}
	s := c.String()
	assert.True(t, strings.HasPrefix(s, "line 0000\n"), "the head is kept")
	assert.True(t, strings.HasSuffix(s, "line 0999\n"), "the tail is kept")
	assert.Contains(t, s, "line 0990\n", "the last max bytes are kept")
	assert.NotContains(t, s, "line 0500\n", "the middle is let go")
	assert.Contains(t, s, "[... 9800 bytes left out ...]")
	assert.LessOrEqual(t, cap(c.tail), 4*c.max, "the tail stays bounded")

	small := &capBuffer{max: 100}
	fmt.Fprint(small, "short")
	assert.Equal(t, "short", small.String())
}
