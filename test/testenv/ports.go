package testenv

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// lowestPort bounds the ports FreePort picks from below: under it live
// well-known services and the test/infra defaults (12xxx–19xxx).
const lowestPort = 20000

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on, for a
// server another process will start (a private Kafka or ZooKeeper). It is
// taken below the kernel's ephemeral range (ip_local_port_range, 32768
// and up by default): a port from ":0" is in that range, and an outgoing
// connection may take it between the check and the server's bind
// ("address already in use"). Ports are picked at random so tests running
// at the same time rarely meet.
func FreePort(t testing.TB) int {
	t.Helper()
	high := ephemeralLow()
	for range 200 {
		p := lowestPort + rand.IntN(high-lowestPort)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		_ = l.Close()
		return p
	}
	t.Fatalf("no free port in [%d, %d)", lowestPort, high)
	return 0
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(f[0])
	if err != nil || low <= lowestPort+1000 {
		return 32768
	}
	return low
}
