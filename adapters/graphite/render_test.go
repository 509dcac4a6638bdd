package graphite_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeGraphiteWeb answers /render with the JSON set for a "target from"
// pair ("[]" for others) and records the requests' queries.
type fakeGraphiteWeb struct {
	mu      sync.Mutex
	answers map[string]string
	queries []string
}

func (f *fakeGraphiteWeb) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	f.queries = append(f.queries, r.URL.Path+" "+q.Get("target")+" "+q.Get("from")+" "+q.Get("format"))
	body, ok := f.answers[q.Get("target")+" "+q.Get("from")]
	if !ok {
		body = "[]"
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func startGraphiteWeb(t *testing.T, answers map[string]string) (*fakeGraphiteWeb, *graphite.Render) {
	t.Helper()
	f := &fakeGraphiteWeb{answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	r, err := graphite.NewRender(graphite.RenderConfig{URL: srv.URL + "/graphite/", Prefix: "p"})
	require.NoError(t, err)
	return f, r
}

var renderLabels = ports.Labels{"group": "g", "topic": "t"}

func TestRenderTotal(t *testing.T) {
	t.Parallel()
	f, r := startGraphiteWeb(t, map[string]string{
		"p.topic.g.t.published.count -10min": `[{"target":"p.topic.g.t.published.count","datapoints":[[5,100],[12,110],[null,120]]}]`,
		"p.topic.g.t.volume.count -1y":       `[{"target":"p.topic.g.t.volume.count","datapoints":[[300,100],[null,700]]}]`,
	})

	total, err := r.Total(t.Context(), "topic.published", renderLabels)
	require.NoError(t, err)
	assert.InDelta(t, 12, total, 1e-9, "newest non-null value")
	assert.Equal(t, []string{"/graphite/render p.topic.g.t.published.count -10min json"}, f.queries)

	total, err = r.Total(t.Context(), "topic.volume", renderLabels)
	require.NoError(t, err)
	assert.InDelta(t, 300, total, 1e-9, "nothing recent: the newest value of the year")

	total, err = r.Total(t.Context(), "topic.never", renderLabels)
	require.NoError(t, err)
	assert.Zero(t, total)
}

func TestRenderRate(t *testing.T) {
	t.Parallel()
	_, r := startGraphiteWeb(t, map[string]string{
		"perSecond(p.topic.g.t.requests.count) -1min": `[{"target":"perSecond(p.topic.g.t.requests.count)","datapoints":[[null,100],[1,110],[null,120],[2,130]]}]`,
	})
	rate, err := r.Rate(t.Context(), "topic.requests", renderLabels)
	require.NoError(t, err)
	assert.InDelta(t, 1.5, rate, 1e-9)

	rate, err = r.Rate(t.Context(), "topic.never", renderLabels)
	require.NoError(t, err)
	assert.Zero(t, rate)
}

func TestRenderUnavailable(t *testing.T) {
	t.Parallel()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("from") == "-1min" {
			_, _ = w.Write([]byte("<html>not json"))
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	r, err := graphite.NewRender(graphite.RenderConfig{URL: broken.URL})
	require.NoError(t, err)
	_, err = r.Total(t.Context(), "topic.published", renderLabels)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "status 500")
	_, err = r.Rate(t.Context(), "topic.published", renderLabels)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "malformed JSON")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = r.Total(ctx, "topic.published", renderLabels)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "cancelled")

	r, err = graphite.NewRender(graphite.RenderConfig{URL: deadHTTPURL(t)})
	require.NoError(t, err)
	_, err = r.Total(t.Context(), "topic.published", renderLabels)
	assert.ErrorIs(t, err, domain.ErrUnavailable, "nothing listening")

	for _, bad := range []string{"", "graphite:8080", "ftp://x", "http://"} {
		_, err = graphite.NewRender(graphite.RenderConfig{URL: bad})
		assert.ErrorIs(t, err, domain.ErrValidation, bad)
	}
}

func deadHTTPURL(t *testing.T) string { return "http://" + deadAddress(t) }
