package whisper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MetricsReader = (*Reader)(nil)

const (
	// RateWindow is how far back Reader.Rate looks.
	RateWindow = time.Minute
	// RecentWindow is how far back Reader.Total looks first.
	RecentWindow = 10 * time.Minute
)

// PathFunc maps a metric name and labels to its series path without the
// ".count" suffix, as the writer did (the graphite package's Path with the
// configured prefix).
type PathFunc func(name string, labels ports.Labels) string

// Reader is a ports.MetricsReader over a Store, for counters written as
// "<path>.count" cumulative totals (what graphite.Metrics flushes).
type Reader struct {
	store *Store
	path  PathFunc
}

// NewReader returns a Reader of store's series.
func NewReader(store *Store, path PathFunc) *Reader {
	return &Reader{store: store, path: path}
}

// Total implements ports.MetricsReader: the newest point of the last
// RecentWindow, which the finest archive holds, or else of the whole
// retention. Coarser archives keep the maximum of each bucket of a ".count"
// series: the newest total, unless the writer restarted within the bucket.
func (r *Reader) Total(ctx context.Context, name string, labels ports.Labels) (float64, error) {
	pts, err := r.read(ctx, name, labels, time.Now().Add(-RecentWindow))
	if err == nil && len(pts) == 0 {
		pts, err = r.read(ctx, name, labels, time.Unix(0, 0))
	}
	if err != nil || len(pts) == 0 {
		return 0, err
	}
	return pts[len(pts)-1].Value, nil
}

// Rate implements ports.MetricsReader: the counter's increase between the
// first and the last point of the last RateWindow, divided by the time
// between them. A total lower than the one before counts as a restart of
// the writer (its count began again from 0).
func (r *Reader) Rate(ctx context.Context, name string, labels ports.Labels) (float64, error) {
	pts, err := r.read(ctx, name, labels, time.Now().Add(-RateWindow))
	if err != nil || len(pts) < 2 {
		return 0, err
	}
	var inc float64
	for i := 1; i < len(pts); i++ {
		if d := pts[i].Value - pts[i-1].Value; d >= 0 {
			inc += d
		} else {
			inc += pts[i].Value
		}
	}
	return inc / pts[len(pts)-1].Time.Sub(pts[0].Time).Seconds(), nil
}

// read returns a counter's points since from; none when never written.
func (r *Reader) read(ctx context.Context, name string, labels ports.Labels, from time.Time) ([]Point, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("whisper: read %s: %w: %w", name, domain.ErrUnavailable, err)
	}
	pts, err := r.store.Read(r.path(name, labels)+".count", from, time.Now())
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	return pts, err
}
