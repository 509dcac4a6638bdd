package domain

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrEndpointForbidden is returned when the endpoint guard refuses to
// deliver to an address (at dial time, after DNS resolution). At
// subscription create and update the same refusal is an ErrValidation.
var ErrEndpointForbidden = errors.New("endpoint address forbidden by the endpoint guard")

// EndpointGuard is the SSRF guard's rule: which endpoint hosts and
// addresses subscriptions may deliver to. The zero value allows all but
// the always-denied addresses. Rules are checked in this order:
//
//  1. always denied: link-local addresses (169.254.0.0/16, fe80::/10, so
//     also the 169.254.169.254 metadata service), the other cloud metadata
//     addresses (fd00:ec2::254, Alibaba's 100.100.100.200) and names
//     (metadata.google.internal, metadata.goog), and the unspecified
//     addresses 0.0.0.0/8 and :: (which reach the local host);
//  2. denied: a name matching a deny pattern or an address in a deny CIDR;
//  3. when the allow list is not empty, the name must match an allow
//     pattern or the address be in an allow CIDR.
//
// Loopback is not denied unless listed: a local subscriber is the usual
// development setup.
type EndpointGuard struct {
	allowNets, denyNets   []netip.Prefix
	allowHosts, denyHosts []string
}

var alwaysDeniedNets = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
	netip.MustParsePrefix("100.100.100.200/32"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("::/128"),
}

var alwaysDeniedHosts = []string{"metadata.google.internal", "metadata.goog"}

// nat64 is the well-known NAT64 prefix: its addresses embed an IPv4
// address that the translator reaches, which must pass the same rules.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// NewEndpointGuard parses the allow and deny lists. An entry is a CIDR
// (10.0.0.0/8, fd00::/8), an address (taken as a single-address CIDR), a
// host name, or a name pattern "*.suffix" matching every name under
// suffix. Bad entries give one error wrapping ErrValidation naming all.
func NewEndpointGuard(allow, deny []string) (EndpointGuard, error) {
	var g EndpointGuard
	var bad []string
	parse := func(entries []string, nets *[]netip.Prefix, hosts *[]string) {
		for _, e := range entries {
			e = strings.TrimSpace(e)
			if p, err := netip.ParsePrefix(e); err == nil {
				*nets = append(*nets, p.Masked())
				continue
			}
			if a, err := netip.ParseAddr(e); err == nil {
				*nets = append(*nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			name := normalHost(strings.TrimPrefix(e, "*."))
			if name == "" || strings.ContainsAny(name, "*/:[] ") {
				bad = append(bad, fmt.Sprintf("%q", e))
				continue
			}
			*hosts = append(*hosts, normalHost(e))
		}
	}
	parse(allow, &g.allowNets, &g.allowHosts)
	parse(deny, &g.denyNets, &g.denyHosts)
	if len(bad) > 0 {
		return EndpointGuard{}, Errorf(ErrValidation, "endpoint guard entries %s: want a CIDR, an IP address, a host name or *.domain", strings.Join(bad, ", "))
	}
	return g, nil
}

// normalHost lower-cases name and drops a final dot, so that
// "Metadata.Google.Internal." is the name the rules list.
func normalHost(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// matchHost reports whether name matches a pattern of patterns.
func matchHost(name string, patterns []string) bool {
	for _, p := range patterns {
		if suffix, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(name, "."+suffix) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

func inNets(a netip.Addr, nets []netip.Prefix) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// CheckName checks a host name before it is resolved: the always-denied
// names and the deny patterns. It returns a message saying why the name
// is refused, "" when it may be resolved and its addresses checked.
func (g EndpointGuard) CheckName(name string) string {
	name = normalHost(name)
	switch {
	case matchHost(name, alwaysDeniedHosts):
		return fmt.Sprintf("host %s is a cloud metadata service, always denied by the endpoint guard", name)
	case matchHost(name, g.denyHosts):
		return fmt.Sprintf("host %s matches the endpoint guard's deny list", name)
	}
	return ""
}

// CheckAddr checks one address an endpoint reaches; name is the host name
// it was resolved from, "" for a literal address. It returns why the
// address is refused, "" when it is allowed.
func (g EndpointGuard) CheckAddr(name string, a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if nat64.Contains(a) {
		b := a.As16()
		if why := g.CheckAddr(name, netip.AddrFrom4([4]byte(b[12:]))); why != "" {
			return why
		}
	}
	if why := g.CheckName(name); why != "" {
		return why
	}
	shown := a.String()
	if name != "" {
		shown = fmt.Sprintf("host %s resolves to %s, which", name, a)
	}
	switch {
	case inNets(a, alwaysDeniedNets):
		return shown + " is a link-local, metadata or unspecified address, always denied by the endpoint guard"
	case inNets(a, g.denyNets):
		return shown + " is in the endpoint guard's deny list"
	case len(g.allowNets)+len(g.allowHosts) == 0,
		inNets(a, g.allowNets),
		name != "" && matchHost(normalHost(name), g.allowHosts):
		return ""
	}
	return shown + " is not in the endpoint guard's allow list"
}
