// Command bench-baseline is the bare program Hermes-Go is measured
// against: the least a Go service must do for the same job, with the same
// franz-go client defaults. It runs as its own process so CPU and memory
// are read the same way as Hermes-Go's.
//
//	-mode ceiling   HTTP server answering 201 to every POST after reading the body
//	-mode produce   HTTP server producing each body to -topic, answering 201 after the ack
//	-mode deliver   consumer group -group on -topic POSTing each value to -sink,
//	                partitions in parallel, each in order, committing after each poll
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hermes-go/hermes/test/bench/internal/send"
)

func main() {
	mode := flag.String("mode", "ceiling", "ceiling, produce or deliver")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (ceiling, produce)")
	brokers := flag.String("brokers", "", "comma-separated Kafka brokers (produce, deliver)")
	topic := flag.String("topic", "", "Kafka topic (produce, deliver)")
	group := flag.String("group", "", "consumer group (deliver)")
	sink := flag.String("sink", "", "URL to POST consumed values to (deliver)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var err error
	switch *mode {
	case "ceiling":
		err = serve(ctx, log, *addr, func(context.Context, []byte) error { return nil })
	case "produce":
		err = produce(ctx, log, *addr, *brokers, *topic)
	case "deliver":
		err = deliver(ctx, log, *brokers, *topic, *group, *sink)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-baseline:", err)
		os.Exit(1)
	}
}

// serve answers 201 to every POST whose body handle accepted, 503 otherwise.
func serve(ctx context.Context, log *slog.Logger, addr string, handle func(context.Context, []byte) error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 2 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = handle(r.Context(), body)
		}
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})}
	log.Info("listening", "component", "baseline", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// produce is the honest publish baseline: Hermes-Go's default topic ack
// (LEADER) without idempotence or compression, as its producer is
// configured.
func produce(ctx context.Context, log *slog.Logger, addr, brokers, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		return err
	}
	defer cl.Close()
	return serve(ctx, log, addr, func(ctx context.Context, body []byte) error {
		return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: body}).FirstErr()
	})
}

// deliver is the honest delivery baseline: at-least-once, in order per
// partition, as Hermes's serial delivery.
func deliver(ctx context.Context, log *slog.Logger, brokers, topic, group, sink string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	log.Info("listening", "component", "baseline", "addr", "consumer")
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wg sync.WaitGroup
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			wg.Go(func() {
				for _, r := range p.Records {
					for !send.Post(ctx, client, sink, r.Value) && ctx.Err() == nil {
						time.Sleep(10 * time.Millisecond)
					}
				}
			})
		})
		wg.Wait()
		if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
			log.Warn("commit failed", "err", err)
		}
	}
}
