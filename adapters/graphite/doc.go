// Package graphite implements ports.Metrics in Graphite's data model:
// Count, Observe, Record and Gauge update in-memory aggregates, and a goroutine
// owned by Metrics flushes them at a fixed interval to a Backend. Carbon
// (this package: the plaintext protocol over TCP) is one backend; the
// whisper package's Store, which writes the same series to local files, is
// the other.
//
// # Series
//
// A metric's path is the prefix, the first segment of its name, the values
// of the labels group, topic and subscription (those present, in that
// order), the rest of the name, then the values of any other labels in key
// order. Label values are escaped: every character other than an ASCII
// letter, digit, '-' or '_' becomes '_' (so dots in Hermes group and
// subscription names become '_' as Hermes's escapeDots does, and no value
// can add a path segment or a directory). For example
// Count("topic.published", {group: "pl.shop", topic: "orders"}, 1) is
// stats.tech.hermes.topic.pl_shop.orders.published.
//
// Each flush writes, with the flush time as timestamp:
//   - counters: <path>.count, the cumulative total since start (as
//     Dropwizard's Graphite reporter, which Hermes used, does; graph rates
//     with nonNegativeDerivative). Resending a cumulative value is
//     harmless, so a lost or repeated flush loses nothing, and several
//     flushes within one whisper slot keep the newest total;
//   - timers: <path>.count (cumulative number of observations) and, when
//     the interval had observations, <path>.mean, <path>.p50 and
//     <path>.p99 of that interval in milliseconds (percentiles from a
//     bounded reservoir sample of ReservoirSize observations);
//   - distributions (Record): the same series as timers, in the recorded
//     values' own unit (e.g. bytes);
//   - gauges: <path>, the last value set.
package graphite
