package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakePreview struct {
	fakeManagement
	previews []ports.MessageTextPreview
}

func (f *fakePreview) Preview(_ context.Context, topic string) ([]ports.MessageTextPreview, error) {
	return f.previews, f.record("Preview", topic)
}

func (f *fakePreview) PreviewAt(_ context.Context, topic string, idx int) ([]byte, error) {
	if err := f.record("PreviewAt", topic, idx); err != nil {
		return nil, err
	}
	if idx >= len(f.previews) {
		return nil, domain.Errorf(domain.ErrNotFound, "Message preview not found for topic %s and offset %d", topic, idx)
	}
	return []byte(f.previews[idx].Content), nil
}

func (f *fakePreview) MessageAt(_ context.Context, topic, cluster string, partition int32, offset int64) (string, error) {
	return `{"metadata":{},"message":{"a":1}}`, f.record("MessageAt", topic, cluster, partition, offset)
}

func TestPreviewRoutes(t *testing.T) {
	t.Parallel()
	f := &fakePreview{previews: []ports.MessageTextPreview{{Content: `{"a":1}`}, {Content: `{"b":`, Truncated: true}}}
	h := NewManagement(f, nil)

	rec := serve(h, "GET", "/topics/pl.group.topic/preview", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `[{"content":"{\"a\":1}","truncated":false},{"content":"{\"b\":","truncated":true}]`, rec.Body.String())

	rec = serve(h, "GET", "/topics/pl.group.topic/preview/1", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/octet-stream", rec.Header().Get("Content-Type"))
	assert.Equal(t, `{"b":`, rec.Body.String())
	assert.Equal(t, "Message preview not found for topic pl.group.topic and offset 5",
		requireError(t, serve(h, "GET", "/topics/pl.group.topic/preview/5", ""), http.StatusNotFound, codeOther))
	requireError(t, serve(h, "GET", "/topics/pl.group.topic/preview/x", ""), http.StatusNotFound, codeOther)

	rec = serve(h, "GET", "/topics/pl.group.topic/preview/cluster/primary-dc/partition/2/offset/7", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, `{"metadata":{},"message":{"a":1}}`, rec.Body.String())
	assert.Equal(t, call{"MessageAt", []any{"pl.group.topic", "primary-dc", int32(2), int64(7)}}, f.lastCall())
	requireError(t, serve(h, "GET", "/topics/pl.group.topic/preview/cluster/c/partition/x/offset/7", ""), http.StatusNotFound, codeOther)

	f.previews = nil
	assert.JSONEq(t, `[]`, serve(h, "GET", "/topics/pl.group.topic/preview", "").Body.String())
}
