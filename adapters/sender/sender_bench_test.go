package sender_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/ports"
)

// BenchmarkSend is one delivery as the serial loop makes it (Hermes's
// headers, a 200-byte body) to a local subscriber answering 200; the
// allocations include the subscriber's side.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	b.Cleanup(srv.Close)
	s := sender.New(sender.Config{}, nil)
	b.Cleanup(s.Close)
	req := ports.SendRequest{Endpoint: srv.URL + "/hook", Body: make([]byte, 200), Timeout: 10 * time.Second,
		SocketTimeout: time.Second, Headers: map[string]string{
			"Hermes-Message-Id": "0b9f6a1e-5c1d-4d43-9c1e-2f4f7e0a8b11", "Hermes-Retry-Count": "0",
			"Keep-Alive": "true", "Content-Type": "application/json",
		}}
	// Hermes's default socketTimeout is 0; with one, the body is read
	// through the idle watch.
	for _, socket := range []time.Duration{0, time.Second} {
		req.SocketTimeout = socket
		b.Run("socketTimeout="+socket.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := s.Send(b.Context(), req); r.StatusCode != http.StatusOK {
					b.Fatal(r.StatusCode, r.Err)
				}
			}
		})
	}
}
