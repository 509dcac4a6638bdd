package e2e

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pathRecorder records the path of every request it gets.
type pathRecorder struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newPathRecorder(t *testing.T) *pathRecorder {
	p := &pathRecorder{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.RawPath+"|"+r.URL.Path)
		p.mu.Unlock()
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pathRecorder) got() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// PublishingAndConsumingTest#shouldPublishMessageToEndpointWithURIInterpolatedFromMessageBody:
// the endpoint is a URI template filled from the message body.
func TestEndpointTemplateFromMessageBody(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "templates", "ok")
	rec := newPathRecorder(t)
	createSubscription(t, h, "templates.ok", "s", rec.URL+"/{template}/", "")
	publish(t, h, "templates.ok", `{"template":"hello"}`)

	require.Eventually(t, func() bool { return len(rec.got()) > 0 }, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, []string{"|/hello/"}, rec.got())
}

// #shouldTreatMessageWithInvalidInterpolationAsUndelivered: a message the
// template cannot be filled from is not sent; after its messageTtl it is
// discarded and counted.
func TestEndpointTemplateMissingVariableDiscards(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "templates", "bad")
	rec := newPathRecorder(t)
	createSubscription(t, h, "templates.bad", "s", rec.URL+"/{template}/", `, "subscriptionPolicy": {"messageTtl": 1, "messageBackoff": 100}`)
	publish(t, h, "templates.bad", `{"hello":"world"}`)

	var metrics struct {
		Discarded int64 `json:"discarded"`
	}
	require.Eventually(t, func() bool {
		return pollJSON(h.management+"/topics/templates.bad/subscriptions/s/metrics", &metrics) && metrics.Discarded == 1
	}, 30*time.Second, 50*time.Millisecond, "discarded: %d", metrics.Discarded)
	assert.Empty(t, rec.got(), "nothing is sent to an endpoint that could not be filled")
}
