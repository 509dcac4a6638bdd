package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
)

func TestMayPublish(t *testing.T) {
	t.Parallel()
	someUser := domain.Principal{Name: "someUser", Roles: []string{"publisher"}}
	noRole := domain.Principal{Name: "someUser"}
	anonymous := domain.Principal{}
	listed := []string{"someUser", "foobar"}
	for name, tt := range map[string]struct {
		auth domain.PublishingAuth
		p    domain.Principal
		role string
		want bool
	}{
		"auth off, anonymous":                        {domain.PublishingAuth{}, anonymous, "publisher", true},
		"auth off, anyone":                           {domain.PublishingAuth{}, noRole, "publisher", true},
		"listed publisher":                           {domain.PublishingAuth{Enabled: true, Publishers: listed}, someUser, "publisher", true},
		"listed, unauthenticated access disabled":    {domain.PublishingAuth{Enabled: true, Publishers: listed}, someUser, "publisher", true},
		"listed without the publisher role":          {domain.PublishingAuth{Enabled: true, Publishers: listed}, noRole, "publisher", false},
		"listed, no role required":                   {domain.PublishingAuth{Enabled: true, Publishers: listed}, noRole, "", true},
		"not listed":                                 {domain.PublishingAuth{Enabled: true, Publishers: []string{"foobar"}}, someUser, "publisher", false},
		"not listed, unauthenticated access enabled": {domain.PublishingAuth{Enabled: true, Publishers: []string{"foobar"}, UnauthenticatedAccessEnabled: true}, someUser, "publisher", false},
		"no publishers":                              {domain.PublishingAuth{Enabled: true, UnauthenticatedAccessEnabled: true}, someUser, "publisher", false},
		"anonymous, unauthenticated access enabled":  {domain.PublishingAuth{Enabled: true, Publishers: []string{"foobar"}, UnauthenticatedAccessEnabled: true}, anonymous, "publisher", true},
		"anonymous, unauthenticated access disabled": {domain.PublishingAuth{Enabled: true, Publishers: []string{"foobar"}}, anonymous, "publisher", false},
		"anonymous, no publishers, access disabled":  {domain.PublishingAuth{Enabled: true}, anonymous, "publisher", false},
		"the role is matched exactly, not the name":  {domain.PublishingAuth{Enabled: true, Publishers: []string{"publisher"}}, domain.Principal{Name: "publisher", Roles: []string{"admin"}}, "publisher", false},
	} {
		assert.Equal(t, tt.want, tt.auth.MayPublish(tt.p, tt.role), name)
	}
}
