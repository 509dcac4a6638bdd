package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenAPIServedOnEveryServer(t *testing.T) {
	for name, tc := range map[string]struct {
		h        http.Handler
		has, not string
	}{
		"management": {NewManagement(&fakeManagement{}, nil), "/groups", ""},
		"frontend":   {NewFrontend(newTestPublisher(1024), DefaultFrontendConfig(), nil), "/status/ping", "/groups"},
		"consumers":  {NewConsumersStatus(fakeConsumersStatus{}), "/status/subscriptions", "/groups"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var doc struct {
				OpenAPI string                    `json:"openapi"`
				Paths   map[string]map[string]any `json:"paths"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
			assert.Equal(t, "3.1.0", doc.OpenAPI)
			assert.Contains(t, doc.Paths, tc.has)
			assert.Contains(t, doc.Paths, "/openapi.json")
			if tc.not != "" {
				assert.NotContains(t, doc.Paths, tc.not)
			}
		})
	}
}
