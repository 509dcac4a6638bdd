package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// singleUser accepts "Bearer good" as someUser with the publisher role,
// as Hermes's integration tests' SingleUserAwareIdentityManager does for
// its one Basic user, and rejects other credentials.
type singleUser struct{}

func (singleUser) Authenticate(_ context.Context, c ports.Credentials) (domain.Principal, error) {
	switch c.Authorization {
	case "":
		return domain.Principal{}, nil
	case "Bearer good":
		return domain.Principal{Name: "someUser", Roles: []string{"publisher"}, Method: "token"}, nil
	case "Bearer no-role":
		return domain.Principal{Name: "someUser", Method: "token"}, nil
	}
	return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: unknown token")
}

func authTopic(auth domain.PublishingAuth) domain.Topic {
	t := domain.NewTopic()
	t.Name, t.ContentType, t.MaxMessageSize, t.Auth = testTopic, domain.ContentTypeJSON, domain.DefaultMessageSize, auth
	return t
}

// TestFrontendPublishingPermissions restates Hermes's
// TopicAuthorizationTest (authentication enabled, not required).
func TestFrontendPublishingPermissions(t *testing.T) {
	t.Parallel()
	const user, other = "someUser", "foobar"
	open := domain.PublishingAuth{Publishers: []string{}, UnauthenticatedAccessEnabled: true}
	auth := func(unauthenticated bool, publishers ...string) domain.PublishingAuth {
		return domain.PublishingAuth{Enabled: true, Publishers: publishers, UnauthenticatedAccessEnabled: unauthenticated}
	}
	for name, tt := range map[string]struct {
		auth          domain.PublishingAuth
		authorization string
		want          int
	}{
		// shouldPublishWhenAuthenticated
		"authenticated, auth off":                            {open, "Bearer good", http.StatusCreated},
		"authenticated publisher":                            {auth(true, user), "Bearer good", http.StatusCreated},
		"authenticated, one of two publishers":               {auth(true, user, other), "Bearer good", http.StatusCreated},
		"authenticated publisher, unauthenticated disabled":  {auth(false, user), "Bearer good", http.StatusCreated},
		"authenticated, two publishers, unauthenticated off": {auth(false, user, other), "Bearer good", http.StatusCreated},
		// shouldPublishAsGuestWhenAuthIsNotRequired
		"guest, auth off":                   {open, "", http.StatusCreated},
		"guest, auth on, no publishers":     {auth(true), "", http.StatusCreated},
		"guest, auth on, another publisher": {auth(true, other), "", http.StatusCreated},
		// shouldNotPublishAsGuestWhenAuthIsRequired
		"guest, unauthenticated disabled":    {auth(false), "", http.StatusForbidden},
		"guest, another publisher, disabled": {auth(false, other), "", http.StatusForbidden},
		// shouldNotPublishWithoutPermissionWhenAuthenticated
		"authenticated, no publishers":               {auth(true), "Bearer good", http.StatusForbidden},
		"authenticated, another publisher":           {auth(true, other), "Bearer good", http.StatusForbidden},
		"authenticated, no publishers, disabled":     {auth(false), "Bearer good", http.StatusForbidden},
		"authenticated, another publisher, disabled": {auth(false, other), "Bearer good", http.StatusForbidden},
		// Hermes also requires the PUBLISHER role.
		"listed without the publisher role": {auth(true, user), "Bearer no-role", http.StatusForbidden},
		// PublishingAuthenticationTest: wrong credentials are 401.
		"wrong credentials": {open, "Bearer bad", http.StatusUnauthorized},
	} {
		t.Run(name, func(t *testing.T) {
			pub := &fakePublisher{topics: map[string]domain.Topic{testTopic: authTopic(tt.auth)}}
			h := WithIdentity(NewFrontend(pub, DefaultFrontendConfig(), nil), singleUser{}, []string{"Bearer"}, nil)
			var header http.Header
			if tt.authorization != "" {
				header = http.Header{"Authorization": {tt.authorization}}
			}
			rec := post(h, testTopic, `{"a":1}`, header)
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			switch tt.want {
			case http.StatusForbidden:
				assert.Equal(t, "Permission denied.", requireError(t, rec, http.StatusForbidden, codeAuth))
				requireMessageID(t, rec)
				assert.Empty(t, pub.messages(), "nothing is stored")
			case http.StatusCreated:
				assert.Len(t, pub.messages(), 1)
			}
		})
	}
}

// TestFrontendAuthenticationRequired restates Hermes's
// PublishingAuthenticationTest (authentication required).
func TestFrontendAuthenticationRequired(t *testing.T) {
	t.Parallel()
	pub := newTestPublisher(domain.DefaultMessageSize)
	cfg := DefaultFrontendConfig()
	cfg.Auth.Required, cfg.Auth.Challenges = true, []string{`Basic realm="hermes"`}
	h := WithIdentity(NewFrontend(pub, cfg, nil), singleUser{}, cfg.Auth.Challenges, nil)

	rec := post(h, testTopic, `{"a":1}`, http.Header{"Authorization": {"Bearer good"}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())

	for name, header := range map[string]http.Header{"no credentials": nil, "wrong credentials": {"Authorization": {"Bearer bad"}}} {
		rec := post(h, testTopic, `{"a":1}`, header)
		requireError(t, rec, http.StatusUnauthorized, codeAuth)
		assert.Equal(t, `Basic realm="hermes"`, rec.Header().Get("WWW-Authenticate"), name)
	}
	rec = post(h, "no.such-topic", `{}`, nil)
	requireError(t, rec, http.StatusUnauthorized, codeAuth)
	assert.Len(t, pub.messages(), 1)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status/ping", nil))
	assert.Equal(t, http.StatusOK, rec.Code, "only publishing requires authentication")
}

// TestFrontendAuthCheckAllocatesNothing: the permission checks add no
// allocation to a publish, with topic auth off or on.
func TestFrontendAuthCheckAllocatesNothing(t *testing.T) {
	a := DefaultFrontendConfig().Auth
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/topics/"+testTopic, nil)
	off := authTopic(domain.PublishingAuth{})
	on := authTopic(domain.PublishingAuth{Enabled: true, Publishers: []string{"someUser"}})
	identified := r.WithContext(domain.WithPrincipal(r.Context(), domain.Principal{Name: "someUser", Roles: []string{"publisher"}}))
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if a.unauthenticated(w, r) || a.forbidden(w, r, off) || a.forbidden(w, identified, on) {
			t.Fatal("refused")
		}
	}))
}
