package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Figure is one measured quantity of one target in one scenario, with a
// value per measured round.
type Figure struct {
	Scenario string    `json:"scenario"`
	Target   string    `json:"target"`
	Name     string    `json:"name"`
	Unit     string    `json:"unit"`
	Values   []float64 `json:"values"`
	Median   float64   `json:"median"`
	Min      float64   `json:"min"`
	Max      float64   `json:"max"`
	// Ratio is Median over the median of the same figure of the
	// scenario's reference target; 0 when there is none.
	Ratio float64 `json:"ratio,omitempty"`
}

// Report collects a run's figures in the order they were first added.
type Report struct {
	Started   time.Time           `json:"started"`
	Machine   map[string]string   `json:"machine"`
	Reference map[string]string   `json:"reference"` // scenario -> reference target
	Targets   map[string][]string `json:"targets"`   // scenario -> targets in table order
	Figures   []*Figure           `json:"figures"`
	Notes     []string            `json:"notes"`
}

// NewReport starts a report with the machine's facts.
func NewReport() *Report {
	return &Report{Started: time.Now(), Machine: machine(), Reference: map[string]string{}, Targets: map[string][]string{}}
}

// Add records one round's value of a figure.
func (r *Report) Add(scenario, target, name, unit string, v float64) {
	for _, f := range r.Figures {
		if f.Scenario == scenario && f.Target == target && f.Name == name {
			f.Values = append(f.Values, v)
			return
		}
	}
	r.Figures = append(r.Figures, &Figure{Scenario: scenario, Target: target, Name: name, Unit: unit, Values: []float64{v}})
}

// Note adds a line printed under the table.
func (r *Report) Note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Figure returns a figure, nil if it was never added.
func (r *Report) Figure(scenario, target, name string) *Figure {
	for _, f := range r.Figures {
		if f.Scenario == scenario && f.Target == target && f.Name == name {
			return f
		}
	}
	return nil
}

// summarize fills Median, Min, Max and Ratio and orders the figures by
// scenario, then target as Targets lists them.
func (r *Report) summarize() {
	scenarios := map[string]int{}
	for _, f := range r.Figures {
		if _, ok := scenarios[f.Scenario]; !ok {
			scenarios[f.Scenario] = len(scenarios)
		}
	}
	slices.SortStableFunc(r.Figures, func(a, b *Figure) int {
		if a.Scenario != b.Scenario {
			return scenarios[a.Scenario] - scenarios[b.Scenario]
		}
		return slices.Index(r.Targets[a.Scenario], a.Target) - slices.Index(r.Targets[b.Scenario], b.Target)
	})
	for _, f := range r.Figures {
		s := slices.Sorted(slices.Values(f.Values))
		f.Min, f.Max = s[0], s[len(s)-1]
		f.Median = s[len(s)/2]
		if len(s)%2 == 0 {
			f.Median = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
	}
	for _, f := range r.Figures {
		f.Ratio = 0
		if ref := r.Figure(f.Scenario, r.Reference[f.Scenario], f.Name); ref != nil && ref.Median != 0 {
			f.Ratio = f.Median / ref.Median
		}
	}
}

// Print writes the table: one row per figure.
func (r *Report) Print(w io.Writer) {
	r.summarize()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if slices.ContainsFunc(r.Figures, func(f *Figure) bool { return f.Scenario != MirrorScenario }) {
		fmt.Fprintln(tw, "scenario\ttarget\tfigure\tmedian\tmin\tmax\tunit\tratio\t")
	}
	last := ""
	for _, f := range r.Figures {
		if f.Scenario == MirrorScenario {
			continue // its own table, beside Hermes's figures
		}
		if f.Scenario != last && last != "" {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t")
		}
		last = f.Scenario
		ratio := ""
		if f.Ratio != 0 {
			ratio = fmt.Sprintf("%.2fx", f.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", f.Scenario, f.Target, f.Name,
			num(f.Median), num(f.Min), num(f.Max), f.Unit, ratio)
	}
	_ = tw.Flush()
	for _, s := range slices.Sorted(maps.Keys(r.Reference)) {
		fmt.Fprintf(w, "ratio in %s: to %s\n", s, r.Reference[s])
	}
	r.printMirror(w)
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
}

// printMirror writes the Hermes mirror table, when the scenario ran: our
// medians beside the figures Hermes publishes from its JMH suite. The
// machines differ, so only the allocation rows compare like with like.
func (r *Report) printMirror(w io.Writer) {
	if !slices.ContainsFunc(r.Figures, func(f *Figure) bool { return f.Scenario == MirrorScenario }) {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Hermes mirror (Hermes's JMH benchmarks, run the same way in this process)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tfigure\thermes-go (median)\tmin-max\tHermes (published)\t")
	for _, row := range mirrorRows {
		f := r.Figure(MirrorScenario, row.target, row.name)
		if f == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s-%s\t%s\t\n", row.target, row.name, num(f.Median), f.Unit, num(f.Min), num(f.Max), row.hermes)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "hermes-go on: %s, %s CPUs (nproc), %s\n", r.Machine["cpu"], r.Machine["nproc"], r.Machine["go"])
	fmt.Fprintf(w, "Hermes on:    %s\n", mirrorHermesHardware)
	fmt.Fprintln(w, "different machines: compare the allocation rows; rates and latency only as orders of magnitude")
	fmt.Fprintln(w, "Hermes's consumer figures are its JMH ops scaled by 100 000 messages; docs/benchmarks.md says why they are likely not per-message costs")
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// WriteJSON writes the report to dir/bench-<start time>.json.
func (r *Report) WriteJSON(dir string) (string, error) {
	r.summarize()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+r.Started.Format("20060102-150405")+".json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, b, 0o644)
}

// machine describes where the run happened.
func machine() map[string]string {
	m := map[string]string{"go": runtime.Version(), "cpus": fmt.Sprint(runtime.NumCPU()), "os": runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	m["nproc"] = m["cpus"]
	if b, err := exec.Command("nproc").Output(); err == nil {
		m["nproc"] = strings.TrimSpace(string(b))
	}
	if b, err := exec.Command("uname", "-r").Output(); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	return m
}
