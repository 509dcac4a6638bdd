package app

import (
	"context"
	"sync"
	"time"
)

// periodicParallel bounds how many deliveries' periodic work (a lag read
// from the store each) runs at once.
const periodicParallel = 8

// periodicWork runs every delivery's periodic work (output rate
// adjustment, inflight and lag gauges) from one goroutine per Deliverer,
// so an idle subscription costs no goroutine or timer of its own for it.
// The zero value is ready; Deliverer.Run owns run.
type periodicWork struct {
	mu    sync.Mutex
	next  int
	tasks map[int]func(context.Context)
}

// add registers f to run every period and returns what unregisters it.
func (p *periodicWork) add(f func(context.Context)) (remove func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tasks == nil {
		p.tasks = map[int]func(context.Context){}
	}
	id := p.next
	p.next++
	p.tasks[id] = f
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.tasks, id)
	}
}

// run calls every registered task each period until ctx ends, up to
// periodicParallel at once, each bounded by the period. A round that takes
// longer than the period delays the next (ticks are dropped, not queued).
func (p *periodicWork) run(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		tasks := make([]func(context.Context), 0, len(p.tasks))
		for _, f := range p.tasks {
			tasks = append(tasks, f)
		}
		p.mu.Unlock()
		var wg sync.WaitGroup
		sem := make(chan struct{}, periodicParallel)
		for _, f := range tasks {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				tctx, cancel := context.WithTimeout(ctx, period)
				defer cancel()
				f(tctx)
			})
		}
		wg.Wait()
	}
}
