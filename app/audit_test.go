package app

import (
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// The trail keeps the newest entries only, and answers newest first.
func TestAuditTrailIsBounded(t *testing.T) {
	t.Parallel()
	a := NewAuditTrail(3, slog.New(slog.DiscardHandler))
	start := time.Unix(1000, 0)
	for i := range 5 {
		a.RecordAudit(t.Context(), domain.AuditEntry{Name: strconv.Itoa(i), Time: start.Add(time.Duration(i) * time.Second), Principal: []string{"a", "b"}[i%2]})
	}
	names := func(q domain.AuditQuery) []string {
		es, err := a.AuditEntries(t.Context(), q)
		require.NoError(t, err)
		out := []string{}
		for _, e := range es {
			out = append(out, e.Name)
		}
		return out
	}
	assert.Equal(t, []string{"4", "3", "2"}, names(domain.AuditQuery{}))
	assert.Equal(t, []string{"4"}, names(domain.AuditQuery{Limit: 1}))
	assert.Equal(t, []string{"4", "2"}, names(domain.AuditQuery{Principal: "a"}))
	assert.Equal(t, []string{"4", "3"}, names(domain.AuditQuery{Since: start.Add(3 * time.Second)}))
}
