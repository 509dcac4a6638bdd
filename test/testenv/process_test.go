package testenv

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestListeningReadsTheModulesLine(t *testing.T) {
	p := &Process{Output: &Output{}}
	assert.Empty(t, p.Listening("frontend"), "nothing logged yet")
	fmt.Fprintln(p.Output, `time=x level=INFO msg=listening component=management addr=127.0.0.1:4001`)
	fmt.Fprintln(p.Output, `time=x level=INFO msg=listening component=frontend addr=127.0.0.1:4000`)
	assert.Equal(t, "127.0.0.1:4000", p.Listening("frontend"))
	assert.Equal(t, "127.0.0.1:4001", p.Listening("management"))
	assert.Empty(t, p.Listening("consumers"))
}
