package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestEndpointTemplateExpand(t *testing.T) {
	t.Parallel()
	body := []byte(`{"template":"hello","user":{"id":42,"name":"Ann Lee"},"path":"a/b","empty":"","none":null,"ok":true}`)
	tests := []struct{ endpoint, want string }{
		{"http://host:80/plain/", "http://host:80/plain/"},
		{"http://host/{template}/", "http://host/hello/"},
		{"http://host/{user.id}", "http://host/42"},
		{"http://host/{user.name}", "http://host/Ann%20Lee"},
		{"http://host/{path}", "http://host/a%2Fb"},
		{"http://host/{+path}", "http://host/a/b"},
		{"http://host/x{#template}", "http://host/x#hello"},
		{"http://host{/template,user.id}", "http://host/hello/42"},
		{"http://host/x{.template}", "http://host/x.hello"},
		{"http://host/x{;template,empty}", "http://host/x;template=hello;empty"},
		{"http://host/x{?template,ok}", "http://host/x?template=hello&ok=true"},
		{"http://host/x?a=1{&template}", "http://host/x?a=1&template=hello"},
		{"http://host/{template,user.id}", "http://host/hello,42"},
		{"http://host/{none}x", "http://host/x"},
		{"http://u:p@host/{template}", "http://u:p@host/hello"},
	}
	for _, tc := range tests {
		tpl, err := domain.ParseEndpointTemplate(tc.endpoint)
		require.NoError(t, err, tc.endpoint)
		got, err := tpl.Expand(body)
		require.NoError(t, err, tc.endpoint)
		assert.Equal(t, tc.want, got, tc.endpoint)
	}
}

func TestEndpointTemplateFailures(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"http://host/{template", "http://host/{}", "http://host/{a b}", "http://host/{a:3}"} {
		_, err := domain.ParseEndpointTemplate(bad)
		assert.ErrorIs(t, err, domain.ErrValidation, bad)
	}
	tpl, err := domain.ParseEndpointTemplate("http://host/{template}/")
	require.NoError(t, err)
	assert.True(t, tpl.HasVariables())
	for _, body := range []string{`{"hello":"world"}`, `not json`, `{"template":{"a":1}}`, `{"template":[1]}`} {
		_, err := tpl.Expand([]byte(body))
		assert.ErrorIs(t, err, domain.ErrValidation, body)
	}
	plain, err := domain.ParseEndpointTemplate("http://host/")
	require.NoError(t, err)
	assert.False(t, plain.HasVariables())
	got, err := plain.Expand([]byte("not json"))
	require.NoError(t, err)
	assert.Equal(t, "http://host/", got, "an endpoint without variables does not read the body")
}

func TestEndpointOrigin(t *testing.T) {
	for endpoint, want := range map[string]string{
		"http://Example.com/a/{id}":       "http://example.com:80",
		"https://example.com?x=1":         "https://example.com:443",
		"http://user:pw@example.com:8080": "http://example.com:8080",
		"HTTP://127.0.0.1:81#f":           "http://127.0.0.1:81",
		"http://[::1]/x":                  "http://[::1]:80",
		"https://[::1]:8443/x":            "https://[::1]:8443",
		"http://{host}/x":                 "",
		"http://a{b}:80/x":                "",
		"jms://example.com/q":             "",
		"example.com/x":                   "",
		"http:///x":                       "",
	} {
		got, ok := domain.EndpointOrigin(endpoint)
		assert.Equal(t, want, got, endpoint)
		assert.Equal(t, want != "", ok, endpoint)
	}
}
