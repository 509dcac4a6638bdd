// Package elasticsearch implements ports.Tracker and ports.TraceRepository
// over Elasticsearch (7, 8) or OpenSearch (1, 2), storing message traces in
// the daily indices of Hermes's hermes-tracker-elasticsearch. It speaks the
// REST API over net/http (bulk NDJSON, _index_template, _search) because
// the official Go clients each refuse the other product.
package elasticsearch
