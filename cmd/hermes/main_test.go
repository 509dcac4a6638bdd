package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/app/wiring"
)

type needed struct{}

// A start error is printed cause first, on one line, without fx's account
// of the constructors (issue 15, defect 13).
func TestStartErrorIsTheCauseFirst(t *testing.T) {
	app := fx.New(fx.NopLogger,
		fx.Provide(func() (*needed, error) { return nil, errors.New("disk is read-only\nsecond line") }),
		fx.Invoke(func(*needed) {}))
	require.Error(t, app.Err())

	var out strings.Builder
	printStartError(&out, wiring.Defaults(), app.Err())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, "hermes: cannot start: disk is read-only; second line", lines[0])
	assert.NotContains(t, out.String(), "could not build arguments")

	out.Reset()
	debug := wiring.Defaults()
	debug.Log.Level = "debug"
	printStartError(&out, debug, app.Err())
	assert.Contains(t, out.String(), "could not build arguments", "the detail is kept at debug")
}
