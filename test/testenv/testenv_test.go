package testenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB whose Skip and Fatal only record the call.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skip(...any)           { r.skipped = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestRequire(t *testing.T) {
	t.Setenv("HERMES_TEST_TESTENV_SET", "127.0.0.1:1")
	t.Setenv("HERMES_TEST_TESTENV_UNSET", "")
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			assert.Equal(t, "127.0.0.1:1", Require(r, "HERMES_TEST_TESTENV_SET", "start it"))
			assert.False(t, r.skipped || r.failed, "a set variable neither skips nor fails")

			Require(r, "HERMES_TEST_TESTENV_UNSET", "start it")
			assert.Equal(t, ci != "true", r.skipped, "skips outside CI")
			assert.Equal(t, ci == "true", r.failed, "fails under CI=true")

			r = &recorder{TB: t}
			RequireAll(r, "start them", "HERMES_TEST_TESTENV_SET", "HERMES_TEST_TESTENV_UNSET")
			assert.True(t, r.skipped || r.failed, "one unset variable of several is enough")

			r = &recorder{TB: t}
			v, ok := Lookup(r, "HERMES_TEST_TESTENV_UNSET", "start it")
			assert.Equal(t, "", v)
			assert.False(t, ok)
			assert.False(t, r.skipped, "Lookup never skips")
			assert.Equal(t, ci == "true", r.failed, "Lookup fails under CI=true")
		})
	}
}

// FreePort stays out of the kernel's ephemeral range, where an outgoing
// connection may take a port before the server binds it.
func TestFreePortIsBelowTheEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	for range 20 {
		p := FreePort(t)
		assert.GreaterOrEqual(t, p, lowestPort)
		assert.Less(t, p, low)
	}
}
