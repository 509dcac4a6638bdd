// Package testenv finds the real backends that the test/infra scripts
// start. Their address is in a HERMES_TEST_* variable; without it a test
// skips with the reason, except under CI=true, where it fails.
package testenv

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Lookup returns the value of variable and true. When variable is unset it
// fails t under CI=true and otherwise returns false, for a caller that goes
// on without that backend; howToStart says how to set it.
func Lookup(t testing.TB, variable, howToStart string) (string, bool) {
	t.Helper()
	v := os.Getenv(variable)
	if v == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set and CI=true needs it: %s", variable, howToStart)
	}
	return v, v != ""
}

// Require returns the value of variable. When it is unset it skips t,
// saying howToStart, or fails t under CI=true.
func Require(t testing.TB, variable, howToStart string) string {
	t.Helper()
	return RequireAll(t, howToStart, variable)[0]
}

// RequireAll returns the values of variables in order, skipping t (failing
// it under CI=true) when any of them is unset.
func RequireAll(t testing.TB, howToStart string, variables ...string) []string {
	t.Helper()
	values := make([]string, len(variables))
	var missing []string
	for i, variable := range variables {
		values[i] = os.Getenv(variable)
		if values[i] == "" {
			missing = append(missing, variable)
		}
	}
	if len(missing) == 0 {
		return values
	}
	msg := fmt.Sprintf("%s not set: %s", strings.Join(missing, " and "), howToStart)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: failing)")
	} else {
		t.Skip(msg)
	}
	return values
}
