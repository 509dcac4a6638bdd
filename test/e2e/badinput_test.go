package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad input gets Hermes's status and error code, and nothing accepted
// before is lost.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "bad", "input")
	sub := newSubscriber(t)
	createSubscription(t, h, "bad.input", "s", sub.URL, "")
	tooBig := `{"x":"` + strings.Repeat("a", 60*1024) + `"}`
	topic := func(name, extra string) string {
		return `{"name":"` + name + `","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"}` + extra + `}`
	}
	cases := []struct {
		name, method, url, body string
		status                  int
		code                    string
	}{
		{"duplicate group", "POST", h.management + "/groups", `{"groupName":"bad"}`, 400, "GROUP_ALREADY_EXISTS"},
		{"invalid group name", "POST", h.management + "/groups", `{"groupName":"bad group!"}`, 400, "GROUP_NAME_IS_INVALID"},
		{"unknown group", "GET", h.management + "/groups/nope", "", 404, "GROUP_NOT_EXISTS"},
		{"group not empty", "DELETE", h.management + "/groups/bad", "", 403, "GROUP_NOT_EMPTY"},
		{"topic in unknown group", "POST", h.management + "/topics", topic("nogroup.t", ""), 404, "GROUP_NOT_EXISTS"},
		{"duplicate topic", "POST", h.management + "/topics", topic("bad.input", ""), 400, "TOPIC_ALREADY_EXISTS"},
		{"invalid topic name", "POST", h.management + "/topics", topic("bad.in put", ""), 400, "VALIDATION_ERROR"},
		{"missing owner", "POST", h.management + "/topics", `{"name":"bad.noowner","description":"d","contentType":"JSON","retentionTime":{"duration":1}}`, 400, "VALIDATION_ERROR"},
		{"bad enum", "POST", h.management + "/topics", topic("bad.enum", `,"ack":"SOMETIMES"`), 400, "FORMAT_ERROR"},
		{"malformed JSON", "POST", h.management + "/topics", `{"name":`, 400, "FORMAT_ERROR"},
		{"unknown topic", "GET", h.management + "/topics/bad.nope", "", 404, "TOPIC_NOT_EXISTS"},
		{"topic not empty", "DELETE", h.management + "/topics/bad.input", "", 403, "TOPIC_NOT_EMPTY"},
		{"unknown subscription", "GET", h.management + "/topics/bad.input/subscriptions/nope", "", 400, "SUBSCRIPTION_NOT_EXISTS"},
		{"duplicate subscription", "POST", h.management + "/topics/bad.input/subscriptions",
			`{"name":"s","description":"d","endpoint":"http://localhost:1/","owner":{"source":"Plaintext","id":"t"}}`, 400, "SUBSCRIPTION_ALREADY_EXISTS"},
		{"bad endpoint", "POST", h.management + "/topics/bad.input/subscriptions",
			`{"name":"s2","description":"d","endpoint":"ftp://localhost/","owner":{"source":"Plaintext","id":"t"}}`, 400, "VALIDATION_ERROR"},
		{"policy out of bounds", "POST", h.management + "/topics/bad.input/subscriptions",
			`{"name":"s3","description":"d","endpoint":"http://localhost:1/","owner":{"source":"Plaintext","id":"t"},"subscriptionPolicy":{"messageTtl":9999}}`, 400, "VALIDATION_ERROR"},
		{"publish unknown topic", "POST", h.frontend + "/topics/bad.nope", `{}`, 404, "TOPIC_NOT_EXISTS"},
		{"publish bad JSON", "POST", h.frontend + "/topics/bad.input", `{"a":`, 400, "VALIDATION_ERROR"},
		{"publish oversized body", "POST", h.frontend + "/topics/bad.input", tooBig, 400, "VALIDATION_ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, header := call(t, c.method, c.url, c.body)
			assert.Equal(t, c.status, status, body)
			assert.Contains(t, header.Get("Content-Type"), "application/json")
			var e struct{ Message, Code string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			assert.Equal(t, c.code, e.Code)
			assert.NotEmpty(t, e.Message)
			if strings.HasPrefix(c.url, h.frontend) {
				assert.NotEmpty(t, header.Get("Hermes-Message-Id"), "errors carry the message id too")
			}
		})
	}
	// Nothing accepted before was lost.
	id := publish(t, h, "bad.input", `{"ok":true}`)
	got := sub.waitFor(t, 1)
	assert.Equal(t, id, got[0].Header.Get("Hermes-Message-Id"))
	assert.Len(t, got, 1, "refused messages are never delivered")
	mustCall(t, http.StatusOK, "GET", h.management+"/topics/bad.input", "")
}
