package sender

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEndpointCacheParsesOnceAndStaysBounded(t *testing.T) {
	var c endpointCache
	first := c.get("http://user:pass@example.com/hook")
	require.NoError(t, first.err)
	assert.Same(t, first, c.get("http://user:pass@example.com/hook"), "parsed once")
	assert.Equal(t, "http://example.com/hook", first.url.String(), "credentials stripped")
	assert.Equal(t, "Basic dXNlcjpwYXNz", first.auth)

	for i := range maxCachedEndpoints {
		c.get("http://example.com/" + strconv.Itoa(i))
	}
	assert.LessOrEqual(t, len(c.m), maxCachedEndpoints)
	assert.NotSame(t, first, c.get("http://user:pass@example.com/hook"), "the full cache started over")
}
