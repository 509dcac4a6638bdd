package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/ports"
)

// The callers of the permission matrix, as static tokens. Every fixture
// topic is owned by team-t, its subscription s by team-s.
const permissionsConfig = `
security:
  identity:
    tokens:
      - {name: user, token: user-token}
      - {name: topic-owner, token: topic-owner-token, owner_ids: [team-t]}
      - {name: sub-owner, token: sub-owner-token, owner_ids: [team-s]}
      - {name: root, token: admin-token, roles: [admin]}
  management:
    enabled: true
`

type caller struct{ name, authorization string }

var (
	anonymousCaller  = caller{"anonymous", ""}
	userCaller       = caller{"user", "Bearer user-token"}
	topicOwnerCaller = caller{"topic owner", "Bearer topic-owner-token"}
	subOwnerCaller   = caller{"subscription owner", "Bearer sub-owner-token"}
	adminCaller      = caller{"admin", "Bearer admin-token"}
	allCallers       = []caller{anonymousCaller, userCaller, topicOwnerCaller, subOwnerCaller, adminCaller}
)

// admitted is who each level lets through, with open reads.
var admitted = map[ports.Access][]caller{
	ports.AccessPublic:            allCallers,
	ports.AccessRead:              allCallers,
	ports.AccessLoggedIn:          {userCaller, topicOwnerCaller, subOwnerCaller, adminCaller},
	ports.AccessTopicOwner:        {topicOwnerCaller, adminCaller},
	ports.AccessSubscriptionOwner: {topicOwnerCaller, subOwnerCaller, adminCaller},
	ports.AccessAdmin:             {adminCaller},
}

// hermesLevels pins the rows the Hermes permission table is known by
// (its @RolesAllowed annotations), so that the table cannot drift from
// Hermes unnoticed.
var hermesLevels = map[string]ports.Access{
	"POST /groups":                                                    ports.AccessLoggedIn,
	"PUT /groups/{group}":                                             ports.AccessAdmin,
	"DELETE /groups/{group}":                                          ports.AccessLoggedIn,
	"POST /topics":                                                    ports.AccessLoggedIn,
	"PUT /topics/{topic}":                                             ports.AccessTopicOwner,
	"DELETE /topics/{topic}":                                          ports.AccessTopicOwner,
	"POST /topics/{topic}/schema":                                     ports.AccessTopicOwner,
	"DELETE /topics/{topic}/schema":                                   ports.AccessTopicOwner,
	"POST /topics/{topic}/subscriptions":                              ports.AccessLoggedIn,
	"PUT /topics/{topic}/subscriptions/{subscription}":                ports.AccessSubscriptionOwner,
	"DELETE /topics/{topic}/subscriptions/{subscription}":             ports.AccessSubscriptionOwner,
	"PUT /topics/{topic}/subscriptions/{subscription}/state":          ports.AccessSubscriptionOwner,
	"PUT /topics/{topic}/subscriptions/{subscription}/retransmission": ports.AccessSubscriptionOwner,
	"GET /topics/{topic}/subscriptions/{subscription}/undelivered":    ports.AccessSubscriptionOwner,
	"POST /mode":                      ports.AccessAdmin,
	"PUT /workload-constraints/topic": ports.AccessAdmin,
	"DELETE /workload-constraints/subscription/{topic}/{subscription}": ports.AccessAdmin,
	"POST /oauth/providers":                   ports.AccessAdmin,
	"DELETE /oauth/providers/{name}":          ports.AccessAdmin,
	"POST /consistency/sync/topics/{topic}":   ports.AccessAdmin,
	"GET /consistency/inconsistencies/topics": ports.AccessAdmin,
	"GET /inactive-topics":                    ports.AccessAdmin,
	"GET /readiness/datacenters":              ports.AccessAdmin,
	"GET /topics/{topic}":                     ports.AccessRead,
	"GET /roles":                              ports.AccessPublic,
}

// pathValues fill the wildcards of a route pattern; {topic} is the
// route's own fixture topic.
var pathValues = map[string]string{
	"{group}": "perm-g", "{subscription}": "s", "{source}": "Plaintext", "{id}": "team-t",
	"{messageId}": "m1", "{version}": "1", "{idx}": "0", "{cluster}": "primary-dc", "{partition}": "0",
	"{offset}": "0", "{name}": "no-such-provider", "{datacenter}": "dc1", "{$}": "",
}

// TestManagementPermissionMatrix walks every route of the management API
// (the route table, through its permission table) for every kind of
// caller on the real binary: the callers a route's level admits get past
// the check (whatever the use case then answers), the others get 401
// (anonymous) or 403 "User not authorized.".
func TestManagementPermissionMatrix(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), securityConfig(t, permissionsConfig))
	table := httpapi.ManagementPermissions()
	for pattern, want := range hermesLevels {
		assert.Equal(t, want, table[pattern], "%s: Hermes's level", pattern)
	}
	documentedRoutesArePermitted(t, h, table)
	as(t, adminCaller, http.StatusCreated, "POST", h.management+"/groups", `{"groupName":"perm"}`)
	// {group}: a group of its own, which DELETE /groups/{group} removes.
	as(t, adminCaller, http.StatusCreated, "POST", h.management+"/groups", `{"groupName":"perm-g"}`)

	patterns := make([]string, 0, len(table))
	for p := range table {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for i, pattern := range patterns {
		access := table[pattern]
		pass, ok := admitted[access]
		require.True(t, ok, "%s: level %v has no expectations in this test", pattern, access)
		method, path, _ := strings.Cut(pattern, " ")
		topic := fmt.Sprintf("perm.t%d", i)
		if strings.Contains(path, "{topic}") {
			ownedFixture(t, h, topic)
		}
		url := h.management + fillPattern(path, topic)
		body := ""
		if method == http.MethodPost || method == http.MethodPut {
			body = "{}"
		}
		// Refused callers first: an admitted one may remove the fixture
		// the owner checks of the others read.
		for _, c := range refusedFirst(pass) {
			status, got, _ := callAs(t, c.authorization, method, url, body)
			refused := refusal(status, got)
			switch {
			case slices.Contains(pass, c):
				assert.Empty(t, refused, "%s as %s (%s): %d %s", pattern, c.name, access, status, got)
			case c == anonymousCaller:
				assert.Equal(t, "401", refused, "%s as %s (%s): %d %s", pattern, c.name, access, status, got)
			default:
				assert.Equal(t, "403", refused, "%s as %s (%s): %d %s", pattern, c.name, access, status, got)
			}
		}
	}
}

// documentedRoutesArePermitted: every operation of the binary's OpenAPI
// document has a permission (wildcard names aside), so a route added with
// its documentation but without a permission fails here too.
func documentedRoutesArePermitted(t *testing.T, h *hermes, table map[string]ports.Access) {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal([]byte(as(t, anonymousCaller, http.StatusOK, "GET", h.management+"/openapi.json", "")), &doc))
	permitted := map[string]bool{}
	for p := range table {
		permitted[wildcards.ReplaceAllString(p, "{}")] = true
	}
	for path, ops := range doc.Paths {
		if slices.Contains(scrapedPaths, path) {
			continue
		}
		for method := range ops {
			op := strings.ToUpper(method) + " " + wildcards.ReplaceAllString(path, "{}")
			if slices.Contains([]string{"GET", "POST", "PUT", "DELETE", "PATCH"}, strings.ToUpper(method)) {
				assert.True(t, permitted[op], "%s %s is documented but has no permission", strings.ToUpper(method), path)
			}
		}
	}
}

// scrapedPaths are served beside the management API, to metrics
// scrapers, always open as Hermes's actuator endpoints are.
var scrapedPaths = []string{"/status/prometheus", "/metrics"}

var wildcards = regexp.MustCompile(`\{[^}]*\}`)

// refusedFirst orders the callers: those pass does not hold, then pass.
func refusedFirst(pass []caller) []caller {
	var out []caller
	for _, c := range allCallers {
		if !slices.Contains(pass, c) {
			out = append(out, c)
		}
	}
	return append(out, pass...)
}

// refusal says which permission refusal an answer is: "401", "403", or
// "" when the request got past the check (another 403, such as
// GROUP_NOT_EMPTY, is the use case's).
func refusal(status int, body string) string {
	var e struct{ Message, Code string }
	_ = json.Unmarshal([]byte(body), &e)
	switch {
	case status == http.StatusUnauthorized && e.Code == "AUTH_ERROR":
		return "401"
	case status == http.StatusForbidden && e.Code == "OTHER" && e.Message == "User not authorized.":
		return "403"
	}
	return ""
}

func fillPattern(path, topic string) string {
	path = strings.ReplaceAll(path, "{topic}", topic)
	for k, v := range pathValues {
		path = strings.ReplaceAll(path, k, v)
	}
	return path
}

// ownedFixture creates topic (owned by team-t) and its subscription s
// (owned by team-s), as the admin.
func ownedFixture(t *testing.T, h *hermes, topic string) {
	t.Helper()
	as(t, adminCaller, http.StatusCreated, "POST", h.management+"/topics", fmt.Sprintf(
		`{"name":%q,"description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"team-t"}}`, topic))
	as(t, adminCaller, http.StatusCreated, "POST", h.management+"/topics/"+topic+"/subscriptions", fmt.Sprintf(
		`{"topicName":%q,"name":"s","description":"d","endpoint":"http://localhost:1/s","owner":{"source":"Plaintext","id":"team-s"}}`, topic))
}

// as sends a request as c and requires status.
func as(t *testing.T, c caller, status int, method, url, body string) string {
	t.Helper()
	got, b, _ := callAs(t, c.authorization, method, url, body)
	require.Equal(t, status, got, "%s %s as %s: %s", method, url, c.name, b)
	return b
}

// TestManagementRolesAndCreatorRules: GET /roles... reports each caller's
// roles; past the endpoint's level, Hermes's creator rules apply; reads
// can be closed to anonymous callers; read-only mode lets admins through.
func TestManagementRolesAndCreatorRules(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), securityConfig(t, permissionsConfig+"    open_reads: false\n"))
	m := h.management
	as(t, adminCaller, http.StatusCreated, "POST", m+"/groups", `{"groupName":"perm"}`)
	ownedFixture(t, h, "perm.t")

	for _, tc := range []struct {
		c    caller
		path string
		want string
	}{
		{anonymousCaller, "/roles", `[]`},
		{userCaller, "/roles", `["any"]`},
		{adminCaller, "/roles", `["admin","any"]`},
		{topicOwnerCaller, "/roles/topics/perm.t", `["any","topicOwner"]`},
		{subOwnerCaller, "/roles/topics/perm.t", `["any"]`},
		{topicOwnerCaller, "/roles/topics/perm.t/subscriptions/s", `["any","topicOwner"]`},
		{subOwnerCaller, "/roles/topics/perm.t/subscriptions/s", `["any","subscriptionOwner"]`},
	} {
		assert.JSONEq(t, tc.want, as(t, tc.c, http.StatusOK, "GET", m+tc.path, ""), "%s as %s", tc.path, tc.c.name)
	}

	// open_reads false: reads need credentials, the public endpoints do not.
	status, body, header := callAs(t, "", "GET", m+"/topics", "")
	assert.Equal(t, "401", refusal(status, body), body)
	assert.Equal(t, []string{"Bearer"}, header.Values("WWW-Authenticate"), "a 401 says how to authenticate")
	as(t, userCaller, http.StatusOK, "GET", m+"/topics", "")
	as(t, anonymousCaller, http.StatusOK, "GET", m+"/console", "")
	as(t, anonymousCaller, http.StatusOK, "GET", m+"/status/health", "")

	// Creator rules.
	msg := as(t, userCaller, http.StatusForbidden, "POST", m+"/groups", `{"groupName":"mine"}`)
	assert.Contains(t, msg, `"code":"PERMISSION_DENIED"`)
	msg = as(t, userCaller, http.StatusBadRequest, "POST", m+"/topics",
		`{"name":"perm.theirs","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"team-t"}}`)
	assert.Contains(t, msg, "Provide an owner that includes you")
	as(t, topicOwnerCaller, http.StatusCreated, "POST", m+"/topics",
		`{"name":"perm.mine","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"team-t"}}`)
	msg = as(t, topicOwnerCaller, http.StatusBadRequest, "PUT", m+"/topics/perm.t/subscriptions/s", `{"description":"x"}`)
	assert.Contains(t, msg, "Provide an owner that includes you, you would not be able to manage this subscription later")
	as(t, subOwnerCaller, http.StatusOK, "PUT", m+"/topics/perm.t/subscriptions/s", `{"description":"x"}`)

	// Read-only mode refuses everyone but admins.
	as(t, adminCaller, http.StatusOK, "POST", m+"/mode?mode=readOnly", "")
	as(t, subOwnerCaller, http.StatusServiceUnavailable, "PUT", m+"/topics/perm.t/subscriptions/s", `{"description":"y"}`)
	as(t, adminCaller, http.StatusOK, "PUT", m+"/topics/perm.t/subscriptions/s", `{"description":"y"}`)
	as(t, adminCaller, http.StatusOK, "POST", m+"/mode?mode=readWrite", "")
	as(t, subOwnerCaller, http.StatusOK, "PUT", m+"/topics/perm.t/subscriptions/s", `{"description":"z"}`)
}
