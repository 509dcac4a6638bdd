package graphite

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hermes-go/hermes/domain"
)

var _ Backend = (*Carbon)(nil)

// Carbon is the Backend that sends carbon's plaintext protocol
// ("path value timestamp\n") over one TCP connection. Points wait in a
// buffer of Config.MaxPending points while carbon is away; when it is
// full the oldest are dropped and counted. A failed dial or write closes
// the connection and the next attempt waits for an exponential backoff
// between Config.MinBackoff and Config.MaxBackoff, so flushes while
// carbon is down cost no network round trip.
type Carbon struct {
	cfg Config
	log *slog.Logger

	conn     net.Conn
	pending  [][]byte // one line each
	dropped  atomic.Int64
	failures int
	retryAt  time.Time
}

// NewCarbon returns a Carbon backend for cfg (defaults applied); it dials
// at the first Write.
func NewCarbon(cfg Config, log *slog.Logger) *Carbon {
	return &Carbon{cfg: cfg.withDefaults(), log: log}
}

// Write implements Backend: it queues the points and sends everything
// queued. It returns an error wrapping domain.ErrUnavailable while carbon
// cannot be reached; the points stay queued.
func (c *Carbon) Write(ts time.Time, points map[string]float64) error {
	c.enqueue(ts, points)
	if c.conn == nil {
		if time.Now().Before(c.retryAt) {
			return fmt.Errorf("graphite: carbon %s: %w: waiting to reconnect", c.cfg.Address, domain.ErrUnavailable)
		}
		conn, err := net.DialTimeout("tcp", c.cfg.Address, c.cfg.Timeout)
		if err != nil {
			return c.fail(err)
		}
		c.conn = conn
	}
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout)); err != nil {
		return c.fail(err)
	}
	if _, err := c.conn.Write(bytes.Join(c.pending, nil)); err != nil {
		// part of the batch may have arrived; resending it is harmless as
		// carbon keeps the last value written per slot
		return c.fail(err)
	}
	clear(c.pending)
	c.pending, c.failures = c.pending[:0], 0
	return nil
}

// enqueue appends the points as lines, dropping the oldest lines beyond
// MaxPending.
func (c *Carbon) enqueue(ts time.Time, points map[string]float64) {
	unix := strconv.FormatInt(ts.Unix(), 10)
	for p, v := range points {
		c.pending = append(c.pending, []byte(p+" "+strconv.FormatFloat(v, 'f', -1, 64)+" "+unix+"\n"))
	}
	if over := len(c.pending) - c.cfg.MaxPending; over > 0 {
		total := c.dropped.Add(int64(over))
		c.pending = append(c.pending[:0], c.pending[over:]...)
		c.log.Warn("carbon buffer full; dropped the oldest points", "dropped", over, "dropped_total", total, "max_pending", c.cfg.MaxPending)
	}
}

func (c *Carbon) fail(err error) error {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
	c.failures++
	backoff := c.cfg.MinBackoff
	for i := 1; i < c.failures && backoff < c.cfg.MaxBackoff; i++ {
		backoff *= 2
	}
	c.retryAt = time.Now().Add(min(backoff, c.cfg.MaxBackoff))
	return fmt.Errorf("graphite: carbon %s: %w: %w", c.cfg.Address, domain.ErrUnavailable, err)
}

// Dropped returns how many points were dropped because the buffer was full.
func (c *Carbon) Dropped() int64 { return c.dropped.Load() }

// Close implements Backend: it closes the connection. Points still
// pending are lost.
func (c *Carbon) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}
