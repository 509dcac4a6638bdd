package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real binary logs every management write as one audit line and
// lists it at GET /audit, with secrets masked; a failed write too.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	const secret = "audit-e2e-secret"
	provider := `{"name": "p1", "tokenEndpoint": "http://idp/token", "clientId": "c", "clientSecret": "` + secret + `",
"tokenRequestInitialDelay": 1, "tokenRequestMaxDelay": 1, "requestTimeout": 100}`
	mustCall(t, http.StatusCreated, "POST", h.management+"/oauth/providers", provider)
	mustCall(t, http.StatusBadRequest, "POST", h.management+"/oauth/providers", provider)

	var entries []struct {
		Principal, Operation, Kind, Name string
		Status                           int
		After                            json.RawMessage
	}
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", h.management+"/audit?limit=2", "")), &entries))
	require.Len(t, entries, 2)
	assert.Equal(t, 400, entries[0].Status)
	assert.Equal(t, 201, entries[1].Status)
	assert.Equal(t, "anonymous", entries[1].Principal)
	assert.Equal(t, "POST /oauth/providers", entries[1].Operation)
	assert.Equal(t, "p1", entries[1].Name)
	assert.Contains(t, string(entries[1].After), `"clientSecret":"******"`)

	var audit []string
	for l := range strings.Lines(h.log.String()) {
		if strings.Contains(l, "component=audit") {
			audit = append(audit, l)
		}
	}
	require.Len(t, audit, 2, "one line per write")
	assert.Contains(t, audit[0], `operation="POST /oauth/providers"`)
	assert.Contains(t, audit[0], `status=201`)
	assert.NotContains(t, h.log.String(), secret)
}
