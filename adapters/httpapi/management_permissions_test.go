package httpapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// everyPort implements every port the management API looks for, so that
// routeTable registers every route. Its methods are never called.
type everyPort struct {
	ports.Management
	ports.MetricsService
	ports.SchemaService
	ports.HealthService
	ports.RoleService
	ports.ConsoleService
	ports.OwnerService
	ports.ModeService
	ports.WorkloadConstraintsService
	ports.OAuthProviderService
	ports.StatsService
	ports.InactiveTopicsService
	ports.ReadinessService
	ports.ConsistencyService
	ports.OfflineRetransmissionService
	ports.LinkService
	ports.QueryService
	ports.SubscriptionHealthService
	ports.ConsumerGroupService
	ports.PreviewService
	ports.FilterService
	ports.ManagementAuthorizer
	ports.AuditLog
}

// A method two ports share would not be promoted, and the port's routes
// would be missing from the check below without a word.
var (
	_ ports.Management                   = everyPort{}
	_ ports.MetricsService               = everyPort{}
	_ ports.SchemaService                = everyPort{}
	_ ports.HealthService                = everyPort{}
	_ ports.RoleService                  = everyPort{}
	_ ports.ConsoleService               = everyPort{}
	_ ports.OwnerService                 = everyPort{}
	_ ports.ModeService                  = everyPort{}
	_ ports.WorkloadConstraintsService   = everyPort{}
	_ ports.OAuthProviderService         = everyPort{}
	_ ports.StatsService                 = everyPort{}
	_ ports.InactiveTopicsService        = everyPort{}
	_ ports.ReadinessService             = everyPort{}
	_ ports.ConsistencyService           = everyPort{}
	_ ports.OfflineRetransmissionService = everyPort{}
	_ ports.LinkService                  = everyPort{}
	_ ports.QueryService                 = everyPort{}
	_ ports.SubscriptionHealthService    = everyPort{}
	_ ports.ConsumerGroupService         = everyPort{}
	_ ports.PreviewService               = everyPort{}
	_ ports.FilterService                = everyPort{}
	_ ports.ManagementAuthorizer         = everyPort{}
	_ ports.AuditLog                     = everyPort{}
)

// TestEveryManagementRouteHasAPermission: the permission table and the
// route table name the same routes, so a new route cannot go without a
// decision on who may call it (it would be admin-only), and the table
// keeps no route that is gone.
func TestEveryManagementRouteHasAPermission(t *testing.T) {
	t.Parallel()
	m := &management{svc: everyPort{}}
	routes := slices.Collect(maps.Keys(m.routeTable()))
	routes = append(routes, ownedTopicsPattern)
	permitted := slices.Collect(maps.Keys(ManagementPermissions()))
	for _, r := range routes {
		assert.Contains(t, permitted, r, "route %s has no entry in managementPermissions", r)
	}
	for _, p := range permitted {
		assert.Contains(t, routes, p, "managementPermissions lists %s, which is no route", p)
	}
}

// TestWritesAreNeverOpenToEveryone: no write may be public or open with
// the reads, except the POSTs that only read (queries, filter checks).
func TestWritesAreNeverOpenToEveryone(t *testing.T) {
	t.Parallel()
	readingPOSTs := []string{"POST /query/groups", "POST /query/topics", "POST /query/subscriptions",
		"POST /query/topics/metrics", "POST /query/subscriptions/metrics", "POST /topics/query",
		"POST /topics/{topic}/subscriptions/query", "POST /filters/{topic}"}
	for pattern, access := range ManagementPermissions() {
		if pattern[:4] == "GET " || slices.Contains(readingPOSTs, pattern) {
			continue
		}
		assert.GreaterOrEqual(t, access, ports.AccessLoggedIn, "%s is a write open to anonymous callers", pattern)
	}
}

// fakeAuthorizer answers every check with err and records what it was
// asked; admin is what IsAdmin says.
type fakeAuthorizer struct {
	mu    sync.Mutex
	err   error
	admin bool
	asked []authCheck
}

type authCheck struct {
	access              ports.Access
	topic, subscription string
}

func (f *fakeAuthorizer) Authorize(_ context.Context, access ports.Access, topic, subscription string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, authCheck{access, topic, subscription})
	return f.err
}

func (f *fakeAuthorizer) IsAdmin(context.Context) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.admin
}

func (f *fakeAuthorizer) last() authCheck {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked[len(f.asked)-1]
}

type authorizedAdmin struct {
	*fakeAdmin
	*fakeAuthorizer
}

func TestManagementAsksTheRoutesPermission(t *testing.T) {
	t.Parallel()
	a := &fakeAuthorizer{}
	h := NewManagement(authorizedAdmin{newFakeAdmin(), a}, nil)
	for _, tc := range []struct {
		method, path string
		want         authCheck
	}{
		{"GET", "/groups", authCheck{ports.AccessRead, "", ""}},
		{"PUT", "/groups/g", authCheck{ports.AccessAdmin, "", ""}},
		{"DELETE", "/topics/g.t", authCheck{ports.AccessTopicOwner, "g.t", ""}},
		{"PUT", "/topics/g.t/subscriptions/s/state", authCheck{ports.AccessSubscriptionOwner, "g.t", "s"}},
		{"GET", "/topics/owner/Plaintext/team", authCheck{ports.AccessRead, "", ""}},
		{"GET", "/roles/topics/g.t", authCheck{ports.AccessPublic, "g.t", ""}},
	} {
		serve(h, tc.method, tc.path, "")
		assert.Equal(t, tc.want, a.last(), "%s %s", tc.method, tc.path)
	}
}

func TestManagementRefusals(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err          error
		status       int
		code, prefix string
	}{
		// Hermes's role check (Jersey's RolesAllowed) answers 403 OTHER.
		"lacking the role": {domain.Errorf(domain.ErrPermissionDenied, "User not authorized."), http.StatusForbidden, "OTHER", "User not authorized."},
		"anonymous":        {domain.Errorf(domain.ErrUnauthenticated, "Authentication required"), http.StatusUnauthorized, "AUTH_ERROR", "Authentication required"},
		"topic not found":  {domain.Errorf(domain.ErrTopicNotFound, "Topic g.t not found"), http.StatusNotFound, "TOPIC_NOT_EXISTS", "Topic g.t"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAdmin()
			h := NewManagement(authorizedAdmin{f, &fakeAuthorizer{err: tc.err}}, nil)
			msg := requireError(t, serve(h, "DELETE", "/topics/g.t", ""), tc.status, tc.code)
			assert.Contains(t, msg, tc.prefix)
			assert.Empty(t, f.calls, "a refused request reaches no use case")
		})
	}
}

// TestReadOnlyModeLetsAdminsThrough, as Hermes's ReadOnlyFilter does.
func TestReadOnlyModeLetsAdminsThrough(t *testing.T) {
	t.Parallel()
	a := &fakeAuthorizer{}
	h := NewManagement(authorizedAdmin{newFakeAdmin(), a}, nil)
	require.Equal(t, http.StatusOK, serve(h, "POST", "/mode?mode=readOnly", "").Code)
	requireError(t, serve(h, "POST", "/groups", `{"groupName":"g"}`), http.StatusServiceUnavailable, "OTHER")
	a.mu.Lock()
	a.admin = true
	a.mu.Unlock()
	assert.Equal(t, http.StatusCreated, serve(h, "POST", "/groups", `{"groupName":"g"}`).Code)
}

func TestWithChallengesOn401Only(t *testing.T) {
	t.Parallel()
	status := http.StatusUnauthorized
	var mu sync.Mutex
	h := WithChallenges(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
	}), []string{"Bearer", `Basic realm="hermes"`})
	assert.Equal(t, []string{"Bearer", `Basic realm="hermes"`}, serve(h, "GET", "/topics", "").Header().Values("WWW-Authenticate"))
	mu.Lock()
	status = http.StatusForbidden
	mu.Unlock()
	assert.Empty(t, serve(h, "GET", "/topics", "").Header().Values("WWW-Authenticate"))
	assert.Equal(t, fmt.Sprintf("%p", http.NotFoundHandler()), fmt.Sprintf("%p", WithChallenges(http.NotFoundHandler(), nil)))
}
