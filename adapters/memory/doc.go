// Package memory holds in-process adapters: a ports.MetadataStore, a
// ports.Tracker with its ports.TraceRepository, a ports.UndeliveredLog and a
// ports.Metrics. Nothing survives a restart; they serve tests and a
// single-process Hermes-Go without external services.
package memory
