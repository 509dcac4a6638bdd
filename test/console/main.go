// Command console checks the real hermes-console against Hermes-Go: it
// serves a console build (built outside this project, see docs/console.md)
// with every API path passed straight through to a management server,
// drives it with headless Chromium, and reports every failed API call.
//
//	go run ./test/console -dist /tmp/console-build/hermes-console/dist \
//	    -management http://127.0.0.1:8090 -shots /tmp/console-shots
//
// With -serve it only serves (for a look in a browser) until interrupted.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func main() {
	dist := flag.String("dist", "/tmp/console-build/hermes-console/dist", "the console's built dist directory")
	management := flag.String("management", "http://127.0.0.1:8090", "Hermes-Go management URL")
	addr := flag.String("addr", "127.0.0.1:0", "address the console is served on")
	shots := flag.String("shots", "/tmp/console-shots", "directory for screenshots")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium binary")
	serve := flag.Bool("serve", false, "only serve the console until interrupted")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dist, *management, *addr, *shots, *chromium, *serve); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dist, management, addr, shots, chromium string, serveOnly bool) error {
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		return fmt.Errorf("no console build in %s (docs/console.md says how to build one): %w", dist, err)
	}
	target, err := url.Parse(management)
	if err != nil {
		return err
	}
	rec := &recorder{}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: consoleHandler(dist, target, rec), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		_ = srv.Close()
		<-done
	}()
	base := "http://" + ln.Addr().String()
	log.Printf("console on %s, API to %s", base, management)
	if serveOnly {
		<-ctx.Done()
		return nil
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		return err
	}
	failures, err := drive(ctx, base, management, shots, chromium, rec)
	report(rec, failures)
	return err
}

// apiPrefixes are the first path segments of Hermes management's API;
// everything else is the console's own files (or its /ui/... routes).
var apiPrefixes = []string{"console", "groups", "topics", "subscriptions", "query", "search", "stats",
	"owners", "roles", "workload-constraints", "inactive-topics", "readiness", "consistency",
	"offline-retransmission", "filters", "mode", "oauth", "dashboards", "tracking-urls", "unhealthy", "status"}

// consoleHandler serves dist, the single-page app's index.html for its
// routes, and proxies API paths to management, recording each call.
func consoleHandler(dist string, target *url.URL, rec *recorder) http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		sent, _ := resp.Request.Context().Value(requestBodyKey{}).(string)
		rec.add(call{Method: resp.Request.Method, Path: resp.Request.URL.RequestURI(), Status: resp.StatusCode, Body: string(body), Sent: sent})
		return nil
	}
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		rec.add(call{Method: r.Method, Path: r.URL.RequestURI(), Err: err.Error()})
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
	files := http.FileServer(http.Dir(dist))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		for _, p := range apiPrefixes {
			if first == p {
				rec.begin()
				defer rec.end()
				sent, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(sent))
				proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestBodyKey{}, string(sent))))
				return
			}
		}
		if _, err := os.Stat(filepath.Join(dist, filepath.FromSlash(r.URL.Path))); err != nil || r.URL.Path == "/" {
			http.ServeFile(w, r, filepath.Join(dist, "index.html"))
			return
		}
		files.ServeHTTP(w, r)
	})
}

// requestBodyKey carries the request body to the proxy's response hook.
type requestBodyKey struct{}

// call is one API call the console made.
type call struct {
	Page   string
	Method string
	Path   string
	Sent   string // the request body
	Status int
	Body   string // the response body
	Err    string
}

func (c call) failed() bool { return c.Err != "" || c.Status >= 400 }

// recorder keeps the API calls and how many are in flight.
type recorder struct {
	mu       sync.Mutex
	page     string
	calls    []call
	inflight int
	last     time.Time
}

func (r *recorder) setPage(p string) { r.mu.Lock(); r.page = p; r.mu.Unlock() }
func (r *recorder) begin()           { r.mu.Lock(); r.inflight++; r.last = time.Now(); r.mu.Unlock() }
func (r *recorder) end()             { r.mu.Lock(); r.inflight--; r.last = time.Now(); r.mu.Unlock() }

func (r *recorder) add(c call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Page = r.page
	r.calls = append(r.calls, c)
}

// quiet waits until no API call has been in flight for a while, so a page
// has made its calls before its screenshot.
func (r *recorder) quiet(ctx context.Context) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.mu.Lock()
		idle := r.inflight == 0 && time.Since(r.last) > 1500*time.Millisecond
		r.mu.Unlock()
		if idle {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *recorder) snapshot() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// report prints the failed API calls grouped by endpoint.
func report(rec *recorder, browserFailures []string) {
	calls := rec.snapshot()
	byEndpoint := map[string][]call{}
	for _, c := range calls {
		if c.failed() {
			path, _, _ := strings.Cut(c.Path, "?")
			byEndpoint[c.Method+" "+path] = append(byEndpoint[c.Method+" "+path], c)
		}
	}
	keys := make([]string, 0, len(byEndpoint))
	for k := range byEndpoint {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("\n%d API calls, %d endpoints failed\n", len(calls), len(keys))
	for _, k := range keys {
		c := byEndpoint[k][0]
		outcome := fmt.Sprintf("%d %s", c.Status, strings.TrimSpace(c.Body))
		if c.Err != "" {
			outcome = "network error: " + c.Err
		}
		fmt.Printf("FAILED %s (x%d, first on %s): %s\n", k, len(byEndpoint[k]), c.Page, outcome)
		if c.Sent != "" {
			fmt.Printf("       request body: %s\n", c.Sent)
		}
	}
	for _, f := range browserFailures {
		fmt.Println("BROWSER", f)
	}
}

// drive seeds data, visits every route of the console's router, takes a
// screenshot of each, and creates entities through the UI.
func drive(ctx context.Context, base, management, shots, chromium string, rec *recorder) ([]string, error) {
	if err := seed(management); err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1400, 1000))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	var mu sync.Mutex
	var browserFailures []string
	listener := func(ev any) {
		if e, ok := ev.(*network.EventLoadingFailed); ok && !e.Canceled {
			mu.Lock()
			browserFailures = append(browserFailures, fmt.Sprintf("request %s failed: %s", e.RequestID, e.ErrorText))
			mu.Unlock()
		}
	}
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("starting %s: %w", chromium, err)
	}
	// A tab per page: the console's client-side redirects detach chromedp
	// from a reused tab ("Not attached to an active page").
	newTab := func() (context.Context, context.CancelFunc, error) {
		tctx, cancel := chromedp.NewContext(bctx)
		if err := chromedp.Listen(tctx, listener); err != nil {
			cancel()
			return nil, nil, err
		}
		return tctx, cancel, nil
	}
	const (
		g   = "consolecheck"
		t   = "consolecheck.orders"
		s   = "delivery"
		sub = "/ui/groups/" + g + "/topics/" + t + "/subscriptions/" + s
	)
	pages := []string{
		"/", "/ui", "/ui/groups", "/ui/groups/" + g, "/ui/groups/" + g + "/topics/" + t,
		"/ui/groups/" + g + "/topics/consolecheck.avro",
		sub, sub + "/diagnostics/", "/ui/favorite-topics", "/ui/favorite-subscriptions",
		"/ui/readiness", "/ui/constraints", "/ui/inactive-topics", "/ui/consistency",
		"/ui/consistency/" + g, "/ui/consistency/" + g + "/topics/" + t, "/ui/stats",
		"/ui/search?q=consolecheck",
	}
	for i, p := range pages {
		rec.setPage(p)
		tctx, closeTab, err := newTab()
		if err != nil {
			return browserFailures, err
		}
		var shot []byte
		err = navigate(tctx, base+p)
		rec.quiet(tctx)
		if err == nil {
			err = visitTabs(tctx, rec)
		}
		if err == nil {
			shot, err = chromedp.Run(tctx, chromedp.FullScreenshot(100))
		}
		closeTab()
		if err != nil {
			return browserFailures, fmt.Errorf("page %s: %w", p, err)
		}
		name := filepath.Join(shots, fmt.Sprintf("%02d%s.png", i, strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(p)))
		if err := os.WriteFile(name, shot, 0o644); err != nil {
			return browserFailures, err
		}
		log.Printf("visited %s -> %s", p, name)
	}
	uiErr := createThroughUI(newTab, base, management, shots, rec)
	mu.Lock()
	defer mu.Unlock()
	return browserFailures, uiErr
}

// seed creates through the API what the pages show.
func seed(management string) error {
	owner := `"owner":{"source":"Plaintext","id":"console-team"}`
	steps := []struct{ method, path, body string }{
		{"POST", "/groups", `{"groupName":"consolecheck"}`},
		{"POST", "/topics", `{"name":"consolecheck.orders","description":"orders","contentType":"JSON","retentionTime":{"duration":1},` + owner + `}`},
		{"POST", "/topics", `{"name":"consolecheck.avro","description":"avro","contentType":"AVRO","retentionTime":{"duration":1},` + owner + `,
"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"__metadata\",\"type\":[\"null\",{\"type\":\"map\",\"values\":\"string\"}],\"default\":null}]}"}`},
		{"POST", "/topics/consolecheck.orders/subscriptions", `{"name":"delivery","topicName":"consolecheck.orders","endpoint":"http://127.0.0.1:9/x","description":"d",` + owner + `}`},
	}
	for _, st := range steps {
		req, err := http.NewRequest(st.method, management+st.path, strings.NewReader(st.body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && !strings.Contains(string(b), "ALREADY_EXISTS") {
			return fmt.Errorf("%s %s: %d %s", st.method, st.path, resp.StatusCode, b)
		}
	}
	return nil
}

// exists reports whether a management GET answers 200.
func exists(management, path string) bool {
	resp, err := http.Get(management + path)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// jsonString quotes s for a JavaScript snippet.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var errUI = errors.New("ui step failed")

// navigate loads url, once more when the first attempt raced a client-side
// redirect of the previous page ("Not attached to an active page").
func navigate(ctx context.Context, url string) error {
	err := chromedp.Do(ctx, chromedp.Navigate(url))
	if err != nil && strings.Contains(err.Error(), "Not attached") {
		err = chromedp.Do(ctx, chromedp.Navigate(url))
	}
	return err
}

// visitTabs opens every tab of the page (the topic and subscription views
// load each tab's data when it is shown), waiting for its API calls.
func visitTabs(ctx context.Context, rec *recorder) error {
	tabs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.v-tab')].map(t => t.textContent.trim())`))
	if err != nil {
		return err
	}
	for i := range tabs {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const t = document.querySelectorAll('.v-tab')[%d]; if (t) t.click(); return true; })()`, i))); err != nil {
			return err
		}
		rec.quiet(ctx)
	}
	return nil
}
