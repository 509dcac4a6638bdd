package domain_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestEndpointGuardRules(t *testing.T) {
	t.Parallel()
	open, err := domain.NewEndpointGuard(nil, nil)
	require.NoError(t, err)
	deny, err := domain.NewEndpointGuard(nil, []string{"127.0.0.0/8", "::1", "*.internal", "Admin.Example.com"})
	require.NoError(t, err)
	allow, err := domain.NewEndpointGuard([]string{"*.partner.test", "10.1.0.0/16"}, []string{"10.1.2.0/24"})
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		g     domain.EndpointGuard
		host  string // "" for a literal address
		addr  string
		allow bool
	}{
		{"public address", open, "", "93.184.216.34", true},
		{"loopback is a normal endpoint unless denied", open, "localhost", "127.0.0.1", true},
		{"metadata address", open, "", "169.254.169.254", false},
		{"metadata address mapped into IPv6", open, "", "::ffff:169.254.169.254", false},
		{"metadata address behind NAT64", open, "", "64:ff9b::a9fe:a9fe", false},
		{"AWS IPv6 metadata", open, "", "fd00:ec2::254", false},
		{"link-local IPv6 with zone", open, "", "fe80::1%eth0", false},
		{"unspecified reaches the local host", open, "", "0.0.0.0", false},
		{"metadata name", open, "Metadata.Google.Internal.", "10.0.0.1", false},
		{"name resolving to metadata", open, "innocent.test", "169.254.169.254", false},
		{"denied loopback", deny, "localhost", "127.0.0.1", false},
		{"denied loopback v6", deny, "", "::1", false},
		{"denied pattern", deny, "db.internal", "93.184.216.34", false},
		{"pattern needs a label before the suffix", deny, "internal", "93.184.216.34", true},
		{"denied name, any case", deny, "admin.example.COM", "93.184.216.34", false},
		{"other names pass a deny list", deny, "example.com", "93.184.216.34", true},
		{"allowed pattern", allow, "hooks.partner.test", "93.184.216.34", true},
		{"allowed CIDR", allow, "", "10.1.9.9", true},
		{"deny beats allow", allow, "", "10.1.2.3", false},
		{"deny beats an allowed name", allow, "hooks.partner.test", "169.254.1.1", false},
		{"outside the allow list", allow, "example.com", "93.184.216.34", false},
	} {
		why := tc.g.CheckAddr(tc.host, netip.MustParseAddr(tc.addr))
		assert.Equal(t, tc.allow, why == "", "%s: %s", tc.name, why)
	}
}

func TestEndpointGuardRefusesBadEntries(t *testing.T) {
	t.Parallel()
	_, err := domain.NewEndpointGuard([]string{"10.0.0.0/33", "ok.test"}, []string{"a*b", "http://x/"})
	require.ErrorIs(t, err, domain.ErrValidation)
	for _, e := range []string{"10.0.0.0/33", "a*b", "http://x/"} {
		assert.Contains(t, err.Error(), e)
	}
}
