package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filteringHermes runs hermes with one partition per topic and returns a
// topic ready for subscriptions; with inflightSize 1 (see
// oneAtATime) a subscription delivers strictly in publish order, so once
// the last expected message arrived nothing published before it can still
// come.
func filteringHermes(t *testing.T) (*hermes, string) {
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true", "HERMES_MESSAGE_STORE__PARTITIONS=1")
	createTopic(t, h, "filters", "users")
	return h, "filters.users"
}

const oneAtATime = `, "subscriptionPolicy": {"inflightSize": 1, "messageTtl": 60}`

const (
	alice     = `{"name":"Alice","age":20,"favoriteColor":"magenta"}`
	aliceGrey = `{"name":"Alice","age":20,"favoriteColor":"grey"}`
	bob       = `{"name":"Bob","age":50,"favoriteColor":"blue"}`
	bobGrey   = `{"name":"Bob","age":50,"favoriteColor":"grey"}`
)

// Hermes's FilteringJsonTest#shouldChainFilters: paths written without $
// (".name", ".favoriteColor"), both filters must pass.
func TestJSONFiltersChainWithPathsWithoutRoot(t *testing.T) {
	t.Parallel()
	h, topic := filteringHermes(t)
	sub := newSubscriber(t)
	createSubscription(t, h, topic, "chained", sub.URL, oneAtATime+`, "filters": [
		{"type": "jsonpath", "path": ".name", "matcher": "^Bob.*"},
		{"type": "jsonpath", "path": ".favoriteColor", "matcher": "grey"}]`)
	for _, m := range []string{alice, aliceGrey, bob, bobGrey} {
		publish(t, h, topic, m)
	}
	got := sub.waitFor(t, 1)
	require.Len(t, got, 1)
	assert.JSONEq(t, bobGrey, got[0].Body)
}

// FilteringJsonTest#shouldPassSubscriptionHeadersWhenFilteringIsEnabledForIncomingEvents:
// a message that passes the filter carries the subscription's headers.
func TestJSONFilterKeepsSubscriptionHeaders(t *testing.T) {
	t.Parallel()
	h, topic := filteringHermes(t)
	sub := newSubscriber(t)
	createSubscription(t, h, topic, "withheaders", sub.URL, oneAtATime+`,
		"filters": [{"type": "jsonpath", "path": ".name", "matcher": "^Bob.*"}],
		"headers": [{"name": "MY-HEADER", "value": "myHeaderValue"}]`)
	publish(t, h, topic, alice)
	publish(t, h, topic, bob)
	got := sub.waitFor(t, 1)
	require.Len(t, got, 1)
	assert.JSONEq(t, bob, got[0].Body)
	assert.Equal(t, "myHeaderValue", got[0].Header.Get("MY-HEADER"))
}

// Jayway filter expressions select array items by their fields.
func TestJSONFilterExpression(t *testing.T) {
	t.Parallel()
	h, topic := filteringHermes(t)
	sub := newSubscriber(t)
	createSubscription(t, h, topic, "expression", sub.URL, oneAtATime+`,
		"filters": [{"type": "jsonpath", "path": "$.items[?(@.type == 'x')].qty", "matcher": "[2-9]", "matchingStrategy": "any"}]`)
	publish(t, h, topic, `{"items":[{"type":"x","qty":1},{"type":"y","qty":5}]}`)
	publish(t, h, topic, `{"items":[{"type":"x","qty":1},{"type":"x","qty":3}]}`)
	got := sub.waitFor(t, 1)
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"items":[{"type":"x","qty":1},{"type":"x","qty":3}]}`, got[0].Body)
}

// A filter path that cannot be compiled is refused when the subscription
// is created or updated (400 VALIDATION_ERROR), instead of being accepted
// and then filtering out every message.
func TestInvalidJSONPathFilterIsRefused(t *testing.T) {
	t.Parallel()
	h, topic := filteringHermes(t)
	sub := newSubscriber(t)
	base := h.management + "/topics/" + topic + "/subscriptions"
	status, body, _ := call(t, "POST", base, `{"name": "bad", "endpoint": "`+sub.URL+`", "description": "d",
		"owner": {"source": "Plaintext", "id": "team"},
		"filters": [{"type": "jsonpath", "path": "$.a[?(@.b == )]", "matcher": ".*"}]}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	assert.Contains(t, body, `"code":"VALIDATION_ERROR"`)

	createSubscription(t, h, topic, "good", sub.URL, "")
	status, body, _ = call(t, "PUT", base+"/good", `{"filters": [{"type": "jsonpath", "path": "$.items.sum()", "matcher": "1"}]}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	assert.Contains(t, body, `"code":"VALIDATION_ERROR"`)
}
