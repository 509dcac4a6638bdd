package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// constraintsAndProviders drives /workload-constraints and
// /oauth/providers as the console does.
func constraintsAndProviders(t *testing.T, m string) {
	t.Helper()
	assert.JSONEq(t, `{"topicConstraints":{},"subscriptionConstraints":{}}`, mustCall(t, http.StatusOK, "GET", m+"/workload-constraints", ""))
	mustCall(t, http.StatusCreated, "PUT", m+"/workload-constraints/topic", `{"topicName":"g.t","constraints":{"consumersNumber":2,"reason":"hot"}}`)
	mustCall(t, http.StatusOK, "PUT", m+"/workload-constraints/topic", `{"topicName":"g.t","constraints":{"consumersNumber":3,"reason":"hotter"}}`)
	mustCall(t, http.StatusCreated, "PUT", m+"/workload-constraints/subscription", `{"subscriptionName":"g.t$s","constraints":{"consumersNumber":1,"reason":"r"}}`)
	assert.JSONEq(t, `{"topicConstraints":{"g.t":{"consumersNumber":3,"reason":"hotter"}},"subscriptionConstraints":{"g.t$s":{"consumersNumber":1,"reason":"r"}}}`,
		mustCall(t, http.StatusOK, "GET", m+"/workload-constraints", ""))
	status, body, _ := call(t, "PUT", m+"/workload-constraints/topic", `{"topicName":"g.t","constraints":{"consumersNumber":0}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "VALIDATION_ERROR", decode(t, body).(map[string]any)["code"])

	provider := `{"name":"auth","tokenEndpoint":"http://auth.example/token","clientId":"hermes","clientSecret":"s3cret",
		"tokenRequestInitialDelay":100,"tokenRequestMaxDelay":10000,"requestTimeout":1000}`
	mustCall(t, http.StatusCreated, "POST", m+"/oauth/providers", provider)
	status, body, _ = call(t, "POST", m+"/oauth/providers", provider)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "OAUTH_PROVIDER_ALREADY_EXISTS", decode(t, body).(map[string]any)["code"])
	assert.JSONEq(t, `["auth"]`, mustCall(t, http.StatusOK, "GET", m+"/oauth/providers", ""))
	got := decode(t, mustCall(t, http.StatusOK, "GET", m+"/oauth/providers/auth", ""))
	assert.Equal(t, []string{"clientId", "clientSecret", "name", "requestTimeout", "socketTimeout", "tokenEndpoint", "tokenRequestInitialDelay", "tokenRequestMaxDelay"}, keys(t, got))
	assert.Equal(t, "******", got.(map[string]any)["clientSecret"])
	mustCall(t, http.StatusOK, "PUT", m+"/oauth/providers/auth", `{"requestTimeout":2000}`)
	assert.Equal(t, 2000.0, decode(t, mustCall(t, http.StatusOK, "GET", m+"/oauth/providers/auth", "")).(map[string]any)["requestTimeout"])
}

func TestWorkloadConstraintsAndOAuthProviders(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir())
	constraintsAndProviders(t, h.management)
	h.stop()
	h.start()
	assert.JSONEq(t, `["auth"]`, mustCall(t, http.StatusOK, "GET", h.management+"/oauth/providers", ""), "kept across a restart")
	m := h.management
	mustCall(t, http.StatusOK, "DELETE", m+"/workload-constraints/topic/g.t", "")
	mustCall(t, http.StatusOK, "DELETE", m+"/workload-constraints/subscription/g.t/s", "")
	assert.JSONEq(t, `{"topicConstraints":{},"subscriptionConstraints":{}}`, mustCall(t, http.StatusOK, "GET", m+"/workload-constraints", ""))
	mustCall(t, http.StatusOK, "DELETE", m+"/oauth/providers/auth", "")
	mustCall(t, http.StatusNotFound, "GET", m+"/oauth/providers/auth", "")
}

// On ZooKeeper the documents sit where Hermes's management puts them, so
// a Hermes process sharing the tree reads them.
func TestAdminDocumentsInZooKeeperLayout(t *testing.T) {
	t.Parallel()
	kafka, zkAddr := realBackends(t)
	env := clusterEnv(t, kafka, zkAddr)
	h := startModules(t, "management", env...)
	constraintsAndProviders(t, h.management)

	var root string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "HERMES_METADATA__ZOOKEEPER__ROOT="); ok {
			root = v
		}
	}
	conn, _, err := zk.Connect([]string{zkAddr}, 5*time.Second, zk.WithLogInfo(false))
	require.NoError(t, err)
	t.Cleanup(conn.Close)
	data, _, err := conn.Get(root + "/consumers-workload-constraints/g.t$s")
	require.NoError(t, err)
	assert.JSONEq(t, `{"consumersNumber":1,"reason":"r"}`, string(data))
	data, _, err = conn.Get(root + "/consumers-workload-constraints/g.t")
	require.NoError(t, err)
	assert.JSONEq(t, `{"consumersNumber":3,"reason":"hotter"}`, string(data))
	data, _, err = conn.Get(root + "/oauth-providers/auth")
	require.NoError(t, err)
	assert.Contains(t, string(data), `"clientSecret":"s3cret"`, "Hermes stores the secret in plaintext")
}

// While ZooKeeper is away management turns read-only, as Hermes's storage
// health check switches it, and read-write once it is back.
func TestModeFollowsZooKeeper(t *testing.T) {
	t.Parallel()
	kafka, _ := realBackends(t)
	zkSvc := privateService(t, "zookeeper", "HERMES_ZOOKEEPER_PORT")
	h := startModules(t, "management", clusterEnv(t, kafka, zkSvc.addr)...)
	assert.Equal(t, "readWrite", mustCall(t, http.StatusOK, "GET", h.management+"/mode", ""))

	zkSvc.stop()
	require.Eventually(t, func() bool {
		_, body, _ := call(t, "GET", h.management+"/mode", "")
		return body == "readOnly"
	}, 60*time.Second, 100*time.Millisecond)
	status, body, _ := call(t, "POST", h.management+"/groups", `{"groupName":"while-down"}`)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.JSONEq(t, `{"message":"Action forbidden due to read-only mode","code":"OTHER"}`, body)

	zkSvc.start()
	require.Eventually(t, func() bool {
		_, body, _ := call(t, "GET", h.management+"/mode", "")
		return body == "readWrite"
	}, 60*time.Second, 100*time.Millisecond)
	waitStatus(t, http.StatusCreated, "POST", h.management+"/groups", `{"groupName":"after"}`)
}
