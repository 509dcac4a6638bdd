package httpapi

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHeaderPropagator(t *testing.T) {
	t.Parallel()
	req := http.Header{
		"Trace-Id": {"t"}, "Span-Id": {""}, "X-Custom": {"c", "second"},
		"Host": {"frontend:8080"}, "Content-Length": {"12"}, "Content-Type": {"application/json"},
		"Authorization": {"Basic secret"}, "Connection": {"keep-alive"},
	}
	assert.Nil(t, newHeaderPropagator(HeaderPropagation{}).extract(req), "off by default")
	assert.Equal(t, map[string]string{"Trace-Id": "t"},
		newHeaderPropagator(HeaderPropagation{Enabled: true, Allowed: []string{"trace-id", " SPAN-ID "}}).extract(req),
		"allowed names match case-insensitively; empty values are left out")
	assert.Equal(t, map[string]string{"Trace-Id": "t", "X-Custom": "c"},
		newHeaderPropagator(HeaderPropagation{Enabled: true}).extract(req),
		"an empty allowed set takes every header but the request's own framing, connection and credentials")
}
