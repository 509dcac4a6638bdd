package testenv

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrickleSendsEveryByte(t *testing.T) {
	for name, tc := range map[string]struct {
		chunked bool
		want    string
	}{
		"plain":   {false, "   "},
		"chunked": {true, strings.Repeat("1\r\n \r\n", 3)},
	} {
		t.Run(name, func(t *testing.T) {
			var b Output
			tr := Trickle(&b, 3, time.Millisecond, tc.chunked)
			require.Eventually(t, tr.SentAll, 30*time.Second, time.Millisecond)
			tr.Stop()
			assert.Equal(t, tc.want, b.String())
		})
	}
}

func TestTrickleStopEndsItEarly(t *testing.T) {
	var b Output
	tr := Trickle(&b, 10, time.Hour, false)
	tr.Stop()
	tr.Stop() // a second Stop is harmless
	assert.False(t, tr.SentAll())
	assert.Empty(t, b.String())
}
