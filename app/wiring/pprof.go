package wiring

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"go.uber.org/fx"
)

// pprofModule serves net/http/pprof at debug.pprof_addr, on its own server
// so that profiles never share a port with the APIs.
func pprofModule(addr string) fx.Option {
	return fx.Module("pprof", fx.Invoke(func(lc fx.Lifecycle, log *slog.Logger) {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		// A CPU profile or trace runs for its ?seconds= (default 30s)
		// before it answers.
		serve(lc, log, "pprof", addr, defaultServerConfig(5*time.Minute, 64), nil, mux, time.Second)
	}))
}
