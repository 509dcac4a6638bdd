package domain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// benchBody is a 1 KiB JSON body like make bench publishes.
var benchBody = []byte(`{"t":1700000000123456789,"pad":"` + strings.Repeat("x", 1024-41) + `"}`)

func BenchmarkValidJSON(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.Run("domain", func(b *testing.B) {
		for b.Loop() {
			domain.ValidJSON(benchBody)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			json.Valid(benchBody)
		}
	})
}

func BenchmarkWrapJSON(b *testing.B) {
	m := domain.Message{ID: "0b9f6a1e-5c1d-4d43-9c1e-2f4f7e0a8b11", Timestamp: time.Now(), Body: benchBody}
	b.ReportAllocs()
	for b.Loop() {
		domain.WrapJSON(m)
	}
}

func BenchmarkUnwrapJSON(b *testing.B) {
	v := domain.WrapJSON(domain.Message{ID: "0b9f6a1e-5c1d-4d43-9c1e-2f4f7e0a8b11", Timestamp: time.Now(), Body: benchBody})
	b.ReportAllocs()
	for b.Loop() {
		_, _ = domain.UnwrapJSON(v)
	}
}
