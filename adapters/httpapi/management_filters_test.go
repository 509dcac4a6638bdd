package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakeFilters struct {
	fakeManagement
	result ports.FiltersVerification
}

func (f *fakeFilters) VerifyFilters(_ context.Context, topic string, filters []domain.MessageFilter, message []byte) (ports.FiltersVerification, error) {
	return f.result, f.record("VerifyFilters", topic, filters, string(message))
}

func TestFiltersRoute(t *testing.T) {
	t.Parallel()
	f := &fakeFilters{result: ports.FiltersVerification{Status: ports.FiltersMatched}}
	h := NewManagement(f, nil)
	rec := serve(h, "POST", "/filters/pl.group.topic", `{"filters":[{"type":"jsonpath","path":"$.a","matcher":"1"}],"message":"eyJhIjoxfQ=="}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"status":"MATCHED"}`, rec.Body.String(), "null fields are left out, as Hermes's mapper does")
	assert.Equal(t, call{"VerifyFilters", []any{"pl.group.topic", []domain.MessageFilter{{Type: "jsonpath", Path: "$.a", Matcher: "1"}}, `{"a":1}`}},
		f.lastCall(), "the message is base64, as Jackson reads a byte[]")

	msg := "Failed to parse json to map format."
	f.result = ports.FiltersVerification{Status: ports.FiltersError, ErrorMessage: &msg}
	rec = serve(h, "POST", "/filters/pl.group.topic", `{"filters":[],"message":"eHl6"}`)
	assert.JSONEq(t, `{"status":"ERROR","errorMessage":"Failed to parse json to map format."}`, rec.Body.String())

	requireError(t, serve(h, "POST", "/filters/pl.group.topic", `{"filters":[]}`), http.StatusBadRequest, codeValidation)
	requireError(t, serve(h, "POST", "/filters/pl.group.topic", `{"filters":[],"message":"not base64!"}`), http.StatusBadRequest, codeFormat)
	f.err = fmt.Errorf("store: %w", domain.ErrTopicNotFound)
	requireError(t, serve(h, "POST", "/filters/pl.group.none", `{"filters":[],"message":""}`), http.StatusNotFound, codeTopicNotExists)
}
