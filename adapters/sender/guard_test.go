package sender_test

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeResolver answers each name with its list of answers in turn, the
// last one repeated: a rebinding name answers differently at each lookup.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.answers[host]
	if len(a) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if len(a) > 1 {
		r.answers[host] = a[1:]
	}
	return a[0], nil
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func newGuard(t *testing.T, allow, deny []string, r sender.Resolver) *sender.Guard {
	t.Helper()
	rule, err := domain.NewEndpointGuard(allow, deny)
	require.NoError(t, err)
	return sender.NewGuard(rule, r)
}

// hitServer counts the requests that reach it; its port is returned.
func hitServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := newServer(t, func(http.ResponseWriter, *http.Request) { n.Add(1) })
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u.Port(), &n
}

// A name that resolves to 127.0.0.1 is refused with loopback denied, at
// create time and at dial time; nothing reaches the subscriber.
func TestGuardRefusesNameResolvingToDeniedLoopback(t *testing.T) {
	t.Parallel()
	port, hits := hitServer(t)
	for _, tc := range []struct {
		name     string
		resolver sender.Resolver
	}{
		{"system resolver, localhost", nil},
		{"injected resolver", &fakeResolver{answers: map[string][][]netip.Addr{"localhost": {addrs("127.0.0.1")}}}},
	} {
		g := newGuard(t, nil, []string{"127.0.0.0/8", "::1"}, tc.resolver)
		endpoint := "http://localhost:" + port + "/hook"
		err := g.CheckEndpoint(t.Context(), endpoint)
		require.ErrorIs(t, err, domain.ErrValidation, tc.name)
		assert.Contains(t, domain.ErrorMessage(err), "deny list", tc.name)

		r := send(t, newSender(t, sender.Config{Guard: g}), ports.SendRequest{Endpoint: endpoint})
		require.ErrorIs(t, r.Err, domain.ErrEndpointForbidden, tc.name)
		assert.Zero(t, r.StatusCode)
	}
	assert.Zero(t, hits.Load())
}

// The metadata service is denied whenever the guard is on, by address and
// by name, with empty lists.
func TestGuardRefusesMetadataAddresses(t *testing.T) {
	t.Parallel()
	res := &fakeResolver{answers: map[string][][]netip.Addr{"evil.test": {addrs("169.254.169.254")}}}
	g := newGuard(t, nil, nil, res)
	s := newSender(t, sender.Config{Guard: g})
	for _, endpoint := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://user:secret@evil.test/",
	} {
		require.ErrorIs(t, g.CheckEndpoint(t.Context(), endpoint), domain.ErrValidation, endpoint)
		r := send(t, s, ports.SendRequest{Endpoint: endpoint})
		require.ErrorIs(t, r.Err, domain.ErrEndpointForbidden, endpoint)
		assert.NotContains(t, r.Err.Error(), "secret")
	}
}

// DNS rebinding: the name resolves to an allowed address when the
// subscription is created, to a denied one when the sender dials.
func TestGuardChecksAgainAtDialTime(t *testing.T) {
	t.Parallel()
	port, hits := hitServer(t)
	res := &fakeResolver{answers: map[string][][]netip.Addr{"rebind.test": {addrs("93.184.216.34"), addrs("127.0.0.1")}}}
	g := newGuard(t, nil, []string{"127.0.0.0/8"}, res)
	endpoint := "http://rebind.test:" + port + "/"
	require.NoError(t, g.CheckEndpoint(t.Context(), endpoint))
	r := send(t, newSender(t, sender.Config{Guard: g}), ports.SendRequest{Endpoint: endpoint})
	require.ErrorIs(t, r.Err, domain.ErrEndpointForbidden)
	assert.Zero(t, hits.Load())
}

// An allowed name is dialled at the address the guard resolved and
// checked; a name any of whose addresses is denied is refused whole.
func TestGuardDialsTheCheckedAddress(t *testing.T) {
	t.Parallel()
	port, hits := hitServer(t)
	res := &fakeResolver{answers: map[string][][]netip.Addr{
		"hooks.partner.test": {addrs("127.0.0.1")},
		"mixed.partner.test": {addrs("127.0.0.1", "10.9.9.9")},
		"other.test":         {addrs("127.0.0.1")},
	}}
	g := newGuard(t, []string{"*.partner.test"}, []string{"10.0.0.0/8"}, res)
	s := newSender(t, sender.Config{Guard: g})

	r := send(t, s, ports.SendRequest{Endpoint: "http://hooks.partner.test:" + port + "/"})
	require.NoError(t, r.Err)
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Equal(t, int64(1), hits.Load())

	for _, endpoint := range []string{"http://mixed.partner.test:" + port + "/", "http://other.test:" + port + "/", "http://127.0.0.1:" + port + "/"} {
		require.ErrorIs(t, g.CheckEndpoint(t.Context(), endpoint), domain.ErrValidation, endpoint)
		require.ErrorIs(t, send(t, s, ports.SendRequest{Endpoint: endpoint}).Err, domain.ErrEndpointForbidden, endpoint)
	}
	assert.Equal(t, int64(1), hits.Load())
}

// What the create-time check cannot judge passes it: a name that does not
// resolve yet, a host filled from the message, a scheme this sender does
// not deliver.
func TestGuardLetsUnjudgeableEndpointsThroughAtCreate(t *testing.T) {
	t.Parallel()
	g := newGuard(t, nil, []string{"127.0.0.0/8"}, &fakeResolver{answers: map[string][][]netip.Addr{}})
	for _, endpoint := range []string{"http://not-yet.test/", "http://{host}/hook", "jms://127.0.0.1/queue"} {
		assert.NoError(t, g.CheckEndpoint(t.Context(), endpoint), endpoint)
	}
}
