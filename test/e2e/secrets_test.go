package e2e

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Writing back what GET returns keeps the endpoint password: GET masks it
// (alice:*****), and before, a PUT of that body made the subscriber receive
// Authorization: Basic alice:*****.
func TestPutOfTheMaskedSubscriptionKeepsThePassword(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "secret", "topic")
	sub := newSubscriber(t)
	u, err := url.Parse(sub.URL)
	require.NoError(t, err)
	endpoint := "http://alice:s3cret@" + u.Host + "/"
	createSubscription(t, h, "secret.topic", "s", endpoint, "")
	path := h.management + "/topics/secret.topic/subscriptions/s"

	shown := mustCall(t, http.StatusOK, "GET", path, "")
	require.Contains(t, shown, "alice:*****@", "GET masks the password")
	require.NotContains(t, shown, "s3cret")
	mustCall(t, http.StatusOK, "PUT", path, strings.Replace(shown, `"This is my subscription"`, `"written back"`, 1))
	require.Contains(t, mustCall(t, http.StatusOK, "GET", path, ""), "written back")

	publish(t, h, "secret.topic", `{"n":1}`)
	got := sub.waitFor(t, 1)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	assert.Equal(t, want, got[0].Header.Get("Authorization"))
}
